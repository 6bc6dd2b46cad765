import { realpathSync } from "node:fs";
import path from "node:path";
import { Router } from "express";
import { z } from "zod";
import type { AgentCatalogue } from "../agents.js";
import { HttpError } from "../http-error.js";
import { shortName } from "../models/families.js";
import { MAX_SIZE, MIN_SIZE } from "../sessions/protocol.js";
import { sessionProcesses } from "../sessions/process-tree.js";
import type { SessionManager } from "../sessions.js";
import { parseBody } from "./validate.js";

const size = z.number().int().min(MIN_SIZE).max(MAX_SIZE);
const createBody = z.strictObject({
  agent: z.string().min(1).max(64),
  cols: size.optional(),
  rows: size.optional(),
  cwd: z.string().min(1).max(4096).optional(),
  /** A model the agent offers (GET /api/models); without it the remembered choice or the default. */
  model: z.string().min(1).max(200).optional(),
  /** A conversation id from GET /api/agents/:id/conversations, to resume it. */
  resume: z.string().min(1).max(128).optional(),
});

export interface SessionRoutesOptions {
  readonly sessions: SessionManager;
  readonly agents: AgentCatalogue;
  readonly projectsDir: string;
  /** The terminal environment for a new session. */
  readonly env: () => Readonly<Record<string, string>>;
  /** The arguments that resume a conversation the agent listed for that folder, or undefined. */
  readonly resume?: (agent: string, cwd: string, id: string) => string[] | undefined;
}

/** POST, GET and DELETE /api/sessions. */
export function createSessionRoutes({ sessions, agents, projectsDir, env, resume }: SessionRoutesOptions): Router {
  const router = Router();

  router.post("/api/sessions", async (req, res) => {
    const body = parseBody(createBody, req.body);
    const agent = agents.get(body.agent);
    if (!agent) throw new HttpError(400, "unknown_agent", `There is no agent "${body.agent}".`);
    const status = agents.status(agent);
    if (!status.available) throw new HttpError(400, "agent_unavailable", status.reason ?? `${agent.label} is not available.`);
    const cwd = resolveCwd(projectsDir, body.cwd);
    const resumed = body.resume === undefined ? undefined : resume?.(agent.id, cwd, body.resume);
    if (body.resume !== undefined && !resumed) {
      throw new HttpError(400, "unknown_conversation", `${agent.label} has no conversation "${body.resume}" in that folder.`);
    }
    const setup = await agents.prepare(agent, cwd, body.model);
    if (!setup.ok) throw new HttpError(setup.status, setup.status === 400 ? "unknown_model" : "agent_config_failed", setup.message);
    // The resume arguments go last: after the gateway's switches (`codex -c … resume <id>`).
    const launch = resumed ? { env: {}, ...setup.launch, args: [...(setup.launch?.args ?? []), ...resumed] } : setup.launch;
    const session = sessions.create({
      // The tab's title names the model it runs with.
      agent: setup.model ? { ...agent, label: `${agent.label} · ${shortName(setup.model)}` } : agent,
      launch: agents.launch(agent, cwd, env(), launch),
      cols: body.cols ?? 80,
      rows: body.rows ?? 24,
    });
    res.status(201).json({
      id: session.id,
      agent: session.agent,
      pid: session.pid,
      createdAt: session.createdAt.toISOString(),
      title: session.title,
      ...(setup.model ? { model: setup.model } : {}),
    });
  });

  router.get("/api/sessions", (_req, res) => {
    // busy: something besides the session's first process runs (a command in a shell); the page asks before
    // closing only then, as VS Code does.
    res.json(sessions.list().map((s) => ({ ...s, busy: !s.exited && sessionProcesses(s.pid).length > 1 })));
  });

  router.delete("/api/sessions/:id", async (req, res) => {
    if (!(await sessions.remove(req.params.id))) throw new HttpError(404, "unknown_session", "There is no such session.");
    res.status(204).end();
  });

  return router;
}

/** A working directory inside PROJECTS_DIR (symbolic links resolved), or 400. */
export function resolveCwd(projectsDir: string, requested: string | undefined): string {
  const root = realpathSync(projectsDir);
  if (requested === undefined) return root;
  if (requested.includes("\0")) throw new HttpError(400, "bad_cwd", "cwd must not contain NUL bytes.");
  let resolved: string;
  try {
    resolved = realpathSync(path.resolve(root, requested));
  } catch {
    throw new HttpError(400, "bad_cwd", `cwd "${requested}" does not exist.`);
  }
  if (resolved !== root && !resolved.startsWith(root + path.sep)) {
    throw new HttpError(400, "bad_cwd", "cwd must be inside the projects directory.");
  }
  return resolved;
}
