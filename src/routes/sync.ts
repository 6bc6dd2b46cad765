import { Router } from "express";
import type { BackupService } from "../backup.js";
import type { SyncService } from "../sync.js";

/**
 * GET /api/sync: per repository {name, lastCommit, lastSyncedAt, pending, lastError, syncing, skipped} of the
 * file mirror, plus `backup` (history/WIP save) and `restore` (after a redeploy) when the backup knows the
 * repository; [] when sync is off. GET /api/sync/restore: the whole restore, HOME's part included.
 */
export function createSyncRoutes({ sync, backup }: { sync: SyncService | undefined; backup?: BackupService | undefined }): Router {
  const router = Router();
  router.get("/api/sync", (_req, res) => {
    res.json(syncOverview(sync, backup));
  });
  router.get("/api/sync/restore", (_req, res) => {
    if (!backup) return void res.json({ state: "off", repos: {}, home: null, lastError: null, saved: null });
    const { restore, home } = backup.status();
    res.json({ ...restore, saved: { home } });
  });
  return router;
}

/** What GET /api/sync answers (the events channel pushes the same): the mirror's status joined with the backup's. */
export function syncOverview(sync: SyncService | undefined, backup: BackupService | undefined): unknown[] {
  const mirror = sync?.status() ?? [];
  if (!backup) return mirror;
  const { repos, restore } = backup.status();
  const names = [...new Set([...mirror.map((r) => r.name), ...Object.keys(repos), ...Object.keys(restore.repos)])].sort();
  return names.map((name) => ({
    ...(mirror.find((r) => r.name === name) ?? { name, lastCommit: null, lastSyncedAt: null, pending: 0, lastError: null, syncing: false, skipped: [] }),
    backup: repos[name] ?? null,
    restore: restore.repos[name] ?? null,
  }));
}
