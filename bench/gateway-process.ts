import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { packageRoot } from "../src/paths.js";
import { launchGateway, type LaunchedGateway } from "./launch-gateway.js";
import { cpuMs, memory } from "./proc.js";

/**
 * The key of every bench gateway; bench clients send it through benchKeyHeaders(). Kept in the environment so
 * that the bench's worker threads (which load this module afresh, with a copy of the environment) send the same.
 */
export const BENCH_KEY = (process.env.BENCH_GATEWAY_KEY ??= `bench-${randomBytes(18).toString("base64url")}`);

/** The header that carries local mode's key, for every request and WebSocket of the bench. */
export function benchKeyHeaders(): Record<string, string> {
  return { authorization: `Bearer ${BENCH_KEY}` };
}

/** An agent the bench adds to the gateway's YAML catalogue. */
export interface BenchAgent {
  readonly id: string;
  readonly command: string;
  readonly args?: readonly string[];
}

/** How to start a bench gateway. */
export interface GatewayProcessOptions {
  readonly agents?: readonly BenchAgent[];
  readonly maxSessions?: number;
  /** Other limits for the YAML file (see src/config.ts). */
  readonly limits?: Readonly<Record<string, number>>;
  /** The command line; the default is the built gateway's entry, as `npm start` runs it after the build. */
  readonly command?: readonly string[];
  /** Node's own flags, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /** More environment for the gateway, e.g. GATEWAY_ECHO_TRACE. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A gateway started fresh as a child process with PORT=0 and a temp HOME. */
export interface GatewayProcess {
  readonly url: string;
  readonly pid: number;
  readonly home: string;
  /** Milliseconds from spawning the process to a 200 from /healthz. */
  readonly startMs: number;
  cpuMs(): number;
  memory(): { rss: number; peak: number };
  /** JSON in and out; throws on a status other than the expected one. */
  api(method: string, route: string, body?: unknown, expect?: number): Promise<any>;
  /** Creates a session of an agent and returns its id. */
  createSession(agent: string, cols?: number, rows?: number): Promise<string>;
  /** SIGTERM, wait for the exit, remove the temp HOME. */
  close(): Promise<void>;
}

/** Starts `node dist/src/main.js` (or the given command) and waits for a healthy /healthz. */
export async function startGatewayProcess(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const root = packageRoot();
  const home = mkdtempSync(path.join(tmpdir(), "gw-bench-"));
  const configFile = path.join(home, "gateway.yaml");
  writeFileSync(
    configFile,
    stringify({
      agents: (options.agents ?? []).map((a) => ({ id: a.id, command: a.command, args: [...(a.args ?? [])] })),
      limits: { ...options.limits, maxSessions: options.maxSessions ?? 10 },
    }),
  );
  const env = {
    HOME: home,
    PATH: process.env.PATH,
    SHELL: "/bin/bash",
    LANG: "C.UTF-8",
    PORT: "0",
    GATEWAY_CONFIG: configFile,
    // info: the "gateway listening" line carries the port PORT=0 picked.
    LOG_LEVEL: "info",
    // Local mode's key (issue 14): the bench sends it as a script would, Authorization: Bearer.
    GATEWAY_TOKEN: BENCH_KEY,
    ...options.env,
  };
  const started = performance.now();
  const gateway = launchGateway({
    command: options.command,
    entry: path.join(root, "dist/src/main.js"),
    nodeArgs: options.nodeArgs,
    env,
    cwd: root,
    group: true,
    keepOutput: 4000,
    // The gateway's errors are worth seeing next to the bench's own output.
    onLine: (line) => /"level":[56]\d/.test(line) && process.stderr.write(`[gateway] ${line}\n`),
  });
  try {
    const url = await gateway.listening;
    await waitHealthy(url);
    const startMs = performance.now() - started;
    const pid = gatewayPid(gateway.child);
    return makeHandle(gateway, { url, pid, home, startMs });
  } catch (error) {
    await gateway.stop();
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

function makeHandle(gateway: LaunchedGateway, base: { url: string; pid: number; home: string; startMs: number }): GatewayProcess {
  const api: GatewayProcess["api"] = async (method, route, body, expect = 200) => {
    const res = await fetch(base.url + route, {
      method,
      headers: { ...benchKeyHeaders(), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    ...base,
    cpuMs: () => cpuMs(base.pid),
    memory: () => memory(base.pid),
    api,
    async createSession(agent, cols = 80, rows = 24) {
      return (await api("POST", "/api/sessions", { agent, cols, rows }, 201)).id as string;
    },
    async close() {
      await gateway.stop();
      rmSync(base.home, { recursive: true, force: true });
    },
  };
}

async function waitHealthy(url: string): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(url + "/healthz");
      if (res.ok) return;
    } catch {
      // Not accepting yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The node process serving the gateway: the child itself, or its node descendant when started through npm. */
function gatewayPid(child: ChildProcess): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (pgid === child.pid && cmdline.includes("dist/src/main.js")) return Number(entry);
    } catch {
      // The process ended while the list was read.
    }
  }
  return child.pid!;
}
