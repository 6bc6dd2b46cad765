import path from "node:path";
import type { Logger } from "pino";
import type { BackupGitEnv } from "./git-exec.js";
import { saveHome } from "./home-backup.js";
import { collectHome } from "./home-files.js";
import type { HomeItem } from "./home-items.js";
import type { BackupState } from "./local-state.js";
import { repoKey } from "./manifest.js";
import { WorkspaceUnavailable, type PieceStore } from "./pieces.js";
import { saveRepository } from "./repo-backup.js";
import type { SecretList } from "./secrets.js";

/** GET /api/sync's `backup` field of a repository. */
export interface RepoBackupStatus {
  savedAt: string | null;
  wipSavedAt: string | null;
  /** Links of the stored history chain. */
  links: number;
  /** Bytes uploaded by the last save (history + work in progress). */
  lastUploadBytes: number;
  /** Untracked files left out of the work in progress, and why. */
  skipped: { path: string; reason: string }[];
  lastError: string | null;
}

/** Default cap on HOME's part. */
export const DEFAULT_HOME_MAX_BYTES = 200 * 1024 * 1024;

/** Saves every repository then HOME's part; keeps their status. */
export function createSaver(options: {
  git: BackupGitEnv;
  state: BackupState;
  items: readonly HomeItem[];
  secrets: SecretList;
  logger: Logger;
  stateDir: string;
  home: string;
  homeMaxBytes?: number;
  maxLinks: number;
  /** Work in progress is looked at no more often than this, but always at shutdown. */
  wipEveryMs?: number;
}) {
  const { git, state, logger } = options;
  const repos: Record<string, RepoBackupStatus> = {};
  const home = { savedAt: null as string | null, skipped: [] as { path: string; reason: string }[], lastError: null as string | null };
  const wipLooked = new Map<string, number>();
  /** HOME's files as last saved (names, sizes, times): unchanged, nothing is read again. */
  let homeSeen: string | undefined;

  const entry = (name: string): RepoBackupStatus => {
    const manifest = state.repos.get(name);
    return (repos[name] ??= {
      savedAt: manifest?.savedAt ?? null,
      wipSavedAt: manifest?.wip?.savedAt ?? null,
      links: manifest?.chain.length ?? 0,
      lastUploadBytes: 0,
      skipped: manifest?.wip?.skipped ?? [],
      lastError: null,
    });
  };

  const saveOne = async (store: PieceStore, root: string, name: string, dir: string, final: boolean): Promise<void> => {
    const status = entry(name);
    const remoteDir = `${root}/repos/${repoKey(name)}`;
    const started = performance.now();
    const wip = final || Date.now() - (wipLooked.get(name) ?? 0) >= (options.wipEveryMs ?? 0);
    try {
      await store.mkdirs(remoteDir);
      const result = await saveRepository({
        git, name, dir, shadowDir: path.join(options.stateDir, "backup", "shadow", `${repoKey(name)}.git`),
        previous: state.repos.get(name), maxLinks: options.maxLinks, wip, secrets: options.secrets, store, remoteDir,
      });
      if (wip) wipLooked.set(name, Date.now());
      if (result.manifest) {
        await store.putFile(`${remoteDir}/manifest.json`, Buffer.from(JSON.stringify(result.manifest)));
        state.repos.set(name, result.manifest);
        state.save();
        if (result.dropped.length > 0) await store.prune(remoteDir, new Set([...result.manifest.chain.flatMap((l) => l.parts.map((p) => p.name)), ...(result.manifest.wip?.parts.map((p) => p.name) ?? [])]));
        Object.assign(status, {
          savedAt: result.manifest.savedAt,
          wipSavedAt: result.manifest.wip?.savedAt ?? status.wipSavedAt,
          links: result.manifest.chain.length,
          lastUploadBytes: result.historyBytes + result.wipBytes,
          skipped: result.manifest.wip?.skipped ?? [],
        });
        logger.info(
          { repo: name, historyBytes: result.historyBytes, wipBytes: result.wipBytes, links: result.manifest.chain.length, ms: Math.round(performance.now() - started) },
          "repository backed up",
        );
      }
      status.lastError = result.wipError ?? null;
      if (result.wipError) logger.warn({ repo: name, error: result.wipError }, "work in progress not saved");
    } catch (error) {
      status.lastError = ((error as Error)?.message ?? String(error)).slice(0, 1000);
      if (error instanceof WorkspaceUnavailable) throw error;
      logger.warn({ repo: name, error: status.lastError }, "repository backup failed");
    }
  };

  return {
    async saveAll(store: PieceStore, root: string, names: readonly string[], final: boolean, projectsDir: string): Promise<void> {
      for (const name of names) await saveOne(store, root, name, path.join(projectsDir, name), final);
      try {
        const seen = JSON.stringify(collectHome(options.home, options.items).map((f) => [f.rel, f.size, f.mtimeMs]));
        if (seen === homeSeen && state.home) return;
        const dir = `${root}/home`;
        await store.mkdirs(dir);
        const saved = await saveHome({
          git, home: options.home, items: options.items, shadowDir: path.join(options.stateDir, "backup", "shadow", "home.git"),
          previous: state.home ?? undefined, maxBytes: options.homeMaxBytes ?? DEFAULT_HOME_MAX_BYTES, maxLinks: options.maxLinks,
          secrets: options.secrets, store, dir,
        });
        if (saved) {
          await store.putFile(`${dir}/manifest.json`, Buffer.from(JSON.stringify(saved.manifest)));
          state.home = saved.manifest;
          state.save();
          if (saved.dropped.length > 0) await store.prune(dir, new Set(saved.manifest.chain.flatMap((l) => l.parts.map((p) => p.name))));
          home.savedAt = saved.manifest.savedAt;
          home.skipped = saved.manifest.skipped;
          logger.info({ bytes: saved.uploaded, skipped: saved.manifest.skipped.length }, "agent memory and shell history backed up");
        }
        home.lastError = null;
        homeSeen = seen;
      } catch (error) {
        home.lastError = ((error as Error)?.message ?? String(error)).slice(0, 1000);
        if (error instanceof WorkspaceUnavailable) throw error;
        logger.warn({ error: home.lastError }, "home backup failed");
      }
    },
    status: () => {
      for (const name of state.repos.keys()) entry(name);
      return repos;
    },
    homeStatus: () => ({ ...home, savedAt: home.savedAt ?? state.home?.savedAt ?? null, skipped: home.skipped.length ? home.skipped : (state.home?.skipped ?? []) }),
  };
}
