import { z } from "zod";
import { OBJECT_ID } from "./git-exec.js";

/** Where the gateway keeps its own backups in the owner's home folder (never inside the mirrored projects/). */
export function backupRoot(owner: string): string {
  return `/Users/${owner}/.agent-terminal-gateway/backup`;
}

/** A repository name the backup accepts: one folder name under PROJECTS_DIR, nothing that climbs or hides. */
export const REPO_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._@+-]{1,200}$/;

/** The workspace folder name for a repository: its name with anything but [A-Za-z0-9.-] as _hex. Reversible. */
export function repoKey(name: string): string {
  return name.replace(/[^A-Za-z0-9.-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

const objectId = z.string().regex(OBJECT_ID);
const part = z.strictObject({
  name: z.string().regex(/^[0-9a-f]{64}\.part$/),
  size: z.number().int().min(0).max(64 * 1024 * 1024),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
/** A ref the backup restores: branches, tags, remote-tracking branches; never HEAD, never anything odd. */
const refName = z
  .string()
  .max(1024)
  .regex(/^refs\/(heads|tags|remotes)\/[^\0-\x20\x7f~^:?*[\\]+$/)
  .refine((r) => !r.split("/").some((p) => p === "" || p === "." || p === ".." || p.startsWith(".") || p.endsWith(".lock")) && !r.includes(".."), "a valid ref name");

const link = z.strictObject({ parts: z.array(part).min(1).max(10_000), bytes: z.number().int().min(0) });

export const repoManifestSchema = z.strictObject({
  v: z.literal(1),
  name: z.string().regex(REPO_NAME),
  savedAt: z.string().max(64),
  head: z.union([z.strictObject({ branch: refName }), z.strictObject({ detached: objectId })]),
  refs: z.array(z.strictObject({ name: refName, sha: objectId })).max(100_000),
  /** Stash entries, newest first (stash@{0} first), with their reflog messages. */
  stash: z.array(z.strictObject({ sha: objectId, message: z.string().max(4096) })).max(10_000),
  /** The repository's remote.* and branch.* settings. */
  config: z.array(z.tuple([z.string().regex(/^(remote|branch)\.[^\0\n]{1,500}\.[A-Za-z0-9-]{1,100}$/), z.string().max(8192)])).max(10_000),
  /** Incremental bundles, oldest first; each has the earlier ones' tips as prerequisites. */
  chain: z.array(link).max(1000),
  /** Every commit a link of the chain carries as a tip: the next link's prerequisites. */
  tips: z.array(objectId).max(100_000),
  wip: z
    .strictObject({
      parts: z.array(part).min(1).max(10_000),
      bytes: z.number().int().min(0),
      /** The commit WIP was taken on (HEAD), null on an unborn branch. */
      base: objectId.nullable(),
      /** The saved index's tree and the working tree's. */
      indexTree: objectId,
      worktreeTree: objectId,
      /** A commit holding both trees (what the WIP bundle carries). */
      commit: objectId,
      savedAt: z.string().max(64),
      skipped: z.array(z.strictObject({ path: z.string().max(4096), reason: z.string().max(1024) })).max(10_000),
    })
    .nullable(),
});

/** A repository's backup: what its manifest.json in the workspace holds. */
export type RepoManifest = z.infer<typeof repoManifestSchema>;
export type Link = z.infer<typeof link>;

/** Parses a manifest from the workspace; throws a readable error naming what is wrong. */
export function parseRepoManifest(data: Buffer): RepoManifest {
  let json: unknown;
  try {
    json = JSON.parse(data.toString("utf8"));
  } catch {
    throw new Error("manifest.json is not JSON");
  }
  const result = repoManifestSchema.safeParse(json);
  if (!result.success) throw new Error(`manifest.json is invalid: ${result.error.issues[0]?.path.join(".")} ${result.error.issues[0]?.message}`);
  return result.data;
}
