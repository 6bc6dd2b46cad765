import { Router } from "express";
import { writeFileSync } from "node:fs";
import type { Logger } from "pino";
import { HttpError } from "./http-error.js";
import { readMemory, type MemoryInfo } from "./memory/memory-info.js";

const MIB = 2 ** 20;

/**
 * What a new start is expected to add, from figures measured on the Apps' default 6 GB container (README,
 * "Memory"): an idle shell is a few MB; an agent CLI at its prompt 150-400 MB and more once it works; code-server
 * with a window open 1-1.4 GB.
 */
export const EXPECTED_BYTES = { shell: 32 * MIB, agent: 512 * MIB, ide: 1024 * MIB } as const;

/**
 * Written to /proc/<pid>/oom_score_adj of each session's and code-server's leader (their children inherit it): when
 * the container runs out, the kernel kills an agent or the IDE before the gateway (which keeps 0). Raising the
 * value needs no privilege; lowering it would.
 */
export const CHILD_OOM_SCORE_ADJ = 500;

export type StartKind = keyof typeof EXPECTED_BYTES;

export interface AdmissionOptions {
  /** Memory kept free after a start's expected use. */
  readonly headroomBytes: number;
  /** True while code-server runs or starts (starting it again adds nothing). */
  readonly ideRunning: () => boolean;
  /** True when there is a code-server to start (a visit to /ide/ starts it then). */
  readonly ideInstalled: () => boolean;
  readonly logger: Logger;
  /** The figures; readMemory() unless a test points it at a fake cgroup. */
  readonly read?: () => MemoryInfo;
}

/** GET /api/memory, and a 503 before POST /api/sessions or POST /api/ide/start when memory is short. */
export interface MemoryAdmission {
  readonly routes: Router;
  /** Mount at /ide before the IDE's proxy: a visit there starts code-server, so it is admitted like a start. */
  readonly ideVisits: Router;
  /** What GET /api/memory answers: the figures read now and the headroom kept free. */
  status(): MemoryInfo & { readonly headroomBytes: number };
  /** Throws HttpError 503 when starting `kind` would leave less than the headroom free. */
  check(kind: StartKind, what: string): void;
}

/** Memory-aware admission: mount `routes` before the session and IDE routes. */
export function createMemoryAdmission(options: AdmissionOptions): MemoryAdmission {
  const read = options.read ?? (() => readMemory());
  const check = (kind: StartKind, what: string) => {
    const memory = read();
    // An unknown limit (nothing readable) lets everything in: refusing every start would be worse.
    if (memory.limitBytes <= 0) return;
    const needed = EXPECTED_BYTES[kind] + options.headroomBytes;
    if (memory.availableBytes >= needed) return;
    options.logger.warn({ kind, ...memory, needed }, "start refused: memory is short");
    throw new HttpError(
      503,
      "low_memory",
      `Not enough memory to start ${what}: ${gib(memory.usedBytes)} of ${gib(memory.limitBytes)} in use ` +
        `(${SOURCES[memory.source]}), ${gib(memory.availableBytes)} free; it needs about ${gib(EXPECTED_BYTES[kind])} ` +
        `and ${gib(options.headroomBytes)} is kept free (MEMORY_HEADROOM_MB). Close a session or stop the IDE first.`,
    );
  };

  const routes = Router();
  const status = () => ({ ...read(), headroomBytes: options.headroomBytes });
  routes.get("/api/memory", (_req, res) => {
    res.set("cache-control", "no-store").json(status());
  });
  routes.post("/api/sessions", (req, _res, next) => {
    const agent = (req.body as { agent?: unknown } | undefined)?.agent;
    const kind: StartKind = agent === undefined || agent === "shell" ? "shell" : "agent";
    check(kind, kind === "shell" ? "a shell" : `an agent session (${typeof agent === "string" ? agent.slice(0, 40) : "?"})`);
    next();
  });
  routes.post("/api/ide/start", (_req, _res, next) => {
    if (!options.ideRunning()) check("ide", "the IDE");
    next();
  });
  const ideVisits = Router();
  ideVisits.use((_req, _res, next) => {
    if (!options.ideRunning() && options.ideInstalled()) check("ide", "the IDE");
    next();
  });
  return { routes, ideVisits, check, status };
}

/** Makes a child (and what it starts later) the kernel's first choice when memory runs out; never throws. */
export function preferForOomKill(pid: number | undefined, logger?: Logger): void {
  if (pid === undefined || pid <= 0) return;
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(CHILD_OOM_SCORE_ADJ));
  } catch (error) {
    // Gone already, or no /proc (not Linux): nothing to protect then.
    logger?.debug({ pid, err: error }, "cannot raise oom_score_adj");
  }
}

const SOURCES: Record<MemoryInfo["source"], string> = {
  cgroup2: "container limit, cgroup v2",
  cgroup1: "container limit, cgroup v1",
  meminfo: "the machine's memory",
};

function gib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / MIB)} MiB`;
}
