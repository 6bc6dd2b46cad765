/**
 * Keystroke echo of the gateway, the ws + node-pty ceiling and websocketd + script, each typed by the Node
 * client and by the Python one (echo-client.py), interleaved run by run (issue 20's experiments):
 * `node dist/bench/echo-compare.js [--runs=5] [--keys=1000] [--only=gateway:python,websocketd:python]
 * [--node-args="--single-threaded"] [--flood] [--gap=MS] [--warm=N] [--settle=MS] [--idle-helpers] [--pin=CPUS] [--json=FILE]`.
 * --gap waits MS after each echo before the next keystroke (the gateway typed by the Python client only), as a person types. --warm types N keys
 * into the gateway (and each ceiling process) before it is measured, in a session of its own; --settle waits MS after the gateway's start; --idle-helpers puts every gateway thread but the main one in SCHED_IDLE. --node-args go to the gateway and the ceiling
 * (both Node); --flood measures the gateway's echo while a neighbour session floods, beside the flood's MB/s.
 * Prints, per configuration, the medians over runs of p50 / p90 / p99 / p99.9, and same-run p50 and p99 ratios.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startGatewayProcess } from "./gateway-process.js";
import { ceilingEchoLatencies, echoLatencies, startFlood, type EchoClient } from "./latency.js";
import { benchAgents } from "./programs.js";
import { median, percentile } from "./stats.js";
import { websocketdEchoLatencies, websocketdPath } from "./websocketd.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    keys: { type: "string", default: "1000" },
    only: { type: "string" },
    "node-args": { type: "string", default: "" },
    flood: { type: "boolean", default: false },
    warm: { type: "string", default: "0" },
    settle: { type: "string", default: "0" },
    gap: { type: "string", default: "0" },
    "idle-helpers": { type: "boolean", default: false },
    pin: { type: "string" },
    json: { type: "string" },
  },
});
const runs = Number(values.runs);
const keys = Number(values.keys);
const nodeArgs = values["node-args"].split(" ").filter(Boolean);
const websocketd = websocketdPath();

type Server = "gateway" | "ceiling" | "websocketd";
const all: `${Server}:${EchoClient}`[] = ["gateway:node", "gateway:python", "ceiling:node", "ceiling:python", "websocketd:node", "websocketd:python"];
const configs = values.only ? (values.only.split(",") as typeof all) : all.filter((c) => websocketd || !c.startsWith("websocketd"));
const samples = new Map<string, number[][]>(configs.map((c) => [c, []]));
const floodMbps: number[] = [];
const agents = benchAgents({ stream: "/dev/null", lines1k: "/dev/null", lines10k: "/dev/null" }, "unused");
const log = (m: string) => process.stderr.write(`[echo-compare ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const load0 = loadavg()[0]!;

for (let run = 0; run < runs; run++) {
  const gateway = await startGatewayProcess({ agents, nodeArgs });
  try {
    if (values["idle-helpers"]) idleHelpers(gateway.pid);
    // Every thread of the gateway on the given CPUs (taskset), e.g. --pin=0 leaves the other CPU to the rest.
    if (values.pin) spawnSync("taskset", ["-a", "-p", "-c", values.pin, String(gateway.pid)], { stdio: "ignore" });
    await new Promise((resolve) => setTimeout(resolve, Number(values.settle)));
    if (Number(values.warm) > 0) await echoLatencies(gateway, Number(values.warm), "python");
    const order = configs.map((_, i) => configs[(i + run) % configs.length]!);
    for (const config of order) {
      const [server, by] = config.split(":") as [Server, EchoClient];
      log(`run ${run + 1}/${runs}: ${config}`);
      let result: number[];
      if (server === "gateway") {
        const flood = values.flood ? await startFlood(gateway) : undefined;
        result = await echoLatencies(gateway, keys, by, Number(values.gap));
        if (flood) floodMbps.push((await flood.stop()).mbps);
      } else if (server === "ceiling") result = await ceilingEchoLatencies(keys, by, nodeArgs, Number(values.warm));
      else result = await websocketdEchoLatencies(websocketd!, keys, by);
      samples.get(config)!.push(result);
    }
  } finally {
    await gateway.close();
  }
}

const f = (n: number) => n.toFixed(2);
const pct = (runs: number[][], p: number) => median(runs.map((r) => percentile(r, p)));
const reference = configs.find((c) => c === "websocketd:python") ?? configs.find((c) => c.startsWith("websocketd")) ?? configs[configs.length - 1]!;
process.stdout.write(
  `${new Date().toISOString().slice(0, 16)} UTC, load ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}; ${runs} runs x ${keys} keys; node args ${JSON.stringify(nodeArgs)}${values.flood ? "; gateway rows under a neighbour's flood" : ""}\n`,
);
const f3 = (n: number) => n.toFixed(3);
for (const [config, runsOf] of samples) {
  const ratio = (p: number) => median(runsOf.map((r, i) => percentile(r, p) / percentile(samples.get(reference)![i]!, p)));
  const p99s = runsOf.map((r) => f(percentile(r, 99))).join(" ");
  process.stdout.write(
    `${config.padEnd(18)} p50 ${f3(pct(runsOf, 50))}  p90 ${f3(pct(runsOf, 90))}  p99 ${f3(pct(runsOf, 99))}  p99.9 ${f(pct(runsOf, 99.9))}  /${reference} p50 ${f(ratio(50))}x p99 ${f(ratio(99))}x  (p99 per run: ${p99s})\n`,
  );
}
if (floodMbps.length) process.stdout.write(`flood MB/s per run: ${floodMbps.map((x) => x.toFixed(1)).join(" ")}; median ${median(floodMbps).toFixed(1)}\n`);
if (values.json) writeFileSync(values.json, JSON.stringify({ configs, nodeArgs, samples: Object.fromEntries(samples), floodMbps }));

/** SCHED_IDLE for every thread of the process but its main thread (V8's and libuv's helpers), with chrt. */
function idleHelpers(pid: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) if (Number(tid) !== pid) spawnSync("chrt", ["-i", "-p", "0", tid]);
}
