/**
 * Keystroke echo right after screen restores, in one gateway (issue 20: the restore runs with V8's own JIT
 * thresholds, jit-tiering.ts, and must not bring the echo's tail back): types 1000 keys, re-attaches a
 * session with 10,000 lines of scrollback `--reattaches` times, then types `--sets` x 1000 keys, all with the
 * Python client. `node dist/bench/echo-after-restore.js [--reattaches=5] [--sets=3]` (after `npm run build`);
 * run it with another Node, or from another build's dist/, to compare.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startGatewayProcess } from "./gateway-process.js";
import { echoLatencies } from "./latency.js";
import { writePayload } from "./payload.js";
import { benchAgents } from "./programs.js";
import { median, percentile } from "./stats.js";
import { reattachMs } from "./startup.js";

const { values } = parseArgs({ options: { reattaches: { type: "string", default: "5" }, sets: { type: "string", default: "3" } } });
const KEYS = 1000;

const dir = mkdtempSync(path.join(os.tmpdir(), "bench-echo-restore-"));
const files = {
  stream: writePayload(path.join(dir, "stream.txt"), { bytes: 100_000 }).file,
  lines1k: writePayload(path.join(dir, "lines1k.txt"), { lines: 1000 }).file,
  lines10k: path.join(dir, "lines10k.txt"),
};
const lines10k = writePayload(files.lines10k, { lines: 10_000 });
const gateway = await startGatewayProcess({ agents: benchAgents(files, `INTERRUPTED-${process.pid}`) });
const echo = (samples: number[]) => `p50 ${percentile(samples, 50).toFixed(2)} p99 ${percentile(samples, 99).toFixed(2)}`;
try {
  const lines = [`before: ${echo(await echoLatencies(gateway, KEYS, "python"))}`];
  const restores = await reattachMs(gateway, lines10k, Number(values.reattaches));
  lines.push(`re-attach of 10,000 lines: median ${median(restores).toFixed(1)} ms (${restores.map((ms) => ms.toFixed(0)).join(" ")})`);
  for (let set = 0; set < Number(values.sets); set++) lines.push(`after, keys ${set * KEYS + 1}-${(set + 1) * KEYS}: ${echo(await echoLatencies(gateway, KEYS, "python"))}`);
  console.log(`${new Date().toISOString().slice(0, 16)} Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}\n${lines.join("\n")}`);
} finally {
  await gateway.close();
  rmSync(dir, { recursive: true, force: true });
}
