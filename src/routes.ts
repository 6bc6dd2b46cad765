import express, { type Express, type RequestHandler } from "express";
import type { Logger } from "pino";
import type { AgentCatalogue } from "./agents.js";
import { resumeArgs } from "./agents/conversations.js";
import type { Guard } from "./auth/guard.js";
import { createSecurityHeaders } from "./auth/security-headers.js";
import type { BackupService } from "./backup.js";
import type { Config } from "./config.js";
import type { Events } from "./events.js";
import { HttpError, errorMiddleware, scrubbedResponses } from "./http-error.js";
import type { KnownSecrets } from "./scrub.js";
import type { Ide } from "./ide.js";
import type { MemoryAdmission } from "./memory.js";
import type { ModelService } from "./models.js";
import type { SessionManager } from "./sessions.js";
import type { SyncService } from "./sync.js";
import type { TokenManager } from "./token/token-manager.js";
import { createAgentRoutes } from "./routes/agents.js";
import { createConversationRoutes } from "./routes/conversations.js";
import { createEventRoutes } from "./routes/events.js";
import { createHealthRoutes } from "./routes/health.js";
import { createIdeApiRoutes, createIdeProxyRoutes } from "./routes/ide.js";
import { createMeRoutes } from "./routes/me.js";
import { createModelRoutes } from "./routes/models.js";
import { requestLog } from "./routes/request-log.js";
import { createSessionRoutes } from "./routes/sessions.js";
import { createStaticRoutes } from "./routes/static.js";
import { createSyncRoutes } from "./routes/sync.js";
import { createTokenRoutes } from "./routes/token.js";
import { createUploadRoutes } from "./routes/upload.js";

/** Everything the routes close over: the subsystems createServer built. */
export interface RouteDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** The gateway's package folder (public/ is served from it). */
  readonly root: string;
  readonly guard: Guard;
  /** Secrets the gateway holds, scrubbed by value from every JSON answer. */
  readonly secrets: KnownSecrets;
  readonly sessions: SessionManager;
  readonly agents: AgentCatalogue;
  readonly tokens: TokenManager;
  readonly sync: SyncService | undefined;
  readonly backup: BackupService | undefined;
  readonly models: ModelService;
  readonly memory: Pick<MemoryAdmission, "ideVisits" | "routes">;
  readonly ide: Pick<Ide, "manager" | "installer" | "proxy">;
  readonly events: Events;
  /** Where each agent keeps its conversations (see conversation-dirs.ts). */
  readonly conversations: Readonly<Record<string, string>>;
  /** The allowlisted environment a terminal starts with. */
  readonly terminalEnv: () => Readonly<Record<string, string>>;
}

/**
 * Mounts every HTTP route on `app`, in the order that matters: the request log and secret scrubbing wrap
 * everything; security headers; /healthz is the only route before the guard; the IDE proxy before the JSON
 * parser (its bodies are code-server's) and uploads too (an uploaded .json file is a file, not a body to
 * parse); then the API; the page's static files; 404; the one error middleware.
 */
export function registerRoutes(app: Express, deps: RouteDeps): void {
  const { config, logger, guard } = deps;
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(requestLog(logger));
  app.use(scrubbedResponses(deps.secrets));
  app.use(createSecurityHeaders({ cspExempt: ["/ide"] }));
  app.use(createHealthRoutes({ guard }));
  // Everything registered after this line is the owner's only; /healthz above is the one exception.
  app.use(guard.http);
  // code-server under /ide/ (exempt from the page's CSP above: the workbench brings its own).
  app.use("/ide", deps.memory.ideVisits);
  app.use(createIdeProxyRoutes({ manager: deps.ide.manager, proxy: deps.ide.proxy }));
  // Before the JSON parser: an uploaded .json file is a file, not a request body to parse (or refuse at 64 kB).
  app.use(createUploadRoutes({ uploadsDir: config.uploadsDir, maxBytes: config.limits.maxUploadBytes }));
  app.use("/api", express.json({ limit: "64kb" }));
  app.use(createMeRoutes({ guard, appMode: config.appMode }));
  app.use(createAgentRoutes({ agents: deps.agents }));
  app.use(createTokenRoutes({ tokens: deps.tokens }));
  app.use(createSyncRoutes({ sync: deps.sync, backup: deps.backup }));
  app.use(createModelRoutes({ models: deps.models }));
  app.use(deps.memory.routes);
  const dirs = deps.conversations;
  app.use(createConversationRoutes({ dirs, projectsDir: config.projectsDir }));
  app.use(
    createSessionRoutes({
      sessions: deps.sessions,
      agents: deps.agents,
      projectsDir: config.projectsDir,
      env: deps.terminalEnv,
      resume: (agent, cwd, id) => resumeArgs(agent, dirs, cwd, id),
    }),
  );
  app.use(createIdeApiRoutes({ manager: deps.ide.manager, installer: deps.ide.installer }));
  app.use(createEventRoutes({ events: deps.events }));
  app.use(createStaticRoutes({ root: deps.root }));
  app.use(notFound);
  app.use(errorMiddleware(logger));
}

const notFound: RequestHandler = (req, _res, next) => next(new HttpError(404, "not_found", `Nothing at ${req.method} ${req.path}.`));
