import type { SessionMemory } from "./memory.js";
import type { Row } from "./report.js";
import type { BenchOptions } from "./run.js";
import { max, median, percentile } from "./stats.js";
import type { ThroughputSample } from "./throughput.js";

/** Everything one bench run measured, run by run. */
export interface Samples {
  readonly throughput: { python: ThroughputSample[]; nodePty: ThroughputSample[]; fast: ThroughputSample[]; parse: ThroughputSample[] };
  /** Echo round trips per run, in ms. */
  readonly echoIdle: number[][];
  /** The same through the echo ceiling (ws and node-pty, nothing else), per run. */
  readonly echoCeiling: number[][];
  /** The same through websocketd --binary + script (compiled), per run; empty when websocketd is not installed. */
  readonly echoWebsocketd: number[][];
  readonly echoFlood: number[][];
  /**
   * The same idle and flood measurements typed by echo-client.py (Python, its own process) instead of the Node
   * client: a lean client that is not Node, so the client's share of the tail is not charged to the servers.
   */
  readonly echoPython: { gateway: number[][]; ceiling: number[][]; websocketd: number[][]; flood: number[][]; floodMbps: number[] };
  /** The neighbour's flood rate during echoFlood, per run. */
  readonly floodMbps: number[];
  readonly interrupt: { ms: number; discarded: number }[];
  /** Gateway RSS per session, per run. */
  readonly memoryIdle: SessionMemory[];
  readonly memory1k: SessionMemory[];
  readonly many: { perSession: number; rss: number; openMs: number; echo: number[] }[];
  readonly reattach: number[];
  readonly nodeStart: number[];
  readonly npmStart: number[];
  readonly prompt: number[];
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const kb = (bytes: number) => `${f(bytes / 1024, 0)} KB`;

/** Medians of the runs, same-run ratios, and each target checked. */
export function summarize(s: Samples, options: BenchOptions): Row[] {
  const { python, nodePty, fast, parse } = s.throughput;
  const mbps = (xs: ThroughputSample[]) => median(xs.map((x) => x.mbps));
  const ratio = (a: ThroughputSample[], b: ThroughputSample[]) => median(a.map((x, i) => x.mbps / b[i]!.mbps));
  const cpuPerMb = (xs: ThroughputSample[]) => median(xs.map((x) => x.cpuMs / (x.bytes / 1e6)));
  const fastRatio = ratio(fast, nodePty);
  const gatewayRuns = [...fast, ...parse];
  const lost = gatewayRuns.reduce((sum, x) => sum + x.lost, 0);
  const corrupt = gatewayRuns.filter((x) => x.corrupt).length;
  const discarded = parse.reduce((sum, x) => sum + (x.discarded ?? 0), 0) + s.interrupt.reduce((sum, x) => sum + x.discarded, 0);
  const nodePtyLossy = nodePty.filter((x) => x.lost !== 0);
  const pcts = (runs: number[][], p: number) => median(runs.map((r) => percentile(r, p)));
  const echo = (runs: number[][]) => ({ p50: pcts(runs, 50), p99: pcts(runs, 99) });
  const idle = echo(s.echoIdle);
  const ceiling = echo(s.echoCeiling);
  const websocketd = echo(s.echoWebsocketd);
  // Same-run ratios: run i of the gateway against run i of the reference.
  const sameRun = (runs: number[][], p: number, of = s.echoIdle) => median(of.map((r, i) => percentile(r, p) / percentile(runs[i]!, p)));
  const py = s.echoPython;
  const [pyIdle, pyCeiling, pyWebsocketd, pyFlood] = [echo(py.gateway), echo(py.ceiling), echo(py.websocketd), echo(py.flood)];
  const pyMet = py.websocketd.length
    ? sameRun(py.websocketd, 50, py.gateway) <= 1 && sameRun(py.websocketd, 99, py.gateway) <= 1.5
    : pyIdle.p50 <= 0.3 && pyIdle.p99 <= 2;
  const flood = echo(s.echoFlood);
  const many = echo(s.many.map((m) => m.echo));
  const interrupts = s.interrupt.map((x) => x.ms);
  const mb = options.mb;
  const idleMemory = median(s.memoryIdle.map((m) => m.perSession));
  const linesMemory = median(s.memory1k.map((m) => m.perSession));

  return [
    {
      measure: `Throughput, ${mb} MB, fast client (MB/s)`,
      gateway: f(mbps(fast)),
      reference: `node-pty read directly ${f(mbps(nodePty))}; PTY loop (Python) ${f(mbps(python))}`,
      ratio: `${f(fastRatio, 2)}x node-pty; ${f(ratio(fast, python), 2)}x PTY loop`,
      target: ">= 0.85x node-pty",
      met: fastRatio >= 0.85,
    },
    {
      measure: `Throughput, ${mb} MB, client parsing with @xterm/headless (MB/s)`,
      gateway: f(mbps(parse)),
      reference: `node-pty read directly ${f(mbps(nodePty))}`,
      ratio: `${f(ratio(parse, nodePty), 2)}x node-pty`,
      target: 'no "write data discarded"',
      met: discarded === 0,
    },
    {
      measure: "Bytes lost or changed, every gateway run (compared byte for byte)",
      gateway: `${lost} lost, ${corrupt} of ${gatewayRuns.length} runs changed`,
      reference: `node-pty read directly lost bytes in ${nodePtyLossy.length} of ${nodePty.length} runs (up to ${max(nodePty.map((x) => x.lost))})`,
      target: "0",
      met: lost === 0 && corrupt === 0,
    },
    {
      measure: "Server CPU per MB streamed, fast client (ms)",
      gateway: f(cpuPerMb(fast)),
      reference: `node-pty read directly ${f(cpuPerMb(nodePty))}; PTY loop ${f(cpuPerMb(python))}`,
    },
    { measure: "Gateway peak RSS while streaming (MB)", gateway: f(median(gatewayRuns.map((x) => (x.peakRss ?? NaN) / 2 ** 20)), 0) },
    {
      measure: `Keystroke echo p50 / p99, idle, typed by the Node client (ms, ${options.keystrokes} keys)`,
      gateway: `${f(idle.p50, 2)} / ${f(idle.p99, 2)}`,
      reference:
        `ws + node-pty and nothing else ${f(ceiling.p50, 2)} / ${f(ceiling.p99, 2)}` +
        (s.echoWebsocketd.length ? `; websocketd + script (compiled) ${f(websocketd.p50, 2)} / ${f(websocketd.p99, 2)}` : "; websocketd not installed"),
      ratio:
        `p50 / p99 ${f(sameRun(s.echoCeiling, 50), 2)}x / ${f(sameRun(s.echoCeiling, 99), 2)}x ws + node-pty` +
        (s.echoWebsocketd.length ? `; ${f(sameRun(s.echoWebsocketd, 50), 2)}x / ${f(sameRun(s.echoWebsocketd, 99), 2)}x websocketd` : ""),
      // Not judged: under load the Node client's own wake-ups inflate the compiled reference's tail most (issue
      // 20: websocketd's p99 0.51 typed by Node against 0.28 typed by Python), so the Python row below is.
      target: "(the Python client's row is judged)",
    },
    {
      measure: "Keystroke echo p50 / p99, idle, typed by the Python client (echo-client.py) (ms)",
      gateway: `${f(pyIdle.p50, 2)} / ${f(pyIdle.p99, 2)}`,
      reference:
        `ws + node-pty and nothing else ${f(pyCeiling.p50, 2)} / ${f(pyCeiling.p99, 2)}` +
        (py.websocketd.length ? `; websocketd + script (compiled) ${f(pyWebsocketd.p50, 2)} / ${f(pyWebsocketd.p99, 2)}` : "; websocketd not installed"),
      ratio:
        `p50 / p99 ${f(sameRun(py.ceiling, 50, py.gateway), 2)}x / ${f(sameRun(py.ceiling, 99, py.gateway), 2)}x ws + node-pty` +
        (py.websocketd.length ? `; ${f(sameRun(py.websocketd, 50, py.gateway), 2)}x / ${f(sameRun(py.websocketd, 99, py.gateway), 2)}x websocketd` : ""),
      // Issue 20's target against ttyd, with websocketd as the compiled stand-in measured in the same runs.
      target: py.websocketd.length ? "p50 <= 1x, p99 <= 1.5x websocketd (same run)" : "<= 0.3 / <= 2",
      met: pyMet,
    },
    {
      measure: "Keystroke echo p50 / p99, a neighbour session flooding, typed by the Node client (ms)",
      gateway: `${f(flood.p50, 2)} / ${f(flood.p99, 2)}`,
      reference: `neighbour streaming at ${f(median(s.floodMbps))} MB/s meanwhile`,
      target: "(the Python client's row is judged)",
    },
    {
      measure: "Keystroke echo p50 / p99, a neighbour session flooding, typed by the Python client (ms)",
      gateway: `${f(pyFlood.p50, 2)} / ${f(pyFlood.p99, 2)}`,
      reference: `neighbour streaming at ${f(median(py.floodMbps))} MB/s meanwhile`,
      target: "<= 0.3 / <= 2",
      met: pyFlood.p50 <= 0.3 && pyFlood.p99 <= 2,
    },
    {
      measure: `Ctrl-C during a flood until the marker is parsed, median / worst (ms, ${interrupts.length} tries)`,
      gateway: `${f(median(interrupts))} / ${f(max(interrupts))}`,
      target: "<= 50 / <= 100",
      met: median(interrupts) <= 50 && max(interrupts) <= 100,
    },
    {
      measure: `Gateway memory per idle shell session (RSS, ${options.memorySessions} sessions)`,
      gateway: kb(idleMemory),
      reference: `after attaching each once: ${kb(median(s.memoryIdle.map((m) => m.perSessionViewed)))} (restore garbage V8 keeps a while)`,
      target: "<= 300 KB",
      met: idleMemory <= 300 * 1024,
    },
    {
      measure: "Gateway memory per session with 1000 lines of scrollback",
      gateway: kb(linesMemory),
      reference: `after attaching each once: ${kb(median(s.memory1k.map((m) => m.perSessionViewed)))}`,
      target: "<= 3 MB",
      met: linesMemory <= 3 * 2 ** 20,
    },
    {
      measure: `${options.sessions} sessions open: memory per session; gateway RSS; time to open`,
      gateway: `${kb(median(s.many.map((m) => m.perSession)))}; ${f(median(s.many.map((m) => m.rss)) / 2 ** 20, 0)} MB; ${f(median(s.many.map((m) => m.openMs)) / 1000)} s`,
    },
    {
      measure: `${options.sessions} sessions open: keystroke echo p50 / p99 (ms)`,
      gateway: `${f(many.p50, 2)} / ${f(many.p99, 2)}`,
      target: "p99 <= 3",
      met: many.p99 <= 3,
    },
    {
      measure: `Re-attach with ${options.scrollbackLines.toLocaleString("en")} lines of scrollback, median / worst (ms)`,
      gateway: `${f(median(s.reattach))} / ${f(max(s.reattach))}`,
      target: "median <= 100",
      met: median(s.reattach) <= 100,
    },
    {
      measure: "`npm start` (with its prestart build) to a healthy /healthz (ms)",
      gateway: f(median(s.npmStart), 0),
      reference: `\`node dist/src/main.js\` ${f(median(s.nodeStart), 0)}`,
    },
    { measure: "New session to a shell prompt on the client (ms)", gateway: f(median(s.prompt)) },
  ];
}
