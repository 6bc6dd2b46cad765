import { existsSync } from "node:fs";
import type { Logger } from "pino";
import { userClient } from "../databricks.js";
import { applyPlan } from "./apply.js";
import { BlobReader, hasCommit, type GitEnv } from "./git.js";
import { planSync } from "./plan.js";
import { MAX_IMPORT_BYTES, projectsRoot } from "./remote-names.js";
import type { Spool, SpoolEntry } from "./spool.js";
import type { SyncStateStore } from "./state.js";

/** What one repository's sync needs from the service; shared by every sync. */
export interface RepoSyncContext {
  readonly host: string;
  readonly git: GitEnv;
  readonly spool: Spool;
  readonly state: SyncStateStore;
  /** Workspace folders known to exist: each is created once. */
  readonly knownDirs: Set<string>;
  readonly resolveOwner: (token: string, signal: AbortSignal) => Promise<string>;
  readonly concurrency: number;
  readonly callTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/**
 * Brings one repository's workspace folder to the newest commit among `entries` (older ones are covered by
 * it), then removes the entries from the spool. "no-token" when there is no token to act with; throws when
 * the workspace or git fails, leaving the entries queued.
 */
export async function syncRepository(
  ctx: RepoSyncContext,
  job: { name: string; dir: string; entries: readonly SpoolEntry[]; token: string | undefined },
): Promise<"done" | "no-token"> {
  const { name, dir, entries } = job;
  const started = performance.now();
  let target: string | undefined;
  for (const entry of [...entries].reverse()) {
    if (existsSync(dir) && (await hasCommit(ctx.git, dir, entry.commit))) {
      target = entry.commit;
      break;
    }
  }
  if (target === undefined) {
    ctx.logger.warn({ repo: name }, "queued commits no longer exist (repository removed or rewritten): dropped");
    await ctx.spool.remove(entries);
    return "done";
  }
  const previous = ctx.state.get(name);
  if (previous?.lastCommit === target) {
    await ctx.spool.remove(entries);
    return "done";
  }
  if (!job.token) return "no-token";
  const owner = await ctx.resolveOwner(job.token, ctx.signal);
  if (!/^[^/\s]+$/.test(owner)) throw new Error(`unusable owner name for a workspace path: ${JSON.stringify(owner)}`);
  const base = previous?.lastCommit && (await hasCommit(ctx.git, dir, previous.lastCommit)) ? previous.lastCommit : undefined;
  const plan = await planSync(ctx.git, dir, base, target);
  const blobs = new BlobReader({ ...ctx.git, cwd: dir, maxBytes: MAX_IMPORT_BYTES });
  try {
    const result = await applyPlan({
      client: userClient(ctx.host, job.token),
      root: `${projectsRoot(owner)}/${name}`,
      plan,
      blobs,
      remoteNames: previous?.remoteNames ?? {},
      knownDirs: ctx.knownDirs,
      concurrency: ctx.concurrency,
      callTimeoutMs: ctx.callTimeoutMs,
      signal: ctx.signal,
    });
    ctx.state.update(name, dir, {
      lastCommit: target,
      lastSyncedAt: new Date().toISOString(),
      lastError: null,
      skipped: result.skipped,
      remoteNames: result.remoteNames,
    });
    await ctx.spool.remove(entries);
    const { remoteNames: _names, skipped, ...counts } = result;
    ctx.logger.info(
      { repo: name, commit: target, commits: entries.length, full: plan.full, ...counts, skipped: skipped.length, ms: Math.round(performance.now() - started) },
      "workspace sync done",
    );
    if (skipped.length > 0) ctx.logger.warn({ repo: name, skipped: skipped.slice(0, 50) }, "files left out of the workspace sync");
    return "done";
  } finally {
    blobs.close();
  }
}
