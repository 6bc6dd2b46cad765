/**
 * `npm run bench`: the gateway against the ceilings, side by side in one run. Every measurement starts a fresh
 * gateway process; configurations are interleaved run by run and the table shows medians and same-run ratios.
 * Options: --mb=200 --runs=3 --keys=1000 --sessions=500 --smoke (tiny sizes) --readme (write the table
 * into README.md) --json=FILE (write the raw samples) --only=throughput,latency,memory,many,startup (some
 * sections; for profiling; "backup" for the history backup's costs) --cpu-prof=DIR (every gateway writes a CPU profile there)
 * --node-args="--max-opt=1" (Node flags for every gateway, to compare runtime settings).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { packageRoot } from "../src/paths.js";
import { startGatewayProcess, type GatewayProcessOptions } from "./gateway-process.js";
import { ceilingEchoLatencies, echoLatencies, interruptLatency, startFlood } from "./latency.js";
import { memoryPerSession } from "./memory.js";
import { writePayload, type Payload } from "./payload.js";
import { backupBench, backupLines } from "./backup.js";
import { benchAgents } from "./programs.js";
import { machineLine, markdownTable, textTable, updateReadme } from "./report.js";
import { npmStartMs, promptMs, reattachMs } from "./startup.js";
import { summarize, type Samples } from "./summary.js";
import { ceilingThroughput, gatewayThroughput } from "./throughput.js";
import { websocketdEchoLatencies, websocketdPath } from "./websocketd.js";

/** Sizes of one bench run. */
export interface BenchOptions {
  readonly mb: number;
  readonly runs: number;
  readonly keystrokes: number;
  /** Sessions open at once in the many-sessions measurement. */
  readonly sessions: number;
  /** Sessions opened to measure memory per session. */
  readonly memorySessions: number;
  readonly interrupts: number;
  readonly reattaches: number;
  readonly scrollbackLines: number;
  /** The sections to run; all when undefined. */
  readonly only?: ReadonlySet<string>;
  /** Node flags for every gateway. */
  readonly nodeArgs?: readonly string[];
}

