import { spawn, type ChildProcess } from "node:child_process";

/**
 * The one way to start the gateway as a process of its own, for the bench (bench/gateway-process.ts) and for the
 * tests that need its real main (test/helpers/gateway-process.ts). It lives under bench/ because the bench is
 * built with src/ (tsconfig.build.json) and the tests can import from there, not the other way round.
 */
export interface LaunchOptions {
  /** The whole command line; by default Node with `nodeArgs` running `entry`. */
  readonly command?: readonly string[];
  /** The script Node runs, e.g. dist/src/main.js or src/main.ts (with `--import tsx` in nodeArgs). */
  readonly entry?: string;
  /** Node's own flags, e.g. --import tsx or --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /** Exactly the gateway's environment: nothing of the caller's is added. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** A process group of its own, so stop() reaches the children of `npm start` too. */
  readonly group?: boolean;
  /** How long `listening` waits for the "gateway listening" line. */
  readonly listenTimeoutMs?: number;
  /** Of stdout and stderr together, keep everything (default) or only the last this many characters. */
  readonly keepOutput?: number;
  /** Called with each complete line of stdout and stderr as it comes. */
  readonly onLine?: (line: string) => void;
}

/** A gateway process just spawned. */
export interface LaunchedGateway {
  readonly child: ChildProcess;
  /** Its base URL once it logs "gateway listening"; rejects when it exits first or does not listen in time. */
  readonly listening: Promise<string>;
  /** Its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** What it wrote to stdout and stderr so far (its log lines, the printed URL). */
  output(): string;
  /** Sends `signal` (SIGTERM by default; to its group when it has one), SIGKILL after 15 s; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The gateway logs {"url":...,"msg":"gateway listening"} once it listens; with PORT=0 that is how the port is learnt. */
const LISTENING = /"url":"(http:\/\/[^"]+)".*gateway listening/;
/** A gateway that ignores SIGTERM this long is killed: its own shutdown takes at most 10 s. */
const KILL_AFTER_MS = 15_000;

/** Spawns the gateway; `listening` tells when (and where) it is up. */
export function launchGateway(options: LaunchOptions): LaunchedGateway {
  const [file, ...args] = options.command ?? [process.execPath, ...(options.nodeArgs ?? []), options.entry ?? "dist/src/main.js"];
  const child = spawn(file!, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: options.group ?? false });
  let output = "";
  let onListening: ((url: string) => void) | undefined;
  const collect = (stream: NodeJS.ReadableStream) => {
    let partial = "";
    stream.on("data", (data: Buffer) => {
      const text = data.toString();
      output += text;
      if (options.keepOutput !== undefined && output.length > options.keepOutput) output = output.slice(-options.keepOutput);
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        options.onLine?.(line);
        const url = LISTENING.exec(line)?.[1];
        if (url) onListening?.(url);
      }
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const timeoutMs = options.listenTimeoutMs ?? 120_000;
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not listen within ${timeoutMs} ms: ${output}`)), timeoutMs);
    onListening = (url) => {
      onListening = undefined;
      clearTimeout(timer);
      resolve(url);
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening: ${output}`));
    });
  });
  // A gateway that is meant to fail (a bad setting) never listens: nobody need wait for it.
  listening.catch(() => {});
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (options.group) process.kill(-child.pid!, signal);
      else child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  return {
    child,
    listening,
    exited,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      kill(signal);
      const timer = setTimeout(() => kill("SIGKILL"), KILL_AFTER_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
