import { Router } from "express";
import type { Guard } from "../auth/guard.js";

/** GET /healthz: always answers, never needs auth, never names the owner. */
export function createHealthRoutes({ guard }: { guard: Guard }): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok", ...guard.health() });
  });
  return router;
}
