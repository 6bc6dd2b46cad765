import { existsSync } from "node:fs";
import path from "node:path";
import type { BackupGitEnv } from "./git-exec.js";
import { homeManifestSchema, restoreHome } from "./home-backup.js";
import type { HomeItem } from "./home-items.js";
import type { BackupState } from "./local-state.js";
import { parseRepoManifest, repoKey, REPO_NAME, type RepoManifest } from "./manifest.js";
import { restoreMirror } from "./restore-mirror.js";
import { WorkspaceUnavailable, type PieceStore } from "./pieces.js";
import { isVacant, RESTORE_AREA, restoreRepository } from "./restore-repo.js";

/** One repository's restore, as GET /api/sync reports it. */
export interface RepoRestoreStatus {
  state: "waiting" | "restoring" | "restored" | "conflict" | "failed";
  step: number;
  steps: number;
  message: string | null;
  /** A conflict's stored copy (a bare repository) to fetch from. */
  storedCopy: string | null;
  /** "history" (bundles) or "mirror" (files only: the workspace held no history). */
  source: "history" | "mirror";
}

/** The whole restore: what GET /api/sync/restore answers. */
export interface RestoreStatus {
  state: "idle" | "waiting-for-token" | "restoring" | "done" | "retrying";
  repos: Record<string, RepoRestoreStatus>;
  home: { state: "waiting" | "restored" | "none" | "failed"; restored: number; merged: number; kept: number; refused: number; message: string | null };
  lastError: string | null;
}

/** The status before anything is known: nothing listed yet, HOME's part waiting. */
export function emptyRestoreStatus(): RestoreStatus {
  return { state: "idle", repos: {}, home: { state: "waiting", restored: 0, merged: 0, kept: 0, refused: 0, message: null }, lastError: null };
}

/**
 * Restores what the workspace holds and the machine lacks: each stored repository missing under PROJECTS_DIR
 * (a present one is a conflict: its history goes to a stored copy instead), repositories only the file mirror
 * knows, then HOME's part once. Per-repository failures are reported and the others go on; a retryable failure
 * (the workspace unreachable, 429, 5xx, a refused token) is thrown so the whole phase is tried again later.
 */
