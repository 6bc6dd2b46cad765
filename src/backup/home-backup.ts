import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { BlobReader } from "../sync/git.js";
import { loadChain, openShadow, saveLink, setShadowRefs } from "./chain.js";
import { gitRun, OBJECT_ID, type BackupGitEnv } from "./git-exec.js";
import { collectHome, putHomeFile, sanitize, writeBlob, type PutOutcome } from "./home-files.js";
import { itemFor, type HomeItem } from "./home-items.js";
import type { Link } from "./manifest.js";
import type { PieceStore } from "./pieces.js";
import { secretIn, type SecretList } from "./secrets.js";
import { BACKUP_IDENTITY } from "./snapshot.js";

const objectId = z.string().regex(OBJECT_ID);
const part = z.strictObject({ name: z.string().regex(/^[0-9a-f]{64}\.part$/), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export const homeManifestSchema = z.strictObject({
  v: z.literal(1),
  savedAt: z.string().max(64),
  commit: objectId,
  tree: objectId,
  chain: z.array(z.strictObject({ parts: z.array(part).min(1), bytes: z.number().int().min(0) })).max(1000),
  tips: z.array(objectId).max(100_000),
  skipped: z.array(z.strictObject({ path: z.string().max(4096), reason: z.string().max(1024) })).max(10_000),
});
/** The agent memory and shell history backup: home/manifest.json in the workspace. */
export type HomeManifest = z.infer<typeof homeManifestSchema>;

/** What saving HOME's part did. */
export interface HomeSave {
  readonly manifest: HomeManifest;
  readonly uploaded: number;
  readonly dropped: string[];
}

/**
 * Saves the listed files of HOME as one more commit of a private repository (<stateDir>/backup/shadow/home.git),
 * uploaded as an incremental bundle: newest files first up to `maxBytes`, the rest and anything holding a
 * secret listed in `skipped`. Returns undefined when nothing changed since `previous`.
 */
export async function saveHome(options: {
  git: BackupGitEnv;
  home: string;
  items: readonly HomeItem[];
  shadowDir: string;
  previous: HomeManifest | undefined;
  maxBytes: number;
  maxLinks: number;
  secrets: SecretList;
  store: PieceStore;
  dir: string;
}): Promise<HomeSave | undefined> {
  const { git, shadowDir } = options;
  await openShadow(git, shadowDir, undefined);
  const skipped: { path: string; reason: string }[] = [];
  const lines: string[] = [];
  let total = 0;
  for (const file of collectHome(options.home, options.items)) {
    if (total + file.size > options.maxBytes) {
      skipped.push({ path: file.rel, reason: `left out: over the ${options.maxBytes}-byte cap (older files go first)` });
      continue;
    }
    let content: Buffer;
    try {
      content = sanitize(readFileSync(path.join(options.home, file.rel)), file.item);
    } catch {
      continue; // gone since the listing
    }
    const problem = secretIn(content, options.secrets);
    if (problem) {
      skipped.push({ path: file.rel, reason: `not saved: it ${problem}` });
      continue;
    }
    total += content.length;
    lines.push(`100644 ${writeBlob(path.join(shadowDir, "objects"), content)}\t${file.rel}`);
  }
  const index = path.join(shadowDir, "home-index");
  rmSync(index, { force: true });
  const env = { GIT_INDEX_FILE: index, ...BACKUP_IDENTITY };
  try {
    // -z would be needed for names with newlines; such names are rare enough to skip rather than mangle.
    const safe = lines.filter((l) => !/[\n\r]/.test(l.slice(l.indexOf("\t") + 1)));
    await gitRun(git, shadowDir, ["update-index", "--index-info"], { env, input: safe.join("\n") + (safe.length ? "\n" : "") });
    const tree = (await gitRun(git, shadowDir, ["write-tree"], { env })).trim();
    if (options.previous?.tree === tree) return undefined;
    // Each save is a commit of its own (no parent): the next link excludes what the previous commit reaches, and
    // the private repository keeps only the newest commit's objects (pruned below), not every transcript version.
    const previous = options.previous && (await hasObject(git, shadowDir, options.previous.commit)) ? options.previous : undefined;
    const commit = (await gitRun(git, shadowDir, ["commit-tree", tree, "-m", "home"], { env })).trim();
    const refs = new Map([["refs/home", commit]]);
    await setShadowRefs(git, shadowDir, refs);
    const result = await saveLink({ git, shadowDir, refs, previous, maxLinks: options.maxLinks, store: options.store, dir: options.dir });
    await gitRun(git, shadowDir, ["prune", "--expire=now"]).catch(() => "");
    const manifest: HomeManifest = { v: 1, savedAt: new Date().toISOString(), commit, tree, chain: result.chain, tips: result.tips, skipped };
    return { manifest, uploaded: result.uploaded, dropped: result.dropped };
  } finally {
    rmSync(index, { force: true });
  }
}

async function hasObject(git: BackupGitEnv, dir: string, id: string): Promise<boolean> {
  return gitRun(git, dir, ["cat-file", "-e", `${id}^{commit}`]).then(() => true, () => false);
}

/** Counts of a home restore, and the files refused (outside the list, in a symlinked folder). */
export interface HomeRestore {
  readonly counts: Record<PutOutcome, number>;
  readonly refused: string[];
}

/** Restores the stored files into HOME: only paths the list names; local files win (JSON settings are merged). */
export async function restoreHome(options: {
  git: BackupGitEnv;
  home: string;
  items: readonly HomeItem[];
  manifest: HomeManifest;
  workDir: string;
  store: PieceStore;
  dir: string;
}): Promise<HomeRestore> {
  const { git, workDir } = options;
  rmSync(workDir, { recursive: true, force: true });
  await openShadow(git, workDir, undefined);
  const counts: Record<PutOutcome, number> = { restored: 0, merged: 0, kept: 0, refused: 0 };
  const refused: string[] = [];
  try {
    await loadChain({ git, gitDir: workDir, chain: options.manifest.chain as Link[], store: options.store, dir: options.dir });
    const listing = await gitRun(git, workDir, ["ls-tree", "-r", "-z", options.manifest.commit]);
    const blobs = new BlobReader({ env: { ...git }, cwd: workDir, maxBytes: Number.MAX_SAFE_INTEGER });
    try {
      for (const record of listing.split("\0")) {
        const tab = record.indexOf("\t");
        if (tab < 0) continue;
        const [mode, type, sha] = record.slice(0, tab).split(" ");
        const rel = record.slice(tab + 1);
        const item = itemFor(options.items, rel);
        if (!item || type !== "blob" || (mode !== "100644" && mode !== "100755") || !sha) {
          counts.refused++;
          refused.push(rel.slice(0, 300));
          continue;
        }
        const blob = await blobs.read(sha);
        const outcome = putHomeFile(options.home, rel, item, blob.content ?? Buffer.alloc(0));
        counts[outcome]++;
        if (outcome === "refused") refused.push(rel.slice(0, 300));
      }
    } finally {
      blobs.close();
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return { counts, refused };
}
