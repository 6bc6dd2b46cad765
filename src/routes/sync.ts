import { Router } from "express";
import type { SyncService } from "../sync/service.js";

/** GET /api/sync: per repository {name, lastCommit, lastSyncedAt, pending, lastError, syncing, skipped}; [] when sync is off. */
export function createSyncRoutes({ sync }: { sync: SyncService | undefined }): Router {
  const router = Router();
  router.get("/api/sync", (_req, res) => {
    res.json(sync?.status() ?? []);
  });
  return router;
}