export async function restorePhase(options: {
  git: BackupGitEnv;
  store: PieceStore;
  root: string;
  mirrorRoot: string;
  projectsDir: string;
  stateDir: string;
  home: string;
  items: readonly HomeItem[];
  state: BackupState;
  status: RestoreStatus;
  changed: () => void;
  /** Filled with each conflict's stored ref ids: its saves wait until the local repository has them all. */
  conflicts: Map<string, string[]>;
}): Promise<void> {
  const { store, status, state } = options;
  const area = path.join(options.projectsDir, RESTORE_AREA);
  const manifests: RepoManifest[] = [];
  for (const entry of await store.list(`${options.root}/repos`)) {
    if (entry.type !== "DIRECTORY" || status.repos[nameOf(entry.name)]?.state === "restored") continue;
    const dir = `${options.root}/repos/${entry.name}`;
    try {
      const data = await store.getFileIfAny(`${dir}/manifest.json`);
      if (!data) continue;
      const manifest = parseRepoManifest(data);
      if (repoKey(manifest.name) !== entry.name) throw new Error(`manifest.json names another repository (${JSON.stringify(manifest.name)})`);
      // This machine's own repository, saved by this gateway: nothing to restore, no conflict.
      if (state.repos.has(manifest.name) && !isVacant(path.join(options.projectsDir, manifest.name))) continue;
      manifests.push(manifest);
    } catch (error) {
      if (error instanceof WorkspaceUnavailable) throw error;
      status.repos[nameOf(entry.name)] = failed(`stored backup unreadable: ${(error as Error).message}`, "history");
    }
  }
  const known = new Set(manifests.map((m) => m.name));
  const mirrors = (await store.list(options.mirrorRoot)).filter((e) => e.type === "DIRECTORY" && REPO_NAME.test(e.name) && !known.has(e.name));
  for (const m of manifests) status.repos[m.name] ??= waiting("history");
  for (const m of mirrors) status.repos[m.name] ??= waiting("mirror");
  options.changed();

  for (const manifest of manifests) {
    const repo = status.repos[manifest.name]!;
    if (repo.state === "restored" || repo.state === "conflict" || repo.state === "failed") continue;
    const target = path.join(options.projectsDir, manifest.name);
    const remoteDir = `${options.root}/repos/${repoKey(manifest.name)}`;
    repo.state = "restoring";
    const progress = (step: number, steps: number) => ((repo.step = step), (repo.steps = steps), options.changed());
    try {
      if (!isVacant(target)) {
        const copy = path.join(options.stateDir, "backup", "stored", `${repoKey(manifest.name)}.git`);
        if (!existsSync(copy)) {
          await restoreRepository({ git: options.git, manifest, store, dir: remoteDir, workDir: `${copy}.tmp`, target: copy, bare: true, progress });
        }
        Object.assign(repo, { state: "conflict", storedCopy: copy, message: `${target} exists: left as it is; the stored history is in ${copy}` });
        options.conflicts.set(manifest.name, [...new Set([...manifest.refs.map((r) => r.sha), ...manifest.stash.map((s) => s.sha)])]);
      } else {
        await restoreRepository({ git: options.git, manifest, store, dir: remoteDir, workDir: path.join(area, repoKey(manifest.name)), target, progress });
        state.repos.set(manifest.name, manifest);
        state.save();
        Object.assign(repo, { state: "restored", message: manifest.wip ? "history and work in progress" : "history" });
      }
    } catch (error) {
      if (error instanceof WorkspaceUnavailable) {
        repo.state = "waiting";
        throw error;
      }
      Object.assign(repo, failed((error as Error).message.slice(0, 1000), "history"));
    }
    options.changed();
  }

  for (const mirror of mirrors) {
    const repo = status.repos[mirror.name]!;
    if (repo.state !== "waiting") continue;
    const target = path.join(options.projectsDir, mirror.name);
    if (!isVacant(target)) {
      Object.assign(repo, { state: "conflict", message: `${target} exists: left as it is (the workspace holds only its files)` });
      options.conflicts.set(mirror.name, []);
      continue;
    }
    repo.state = "restoring";
    options.changed();
    try {
      await restoreMirror({ git: options.git, store, remoteDir: `${options.mirrorRoot}/${mirror.name}`, workDir: path.join(area, repoKey(mirror.name)), target });
      Object.assign(repo, { state: "restored", message: "files from the workspace mirror, as one commit (no history was stored)" });
    } catch (error) {
      if (error instanceof WorkspaceUnavailable) {
        repo.state = "waiting";
        throw error;
      }
      Object.assign(repo, failed((error as Error).message.slice(0, 1000), "mirror"));
    }
    options.changed();
  }

  if (!state.homeRestored) {
    const data = await store.getFileIfAny(`${options.root}/home/manifest.json`);
    if (!data) status.home.state = "none";
    else {
      try {
        const manifest = homeManifestSchema.parse(JSON.parse(data.toString("utf8")));
        const workDir = path.join(options.stateDir, "backup", "restore-home.git");
        const result = await restoreHome({ git: options.git, home: options.home, items: options.items, manifest, workDir, store, dir: `${options.root}/home` });
        Object.assign(status.home, { state: "restored", ...result.counts, message: result.refused.length ? `refused: ${result.refused.slice(0, 20).join(", ")}` : null });
      } catch (error) {
        if (error instanceof WorkspaceUnavailable) throw error;
        Object.assign(status.home, { state: "failed", message: (error as Error).message.slice(0, 1000) });
      }
    }
    state.homeRestored = true;
    state.save();
    options.changed();
  }
}

function nameOf(key: string): string {
  return key.replace(/_([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function waiting(source: RepoRestoreStatus["source"]): RepoRestoreStatus {
  return { state: "waiting", step: 0, steps: 0, message: null, storedCopy: null, source };
}

function failed(message: string, source: RepoRestoreStatus["source"]): RepoRestoreStatus {
  return { state: "failed", step: 0, steps: 0, message, storedCopy: null, source };
}
