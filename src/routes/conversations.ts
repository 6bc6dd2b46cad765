import { Router } from "express";
import { canResume, listConversations } from "../agents/conversations.js";
import { HttpError } from "../http-error.js";
import { resolveCwd } from "./sessions.js";

/** GET /api/agents/:id/conversations?cwd=<folder in PROJECTS_DIR>: the agent's recent conversations there. */
export function createConversationRoutes({ dirs, projectsDir }: { dirs: Readonly<Record<string, string>>; projectsDir: string }): Router {
  const router = Router();
  router.get("/api/agents/:id/conversations", (req, res) => {
    const cwdParam = req.query.cwd;
    if (cwdParam !== undefined && typeof cwdParam !== "string") throw new HttpError(400, "bad_cwd", "cwd must be one folder.");
    const cwd = resolveCwd(projectsDir, cwdParam || undefined);
    const agent = req.params.id;
    res.json({ agent, cwd, resumable: canResume(agent), conversations: listConversations(agent, dirs, cwd) });
  });
  return router;
}
