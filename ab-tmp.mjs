import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { gatewayThroughput } from "./dist/bench/throughput.js";
import { writePayload } from "./dist/bench/payload.js";
import { benchAgents } from "./dist/bench/programs.js";
const S = "./dist/src/sessions/session.js", F = "./dist/src/sessions/flow-control.js";
const s0 = readFileSync(S, "utf8"), f0 = readFileSync(F, "utf8");
const configs = {
  A: [s0, f0],
  B: [s0.replace("const MAX_BATCH_BYTES = 256 * 1024;", "const MAX_BATCH_BYTES = 64 * 1024;"), f0],
  C: [s0, f0.replace("export const LOW_WATERMARK = 256 * 1024;", "export const LOW_WATERMARK = 512 * 1024;")],
};
const dir = mkdtempSync("/tmp/ab-");
const p = writePayload(dir + "/s.txt", { bytes: Number(process.argv[3] ?? 50) * 1e6 });
const base = { agents: benchAgents({ stream: p.file, lines1k: p.file, lines10k: p.file }, "X") };
const mode = process.argv[2] ?? "parse";
const res = {};
try {
  for (let r = 0; r < 3; r++) for (const [name, [s, f]] of Object.entries(configs)) {
    writeFileSync(S, s); writeFileSync(F, f);
    const t = await gatewayThroughput(p, base, mode);
    (res[name] ??= []).push(`${t.mbps.toFixed(1)}/${(t.cpuMs / (t.bytes / 1e6)).toFixed(1)}/${t.frames}`);
  }
} finally { writeFileSync(S, s0); writeFileSync(F, f0); }
console.log(mode, res);
