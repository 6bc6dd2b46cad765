import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { openShadow, saveLink, setShadowRefs } from "./chain.js";
import { gitRun, type BackupGitEnv } from "./git-exec.js";
import type { RepoManifest } from "./manifest.js";
import type { PieceStore } from "./pieces.js";
import { captureWip, historyRefs, readRefs, WipRefused } from "./snapshot.js";
import type { SecretList } from "./secrets.js";

/** What one save of a repository did. */
export interface RepoSave {
  /** The new manifest, or undefined when nothing changed. */
  readonly manifest: RepoManifest | undefined;
  readonly historyBytes: number;
  readonly wipBytes: number;
  /** Parts no longer named by the manifest: deleted once it is written. */
  readonly dropped: string[];
  /** Why the work in progress was not saved this time (the previous one is kept), if so. */
  readonly wipError?: string;
}

/**
 * Saves a repository's history (an incremental bundle of what the last save's tips do not reach) and its work
 * in progress (a bundle of one commit on top of HEAD), both made in the shadow repository. `previous` is the
 * manifest this gateway last wrote (undefined: start a fresh chain). `wip: false` saves the history only.
 */
export async function saveRepository(options: {
  git: BackupGitEnv;
  name: string;
  dir: string;
  shadowDir: string;
  previous: RepoManifest | undefined;
  maxLinks: number;
  wip: boolean;
  secrets: SecretList;
  store: PieceStore;
  remoteDir: string;
}): Promise<RepoSave> {
  const { git, dir, shadowDir, previous, store, remoteDir } = options;
  const state = await readRefs(git, dir);
  await openShadow(git, shadowDir, state.objects);
  const refs = historyRefs(state);
  await setShadowRefs(git, shadowDir, refs);
  const history = await saveLink({ git, shadowDir, refs, previous, maxLinks: options.maxLinks, store, dir: remoteDir });
  let wip = previous?.wip ?? null;
  let wipBytes = 0;
  const dropped = [...history.dropped];
  let wipError: string | undefined;
  // A commit since the last look makes the stored work in progress stale: look again now, whatever the interval.
  const head = "branch" in state.head ? state.refs.find((r) => r.name === (state.head as { branch: string }).branch)?.sha : state.head.detached;
  const stale = previous?.wip != null && previous.wip.base !== (head ?? null);
  const capture = options.wip || stale
    ? await captureWip(git, dir, state, shadowDir, options.secrets).catch((error: unknown) => {
        if (!(error instanceof WipRefused)) throw error;
        wipError = error.message;
        return undefined;
      })
    : undefined;
  if (capture) {
    const same = wip && wip.base === capture.base && wip.indexTree === capture.indexTree && wip.worktreeTree === capture.worktreeTree;
    const clean = capture.base !== null && capture.indexTree === capture.worktreeTree && (await treeOf(git, shadowDir, capture.base)) === capture.indexTree;
    if (clean) {
      if (wip) dropped.push(...wip.parts.map((p) => p.name));
      wip = null;
    } else if (!same) {
      const file = path.join(shadowDir, `wip-${process.pid}.bundle`);
      try {
        await setShadowRefs(git, shadowDir, new Map([...refs, ["refs/atg/wip", capture.commit]]));
        const stdin = ["refs/atg/wip", ...(capture.base ? [`^${capture.base}`] : [])].join("\n") + "\n";
        await gitRun(git, shadowDir, ["bundle", "create", "-q", file, "--stdin"], { input: stdin });
        const bytes = readFileSync(file);
        const parts = await store.put(remoteDir, bytes);
        if (wip) dropped.push(...wip.parts.map((p) => p.name).filter((n) => !parts.some((q) => q.name === n)));
        wip = { parts, bytes: bytes.length, ...capture, savedAt: new Date().toISOString() };
        wipBytes = bytes.length;
        await pruneIfBig(git, shadowDir);
      } finally {
        rmSync(file, { force: true });
      }
    }
  }
  const manifest: RepoManifest = {
    v: 1,
    name: options.name,
    savedAt: new Date().toISOString(),
    head: state.head,
    refs: state.refs,
    stash: state.stash,
    config: state.config,
    chain: history.chain,
    tips: history.tips,
    wip,
  };
  const unchanged = previous !== undefined && fingerprint(previous) === fingerprint(manifest);
  return { manifest: unchanged ? undefined : manifest, historyBytes: history.uploaded, wipBytes, dropped, wipError };
}

/** Everything of a manifest but its times: equal fingerprints need no new manifest. */
function fingerprint(manifest: RepoManifest): string {
  const { savedAt: _a, wip, ...rest } = manifest;
  const { savedAt: _b, ...wipRest } = wip ?? { savedAt: "" };
  return createHash("sha256").update(JSON.stringify([rest, wipRest])).digest("hex");
}

async function treeOf(git: BackupGitEnv, dir: string, commit: string): Promise<string> {
  return (await gitRun(git, dir, ["rev-parse", `${commit}^{tree}`])).trim();
}

/** Loose objects of work in progress already uploaded pile up in the shadow: pruned once they pass 64 MiB. */
async function pruneIfBig(git: BackupGitEnv, shadowDir: string): Promise<void> {
  const counts = await gitRun(git, shadowDir, ["count-objects", "-v"]).catch(() => "");
  const kib = Number(/^size: (\d+)/m.exec(counts)?.[1] ?? 0);
  // Reachability runs through the owner's history (alternates): worth it only now and then.
  if (kib > 64 * 1024) await gitRun(git, shadowDir, ["prune", "--expire=now"]).catch(() => "");
}
