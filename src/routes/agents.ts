import { Router } from "express";
import type { AgentCatalogue } from "../agents.js";

/** GET /api/agents. */
export function createAgentRoutes({ agents }: { agents: AgentCatalogue }): Router {
  const router = Router();
  router.get("/api/agents", (_req, res) => {
    res.json(agents.list());
  });
  return router;
}
