import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { fuzzCases, random } from "../helpers/random.js";

const VALID = `agents:
  - id: aider
    label: Aider
    command: aider
    args: [--yes]
    env: { A: "1" }
limits:
  maxSessions: 5
  maxUploadBytes: 1000
`;

describe("fuzz: the YAML config and the environment", () => {
  it("either loads or throws a ConfigError naming the setting, never anything else", () => {
    const rng = random(Number(process.env.FUZZ_SEED ?? 11));
    const cases = fuzzCases(2000);
    let refused = 0;
    for (let i = 0; i < cases; i++) {
      let text = VALID;
      for (let m = rng.int(4) + 1; m > 0; m--) {
        const at = rng.int(text.length);
        const op = rng.int(3);
        if (op === 0) text = text.slice(0, at) + text.slice(at + rng.int(10));
        else if (op === 1) text = text.slice(0, at) + rng.pick(["*a", "&a", ": ", "- ", "{", "[", "\t", "!!binary", "\u0000", "99999999999", "-1", "~"]) + text.slice(at);
        else text = text.slice(0, at) + rng.text(rng.int(5)) + text.slice(at);
      }
      const env: Record<string, string> = { HOME: "/home/u" };
      if (rng.int(3) === 0) env[rng.pick(["PORT", "SESSION_LINGER_MINUTES", "PROJECTS_DIR", "LOG_LEVEL", "IDE_IDLE_MINUTES"])] = rng.text(rng.int(6));
      try {
        loadConfig(env, { path: "fuzz.yaml", text });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).setting.length).toBeGreaterThan(0);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    console.log(`fuzz: ${cases} configurations, ${refused} refused with a named setting`);
  });

  it("survives a YAML alias bomb", () => {
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`;
    expect(() => loadConfig({ HOME: "/h" }, { path: "bomb.yaml", text: bomb })).toThrow(ConfigError);
  });
});
