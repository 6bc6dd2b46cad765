import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gitOk, gitRun, type BackupGitEnv } from "./git-exec.js";
import type { Link } from "./manifest.js";
import type { PieceStore } from "./pieces.js";

/**
 * A private bare repository per backed-up repository, under the gateway's state folder, that borrows the
 * owner's objects through objects/info/alternates. Its refs mirror what is to be saved, so bundles are made
 * there and nothing (no ref, no object, no reflog entry) is ever written into the owner's repository.
 */
export async function openShadow(git: BackupGitEnv, shadowDir: string, ownerObjects: string | undefined): Promise<void> {
  if (!existsSync(path.join(shadowDir, "HEAD"))) {
    mkdirSync(shadowDir, { recursive: true, mode: 0o700 });
    await gitRun(git, shadowDir, ["init", "--bare", "-q", "--template=", "."]);
  }
  if (ownerObjects !== undefined) {
    const file = path.join(shadowDir, "objects", "info", "alternates");
    mkdirSync(path.dirname(file), { recursive: true });
    if (!existsSync(file) || readFileSync(file, "utf8") !== `${ownerObjects}\n`) writeFileSync(file, `${ownerObjects}\n`);
  }
}

/** Makes the shadow's refs exactly `refs` (name -> object id), in one transaction. */
export async function setShadowRefs(git: BackupGitEnv, shadowDir: string, refs: ReadonlyMap<string, string>): Promise<void> {
  const existing = (await gitRun(git, shadowDir, ["for-each-ref", "--format=%(refname)"])).split("\n").filter(Boolean);
  const lines = ["start"];
  for (const name of existing) if (!refs.has(name)) lines.push(`delete ${name}`);
  for (const [name, sha] of refs) lines.push(`update ${name} ${sha}`);
  lines.push("prepare", "commit");
  await gitRun(git, shadowDir, ["update-ref", "--stdin"], { input: lines.join("\n") + "\n" });
}

/** What saving one link did: the chain and tips to record, and the bytes uploaded (0: nothing new). */
export interface ChainResult {
  readonly chain: Link[];
  readonly tips: string[];
  readonly uploaded: number;
  /** The parts the previous chain had that the new one no longer names (to delete after the manifest). */
  readonly dropped: string[];
}

/**
 * Adds one link to a bundle chain: a bundle of everything reachable from `refs` (already set in the shadow)
 * that the previous links' tips do not reach, split into parts and uploaded to `dir`. With no previous chain,
 * or one of `maxLinks` links, the chain is consolidated into one full bundle instead.
 */
export async function saveLink(options: {
  git: BackupGitEnv;
  shadowDir: string;
  refs: ReadonlyMap<string, string>;
  previous: { chain: readonly Link[]; tips: readonly string[] } | undefined;
  maxLinks: number;
  store: PieceStore;
  dir: string;
}): Promise<ChainResult> {
  const { git, shadowDir, refs, store, dir } = options;
  const previous = options.previous;
  const consolidate = !previous || previous.chain.length >= options.maxLinks;
  const prerequisites = consolidate ? [] : await present(git, shadowDir, previous.tips);
  const wanted = [...new Set(refs.values())];
  const tips = consolidate ? wanted : [...new Set([...previous.tips, ...wanted])];
  const oldParts = (previous?.chain ?? []).flatMap((l) => l.parts.map((p) => p.name));
  if (wanted.length === 0) return { chain: [], tips: [], uploaded: 0, dropped: oldParts };
  if (!consolidate) {
    // git 2.39 takes no "--not" on stdin: negative revisions as ^id lines.
    const fresh = await gitRun(git, shadowDir, ["rev-list", "--objects", "--max-count=1", "--stdin"], {
      input: [...wanted, ...prerequisites.map((p) => `^${p}`)].join("\n") + "\n",
    });
    if (!fresh.trim()) return { chain: [...previous.chain], tips, uploaded: 0, dropped: [] };
  }
  const file = path.join(shadowDir, `link-${process.pid}.bundle`);
  try {
    await gitRun(git, shadowDir, ["bundle", "create", "-q", file, "--stdin"], {
      input: [...refs.keys(), ...prerequisites.map((p) => `^${p}`)].join("\n") + "\n",
    });
    const bytes = readFileSync(file);
    const parts = await store.put(dir, bytes, new Set(oldParts));
    const link: Link = { parts, bytes: bytes.length };
    const chain = consolidate ? [link] : [...previous.chain, link];
    const kept = new Set(chain.flatMap((l) => l.parts.map((p) => p.name)));
    return { chain, tips, uploaded: bytes.length, dropped: oldParts.filter((n) => !kept.has(n)) };
  } finally {
    rmSync(file, { force: true });
  }
}

/** The object ids of `ids` the shadow (with its alternates) has: a gc may have dropped a deleted branch's. */
async function present(git: BackupGitEnv, shadowDir: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const out = await gitRun(git, shadowDir, ["cat-file", "--batch-check=%(objectname) %(objecttype)"], { input: ids.join("\n") + "\n" });
  return out
    .split("\n")
    .map((line) => line.split(" "))
    .filter(([, type]) => type === "commit" || type === "tag")
    .map(([id]) => id!);
}

/**
 * Fetches a chain's links in order into the (empty or partly restored) repository at `gitDir`: each bundle is
 * downloaded, its parts checked, verified with `git bundle verify` (prerequisites present) and unbundled.
 */
export async function loadChain(options: {
  git: BackupGitEnv;
  gitDir: string;
  chain: readonly Link[];
  store: PieceStore;
  dir: string;
  onLink?: (index: number) => void;
}): Promise<void> {
  const file = path.join(options.gitDir, `restore-${process.pid}.bundle`);
  try {
    for (const [index, link] of options.chain.entries()) {
      options.onLink?.(index);
      const bytes = await options.store.get(options.dir, link.parts);
      writeFileSync(file, bytes);
      if (!(await gitOk(options.git, options.gitDir, ["bundle", "verify", "-q", file]))) {
        throw new BundleInvalid(`bundle ${index + 1} of ${options.chain.length} does not verify (not a bundle, or its prerequisites are missing)`);
      }
      await gitRun(options.git, options.gitDir, ["bundle", "unbundle", file]);
    }
  } finally {
    rmSync(file, { force: true });
  }
}

/** A stored bundle that git refuses. */
export class BundleInvalid extends Error {}
