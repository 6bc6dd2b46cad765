import path from "node:path/posix";
import { isSafeRepoPath, UNSAFE_PATH_REASON } from "./safe-path.js";
import type { WorkspaceClient } from "@databricks/sdk-experimental";
import { deadline, statusOf } from "../databricks.js";
import type { BlobReader } from "./git.js";
import type { SyncPlan } from "./plan.js";
import { runPool } from "./pool.js";
import { MAX_IMPORT_BYTES, remoteName } from "./remote-names.js";
import type { SkippedFile } from "./state.js";

/** What applying a plan did. */
export interface ApplyResult {
  readonly uploaded: number;
  readonly deleted: number;
  readonly dirsCreated: number;
  readonly skipped: readonly SkippedFile[];
  /** The repository's remote names after this sync (see RepoState.remoteNames). */
  readonly remoteNames: Record<string, string>;
}

/** What applyPlan works with: the client acting as the owner, the plan, and state shared across syncs. */
export interface ApplyOptions {
  readonly client: WorkspaceClient;
  /** The repository's workspace folder, e.g. /Users/<owner>/projects/<repo>. */
  readonly root: string;
  readonly plan: SyncPlan;
  readonly blobs: BlobReader;
  /** Remote names before this sync. */
  readonly remoteNames: Readonly<Record<string, string>>;
  /** Workspace folders known to exist, shared by every sync so each is created once. */
  readonly knownDirs: Set<string>;
  readonly concurrency: number;
  readonly callTimeoutMs: number;
  readonly signal: AbortSignal;
}

/**
 * A failure that stops the whole sync, to be retried later: no or a refused token (401/403), throttling (429),
 * a workspace error (5xx), a network error or timeout. Anything else concerns one file, which is skipped.
 */
export function isRetryable(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || status === 401 || status === 403 || status === 429 || status >= 500;
}

/**
 * Applies a plan through the SDK: imports (AUTO, overwrite) with a bounded number in flight, folders created
 * once, then the deletions (including a notebook's old name when a file stopped or started being one), then
 * empty folders. Throws on the first retryable failure; the sync is then redone from the same base commit,
 * which is safe because every step is idempotent.
 */
export async function applyPlan(options: ApplyOptions): Promise<ApplyResult> {
  const { client, root, plan, knownDirs } = options;
  const ctx = () => deadline(options.callTimeoutMs, options.signal);
  const names: Record<string, string> = plan.full ? {} : { ...options.remoteNames };
  const skipped: SkippedFile[] = [];
  const uploadedRemotes = new Set<string>();
  const stale = new Set<string>();
  const creating = new Map<string, Promise<string | undefined>>();
  let dirsCreated = 0;

  /** Creates a folder once; resolves with why it could not be, if so. */
  const ensureDir = (dir: string): Promise<string | undefined> => {
    if (knownDirs.has(dir)) return Promise.resolve(undefined);
    let pending = creating.get(dir);
    if (!pending) {
      pending = client.workspace.mkdirs({ path: dir }, ctx()).then(
        () => {
          dirsCreated++;
          for (let d = dir; d.startsWith(root) && d !== "/"; d = path.dirname(d)) knownDirs.add(d);
          creating.delete(dir);
          return undefined;
        },
        (error: unknown) => {
          creating.delete(dir);
          if (isRetryable(error)) throw error;
          return describe(error);
        },
      );
      creating.set(dir, pending);
    }
    return pending;
  };

  const upload = async (file: SyncPlan["uploads"][number]): Promise<boolean> => {
    if (!isSafeRepoPath(file.path)) {
      skipped.push({ path: file.path, reason: UNSAFE_PATH_REASON });
      return false;
    }
    const blob = await options.blobs.read(file.sha);
    if (blob.content === undefined) {
      skipped.push({ path: file.path, reason: `${blob.size} bytes, over the workspace's ${MAX_IMPORT_BYTES}-byte import limit` });
      return false;
    }
    const rel = remoteName(file.path, blob.content);
    const target = `${root}/${file.path}`;
    const dir = path.dirname(target);
    const request = { path: target, format: "AUTO" as const, overwrite: true, content: blob.content.toString("base64") };
    const refused = await ensureDir(dir);
    if (refused) {
      skipped.push({ path: file.path, reason: `folder ${dir}: ${refused}` });
      return false;
    }
    try {
      await importOnce(request);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      // The folder was removed in the workspace since we created it: forget it, create it again, retry once.
      for (const known of [...knownDirs]) if (known === dir || known.startsWith(dir + "/")) knownDirs.delete(known);
      const again = await ensureDir(dir);
      if (again) {
        skipped.push({ path: file.path, reason: `folder ${dir}: ${again}` });
        return false;
      }
      await importOnce(request).catch((second: unknown) => {
        throw statusOf(second) === 404 ? new FileRefused(describe(second)) : second;
      });
    }
    uploadedRemotes.add(rel);
    if (file.existed) {
      const before = options.remoteNames[file.path] ?? file.path;
      if (before !== rel) stale.add(before);
    }
    if (rel !== file.path) names[file.path] = rel;
    else delete names[file.path];
    return true;
  };

  const importOnce = async (request: Parameters<WorkspaceClient["workspace"]["import"]>[0]): Promise<void> => {
    try {
      await client.workspace.import(request, ctx());
    } catch (error) {
      if (isRetryable(error) || statusOf(error) === 404) throw error;
      throw new FileRefused(describe(error));
    }
  };

  let uploaded = 0;
  await runPool(plan.uploads, options.concurrency, async (file) => {
    try {
      if (await upload(file)) uploaded++;
    } catch (error) {
      if (!(error instanceof FileRefused)) throw error;
      skipped.push({ path: file.path, reason: error.message });
    }
  });

  for (const file of plan.deletes) {
    stale.add(options.remoteNames[file] ?? file);
    delete names[file];
  }
  const doomed = [...stale].filter((rel) => !uploadedRemotes.has(rel) && isSafeRepoPath(rel));
  let deleted = 0;
  await runPool(doomed, options.concurrency, async (rel) => {
    try {
      await client.workspace.delete({ path: `${root}/${rel}`, recursive: false }, ctx());
      deleted++;
    } catch (error) {
      // Already gone is done; anything else but a retryable failure is reported and left alone.
      if (isRetryable(error)) throw error;
      if (statusOf(error) !== 404) skipped.push({ path: rel, reason: `delete: ${describe(error)}` });
    }
  });

  // Deepest first and never recursive: a folder still holding something (a user's own notebook) stays.
  for (const dir of plan.goneDirs.filter(isSafeRepoPath)) {
    const remote = `${root}/${dir}`;
    try {
      await client.workspace.delete({ path: remote, recursive: false }, ctx());
    } catch (error) {
      if (isRetryable(error)) throw error;
    }
    for (const known of [...knownDirs]) if (known === remote || known.startsWith(remote + "/")) knownDirs.delete(known);
  }
  return { uploaded, deleted, dirsCreated, skipped, remoteNames: names };
}

/** The workspace refused one file for a reason retrying will not fix. */
class FileRefused extends Error {}

function describe(error: unknown): string {
  const status = statusOf(error);
  const code = (error as { errorCode?: unknown }).errorCode;
  const message = error instanceof Error ? error.message : String(error);
  return [status, typeof code === "string" && code ? code : undefined].filter(Boolean).join(" ") + (status ? ": " : "") + message;
}
