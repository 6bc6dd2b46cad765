/**
 * Where a keystroke's echo time goes: `node dist/bench/echo-timeline.js [--keys=3000]` (after `npm run build`)
 * starts a gateway with GATEWAY_ECHO_TRACE, types into `cat` in raw mode one key at a time, and lines up the
 * client's send and receive with the gateway's marks (all on CLOCK_MONOTONIC): client send -> frame parsed ->
 * PTY written -> PTY read -> flush -> ws send -> client receive. Prints each hop's percentiles, which hop made
 * each of the slowest 1% slow, and how many of them overlapped a garbage collection in the gateway.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startGatewayProcess } from "./gateway-process.js";
import { waitReady } from "./latency.js";
import { benchAgents } from "./programs.js";
import { percentile } from "./stats.js";
import { BenchClient } from "./terminal-client.js";

const STAGES = ["parsed", "pty-written", "pty-read", "flush", "sent"] as const;

const { values } = parseArgs({ options: { keys: { type: "string", default: "3000" } } });
const keys = Number(values.keys);
const dir = mkdtempSync(path.join(tmpdir(), "gw-echo-trace-"));
const traceFile = path.join(dir, "trace.txt");
const gateway = await startGatewayProcess({
  agents: benchAgents({ stream: "/dev/null", lines1k: "/dev/null", lines10k: "/dev/null" }, "unused"),
  env: { GATEWAY_ECHO_TRACE: traceFile },
});
const keystrokes: { sent: bigint; received: bigint }[] = [];
try {
  const id = await gateway.createSession("bench-echo");
  const client = await BenchClient.open(gateway.url, id, { ack: "receive" });
  await waitReady(client);
  let received = 0n;
  client.onChunk = () => (received = process.hrtime.bigint());
  for (let i = 0; i < keys; i++) {
    const expected = client.consumed + 1;
    const sent = process.hrtime.bigint();
    client.input(String.fromCharCode(97 + (i % 26)));
    await client.until(() => client.consumed >= expected, 10_000, `the echo of keystroke ${i}`);
    keystrokes.push({ sent, received });
  }
  await client.close();
} finally {
  await gateway.close();
}
const lines = readFileSync(traceFile, "utf8").trim().split("\n").map((line) => line.split(" "));
rmSync(dir, { recursive: true, force: true });
const gcs = lines.filter((l) => l[1] === "gc").map((l) => ({ at: BigInt(l[0]!), us: Number(l[2]) }));
const marks = lines.filter((l) => l[1] !== "gc").map((l) => ({ at: BigInt(l[0]!), stage: l[1]! })).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

// Each keystroke's marks are those between its send and its receipt (the first of each stage).
const hops = new Map<string, number[]>();
const slowest: { total: number; hop: string; gc: boolean }[] = [];
let next = 0;
for (const { sent, received } of keystrokes) {
  while (next < marks.length && marks[next]!.at < sent) next++;
  const seen = new Map<string, bigint>();
  for (; next < marks.length && marks[next]!.at <= received; next++) if (!seen.has(marks[next]!.stage)) seen.set(marks[next]!.stage, marks[next]!.at);
  let from = "client send";
  let fromAt = sent;
  let worst = { hop: "", us: -1 };
  const points = [...STAGES.filter((s) => seen.has(s) && seen.get(s)! >= fromAt).map((s) => [s, seen.get(s)!] as const), ["client receive", received] as const];
  for (const [stage, at] of points) {
    if (at < fromAt) continue;
    const us = Number(at - fromAt) / 1000;
    const hop = `${from} -> ${stage}`;
    hops.set(hop, [...(hops.get(hop) ?? []), us]);
    if (us > worst.us) worst = { hop, us };
    from = stage;
    fromAt = at;
  }
  const total = Number(received - sent) / 1000;
  hops.set("total", [...(hops.get("total") ?? []), total]);
  slowest.push({ total, hop: worst.hop, gc: gcs.some((g) => g.at <= received && g.at + BigInt(g.us * 1000) >= sent) });
}
const f = (n: number) => n.toFixed(1).padStart(8);
process.stdout.write(`${keys} keystrokes; gateway GCs meanwhile: ${gcs.length}\n`);
for (const [hop, us] of hops) {
  process.stdout.write(`${hop.padEnd(30)} n ${String(us.length).padStart(6)}  p50 ${f(percentile(us, 50))}  p90 ${f(percentile(us, 90))}  p99 ${f(percentile(us, 99))}  max ${f(Math.max(...us))} us\n`);
}
const threshold = percentile(slowest.map((s) => s.total), 99);
const tail = slowest.filter((s) => s.total >= threshold);
const byHop = new Map<string, number>();
for (const s of tail) byHop.set(s.hop, (byHop.get(s.hop) ?? 0) + 1);
process.stdout.write(`slowest 1% (${tail.length}, >= ${threshold.toFixed(0)} us): longest hop ${JSON.stringify(Object.fromEntries(byHop))}; overlapping a gateway GC: ${tail.filter((s) => s.gc).length}\n`);
