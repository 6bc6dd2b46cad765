import { gatewayConfiguresAgents } from "../agents/homes.js";
import type { Config } from "../config.js";
import type { CatalogSnapshot } from "./catalog.js";
import type { AgentModels, ClaudeTiers } from "./families.js";
import type { ModelRoute, RouteKind, Upstreams } from "./model-route.js";

/** One agent as GET /api/models reports it. */
export interface AgentModelsInfo {
  /** "gateway": the tab's calls go through the gateway's route; "own": the owner's own CLI configuration. */
  readonly route: "gateway" | "own";
  /** The model a new tab runs with (the remembered choice or the default); null with "own". */
  readonly model: string | null;
  /** The workspace's default for this agent; null with "own". */
  readonly default: string | null;
  /** What the picker offers, newest first. */
  readonly models: readonly string[];
  readonly tiers?: ClaudeTiers;
  readonly flash?: string;
}

/** GET /api/models. */
export interface ModelsInfo {
  readonly route: RouteKind;
  readonly baseUrl: string | null;
  readonly auth: "pat" | "app";
  readonly upstreams: Upstreams | null;
  readonly discovery: {
    readonly state: CatalogSnapshot["state"];
    readonly message: string | null;
    readonly checkedAt: string | null;
    readonly stale: boolean;
    readonly count: number;
  };
  readonly agents: { readonly claude: AgentModelsInfo; readonly codex: AgentModelsInfo; readonly gemini: AgentModelsInfo };
  /** The model in use per CLI (null: the owner's own configuration). */
  readonly models: { readonly anthropic: string | null; readonly codex: string | null; readonly gemini: string | null };
}

/** Builds GET /api/models from the current endpoints. */
export function describeModels(options: {
  endpoints: { route: ModelRoute; models: AgentModels; catalog: CatalogSnapshot; served: readonly string[] };
  config: Config;
  chosen: (agent: string) => string | undefined;
}): ModelsInfo {
  const { route, models, catalog, served } = options.endpoints;
  const configured = gatewayConfiguresAgents(options.config);
  const agent = (id: "claude" | "codex" | "gemini"): AgentModelsInfo => {
    if (!configured) return { route: "own", model: null, default: null, models: [] };
    const family = models[id];
    const chosen = options.chosen(id);
    return {
      route: "gateway",
      model: chosen && family.offered.includes(chosen) ? chosen : family.default,
      default: family.default,
      models: family.offered,
      ...(id === "claude" ? { tiers: models.claude.tiers } : {}),
      ...(id === "gemini" ? { flash: models.gemini.flash } : {}),
    };
  };
  const agents = { claude: agent("claude"), codex: agent("codex"), gemini: agent("gemini") };
  return {
    route: route.kind,
    baseUrl: route.baseUrl,
    auth: options.config.databricks.modelAuth,
    upstreams: route.upstreams,
    discovery: { state: catalog.state, message: catalog.message, checkedAt: catalog.checkedAt, stale: catalog.stale, count: served.length },
    agents,
    models: { anthropic: agents.claude.model, codex: agents.codex.model, gemini: agents.gemini.model },
  };
}
