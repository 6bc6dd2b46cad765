import { execFileSync } from "node:child_process";
import v8 from "node:v8";
import { describe, expect, it } from "vitest";
import { delayTurbofan, turbofanDelayFlag, withDefaultTiering } from "../../src/jit-tiering.js";

// A function shaped like the keystroke path (parse a frame, touch a byte), called 30,000 times: with V8's
// defaults TurboFan compiles it; with the gateway's flag (src/jit-tiering.ts, set by main.ts) it must not.
const PROGRAM = `
const v8 = require("node:v8");
if (process.argv[1]) v8.setFlagsFromString(process.argv[1]);
function hop(frame) { return JSON.parse(frame).data.length + frame.charCodeAt(0); }
// The loop itself never optimized: TurboFan would inline hop into it, and hop's own tier would say nothing.
function run() {
  for (let i = 0; i < 30000; i++) hop('{"type":"input","data":"' + String.fromCharCode(97 + (i % 26)) + '"}');
}
eval("%NeverOptimizeFunction(run)");
run();
// V8's OptimizationStatus: bit 6 is "compiled by TurboFan". TurboFan compiles on a helper thread and a call
// installs its code: on a busy machine give it up to a second.
const turbofanned = () => (eval("%GetOptimizationStatus(hop)") & 64) !== 0;
let polls = 0;
(function settle() {
  if (turbofanned() || ++polls > 100) return process.stdout.write(String(turbofanned()));
  hop('{"type":"input","data":"a"}');
  setTimeout(settle, 10);
})();
`;

function turbofanned(flag: string): boolean {
  return execFileSync(process.execPath, ["--allow-natives-syntax", "-e", PROGRAM, flag], { encoding: "utf8" }) === "true";
}

describe("turbofanDelayFlag", () => {
  it("keeps a function called 30,000 times out of TurboFan on this Node, which compiles it without the flag", () => {
    expect(turbofanned("")).toBe(true);
    expect(turbofanned(turbofanDelayFlag())).toBe(false);
  });

  it("names the flag this V8 has", () => {
    expect(turbofanDelayFlag("12.4.254.21")).toBe("--invocation-count-for-turbofan=300000");
    expect(turbofanDelayFlag("11.3.244.8")).toBe("--interrupt-budget=6758400");
  });
});

describe("withDefaultTiering", () => {
  it("gives the work V8's own thresholds while the delay holds everywhere else", async () => {
    // In this test's process: natives syntax to read a function's tier, then the gateway's delay as main.ts sets it.
    v8.setFlagsFromString("--allow-natives-syntax");
    const tier = new Function("f", "return %GetOptimizationStatus(f)") as (f: unknown) => number;
    const turbofanned = (f: unknown) => (tier(f) & 64) !== 0;
    const hop = () => new Function("frame", "return JSON.parse(frame).data.length + frame.charCodeAt(0)") as (frame: string) => number;
    const run = (f: (frame: string) => number) => {
      for (let i = 0; i < 30000; i++) f(`{"type":"input","data":"${String.fromCharCode(97 + (i % 26))}"}`);
    };
    // The loop itself never optimized: TurboFan would inline the function into it, and its own tier would say nothing.
    (new Function("f", "%NeverOptimizeFunction(f)") as (f: unknown) => void)(run);
    // TurboFan compiles on a helper thread and a call installs its code: under the suite's load give it time
    // (a few calls more, far fewer than the delayed threshold).
    const settle = async (f: (frame: string) => number, polls: number) => {
      for (let i = 0; i < polls && !turbofanned(f); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        f(`{"type":"input","data":"a"}`);
      }
    };
    delayTurbofan();
    try {
      const restore = hop();
      const keystroke = hop();
      await withDefaultTiering(async () => {
        run(restore);
        await settle(restore, 300);
      });
      run(keystroke);
      await settle(keystroke, 50);
      expect(turbofanned(restore)).toBe(true);
      expect(turbofanned(keystroke)).toBe(false);
    } finally {
      v8.setFlagsFromString(turbofanDelayFlag(undefined, 1));
    }
  });
});