const FULL: BenchOptions = { mb: 200, runs: 3, keystrokes: 1000, sessions: 500, memorySessions: 50, interrupts: 10, reattaches: 5, scrollbackLines: 10_000 };
const SMOKE: BenchOptions = { mb: 2, runs: 1, keystrokes: 20, sessions: 5, memorySessions: 3, interrupts: 1, reattaches: 1, scrollbackLines: 10_000 };

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mb: { type: "string" },
      runs: { type: "string" },
      keys: { type: "string" },
      sessions: { type: "string" },
      smoke: { type: "boolean", default: false },
      readme: { type: "boolean", default: false },
      json: { type: "string" },
      only: { type: "string" },
      "cpu-prof": { type: "string" },
      "node-args": { type: "string" },
    },
  });
  const base = values.smoke ? SMOKE : FULL;
  const options: BenchOptions = {
    ...base,
    mb: count(values.mb, "mb") ?? base.mb,
    runs: count(values.runs, "runs") ?? base.runs,
    keystrokes: count(values.keys, "keys") ?? base.keystrokes,
    sessions: count(values.sessions, "sessions") ?? base.sessions,
    only: values.only ? new Set(values.only.split(",")) : undefined,
    nodeArgs: [
      ...(values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(values["cpu-prof"])}`] : []),
      ...(values["node-args"]?.split(" ").filter(Boolean) ?? []),
    ],
  };
  const loadAtStart = loadavg()[0]!;
  const dir = mkdtempSync(path.join(tmpdir(), "gw-bench-data-"));
  try {
    const samples = await measure(options, dir);
    const rows = summarize(samples, options);
    const title = `${machineLine(loadAtStart)} Payload ${options.mb} MB; ${options.runs} interleaved runs; medians.`;
    process.stdout.write(`\n${title}\n\n${textTable(rows)}\n`);
    // The history backup's costs (issue 15), printed beside the table: --only=backup runs just this.
    const backup = !options.only || options.only.has("backup")
      ? await backupBench(values.smoke ? { commits: 20, historyMb: 1, rounds: 2 } : { commits: 200, historyMb: 20, rounds: 10 }, mkdtempSync(path.join(dir, "backup-")))
      : undefined;
    if (backup) process.stdout.write(`\n${backupLines(backup)}\n`);
    if (values.json) writeFileSync(values.json, JSON.stringify({ options, samples, rows, backup }, null, 2));
    if (values.readme) updateReadme(path.join(packageRoot(), "README.md"), `${title}\n\n${markdownTable(rows)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(options: BenchOptions, dir: string): Promise<Samples> {
  log(`writing a ${options.mb} MB payload`);
  const stream = writePayload(path.join(dir, "stream.txt"), { bytes: options.mb * 1e6 }, true);
  const lines1k = writePayload(path.join(dir, "lines1k.txt"), { lines: 1000 });
  const lines10k = writePayload(path.join(dir, "lines10k.txt"), { lines: options.scrollbackLines });
  const marker = `INTERRUPTED-${process.pid}`;
  const base: GatewayProcessOptions = {
    agents: benchAgents({ stream: stream.file, lines1k: lines1k.file, lines10k: lines10k.file }, marker),
    nodeArgs: options.nodeArgs,
  };
  const runs = (section: string) => !options.only || options.only.has(section);
  const samples: Samples = {
    throughput: { python: [], nodePty: [], fast: [], parse: [] },
    echoIdle: [], echoCeiling: [], echoWebsocketd: [], echoFlood: [], floodMbps: [],
    echoPython: { gateway: [], ceiling: [], websocketd: [], flood: [], floodMbps: [] }, interrupt: [], memoryIdle: [], memory1k: [], many: [],
    reattach: [], nodeStart: [], npmStart: [], prompt: [],
  };
  for (let run = 0; run < options.runs; run++) {
    // Rotate the order from run to run so that no configuration always goes first or last.
    const configs = [
      () => ceilingThroughput(stream, "python").then((s) => samples.throughput.python.push(s)),
      () => ceilingThroughput(stream, "node-pty").then((s) => samples.throughput.nodePty.push(s)),
      () => gatewayThroughput(stream, base, "receive").then((s) => samples.throughput.fast.push(s)),
      () => gatewayThroughput(stream, base, "parse").then((s) => samples.throughput.parse.push(s)),
    ];
    for (let i = 0; i < configs.length && runs("throughput"); i++) {
      log(`run ${run + 1}/${options.runs}: throughput ${i + 1}/${configs.length}`);
      await configs[(i + run) % configs.length]!();
    }
    if (runs("latency")) {
      log(`run ${run + 1}: latency`);
      await latencyRun(options, base, marker, samples);
    }
    if (runs("memory")) {
      log(`run ${run + 1}: memory`);
      await memoryRun(options, base, lines1k, samples);
    }
    if (runs("many")) {
      log(`run ${run + 1}: ${options.sessions} sessions`);
      await manySessionsRun(options, base, samples);
    }
    if (runs("startup")) {
      log(`run ${run + 1}: start-up and re-attach`);
      samples.npmStart.push(await npmStartMs(base));
      await startupRun(options, base, lines10k, samples);
    }
  }
  return samples;
}

async function latencyRun(options: BenchOptions, base: GatewayProcessOptions, marker: string, samples: Samples): Promise<void> {
  const gateway = await startGatewayProcess(base);
  try {
    samples.nodeStart.push(gateway.startMs);
    // The gateway and the references take turns going first.
    const idle = () => echoLatencies(gateway, options.keystrokes).then((r) => samples.echoIdle.push(r));
    const ceiling = () => ceilingEchoLatencies(options.keystrokes).then((r) => samples.echoCeiling.push(r));
    // The same again typed by the Python client (echo-client.py), so that the Node client's share is visible.
    const py = samples.echoPython;
    const idlePy = () => echoLatencies(gateway, options.keystrokes, "python").then((r) => py.gateway.push(r));
    const ceilingPy = () => ceilingEchoLatencies(options.keystrokes, "python").then((r) => py.ceiling.push(r));
    const measures = [idle, ceiling, idlePy, ceilingPy];
    const websocketd = websocketdPath();
    if (websocketd) {
      measures.push(() => websocketdEchoLatencies(websocketd, options.keystrokes).then((r) => samples.echoWebsocketd.push(r)));
      measures.push(() => websocketdEchoLatencies(websocketd, options.keystrokes, "python").then((r) => py.websocketd.push(r)));
    } else if (samples.echoIdle.length === 0) log("websocketd is not installed (Debian package websocketd): its echo reference is skipped");
    const turn = samples.echoIdle.length % measures.length;
    for (const measure of [...measures.slice(turn), ...measures.slice(0, turn)]) await measure();
    for (const by of samples.echoFlood.length % 2 === 0 ? (["node", "python"] as const) : (["python", "node"] as const)) {
      const flood = await startFlood(gateway);
      const echo = await echoLatencies(gateway, options.keystrokes, by);
      const { mbps } = await flood.stop();
      if (by === "node") samples.echoFlood.push(echo), samples.floodMbps.push(mbps);
      else py.flood.push(echo), py.floodMbps.push(mbps);
    }
    for (let i = 0; i < options.interrupts; i++) samples.interrupt.push(await interruptLatency(gateway, marker));
  } finally {
    await gateway.close();
  }
}

async function memoryRun(options: BenchOptions, base: GatewayProcessOptions, lines1k: Payload, samples: Samples): Promise<void> {
  // A fresh gateway for each: memory freed by one measurement would otherwise absorb the next one's growth.
  const measures = [
    { agent: "shell", into: samples.memoryIdle },
    { agent: "bench-lines1k", into: samples.memory1k, expect: lines1k.lastLine },
  ];
  for (const { into, ...what } of measures) {
    const gateway = await startGatewayProcess({ ...base, maxSessions: options.memorySessions + 10 });
    try {
      into.push(await memoryPerSession(gateway, { ...what, count: options.memorySessions }));
    } finally {
      await gateway.close();
    }
  }
}

async function manySessionsRun(options: BenchOptions, base: GatewayProcessOptions, samples: Samples): Promise<void> {
  const gateway = await startGatewayProcess({ ...base, maxSessions: options.sessions + 10 });
  try {
    const startAt = performance.now();
    const opened = await memoryPerSession(gateway, { agent: "shell", count: options.sessions - 1 });
    const openMs = performance.now() - startAt;
    const echo = await echoLatencies(gateway, options.keystrokes);
    samples.many.push({ perSession: opened.perSession, rss: opened.total, openMs, echo });
  } finally {
    await gateway.close();
  }
}

async function startupRun(options: BenchOptions, base: GatewayProcessOptions, lines10k: Payload, samples: Samples): Promise<void> {
  const gateway = await startGatewayProcess(base);
  try {
    samples.prompt.push(await promptMs(gateway));
    samples.reattach.push(...(await reattachMs(gateway, lines10k, options.reattaches)));
  } finally {
    await gateway.close();
  }
}

function count(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0, got ${value}`);
  return n;
}

await main();
