import { Router } from "express";
import type { Guard } from "../auth/guard.js";

/** GET /api/me: the signed-in user's email (null in local mode) and the mode, for the status bar. */
export function createMeRoutes({ guard, appMode }: { guard: Guard; appMode: boolean }): Router {
  const router = Router();
  router.get("/api/me", (req, res) => {
    res.json({ email: guard.user(req) ?? null, mode: appMode ? "app" : "local" });
  });
  return router;
}
