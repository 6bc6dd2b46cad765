import { Router } from "express";
import type { ModelService } from "../models.js";

/** GET /api/models: the model route in use ({route, baseUrl, auth, models}), for the page's status bar. */
export function createModelRoutes({ models }: { models: ModelService }): Router {
  const router = Router();
  router.get("/api/models", async (_req, res) => {
    res.json(await models.info());
  });
  return router;
}
