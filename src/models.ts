import { readFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { CliConfig } from "./agents/cli-config.js";
import { PROXY_PREFIX, type CliLaunch } from "./agents/cli-settings.js";
import { agentHomes, gatewayConfiguresAgents } from "./agents/homes.js";
import { PRODUCT, type Config } from "./config.js";
import { packageRoot } from "./paths.js";
import type { TokenSource } from "./token/types.js";
import { ModelCatalog, type CatalogSnapshot } from "./models/catalog.js";
import { ModelChoices } from "./models/choices.js";
import { modelCredential } from "./models/credential.js";
import { chooseAgentModels, type AgentModels } from "./models/families.js";
import { describeModels, type ModelsInfo } from "./models/models-info.js";
import { ModelProxy } from "./models/proxy.js";
import { chooseModelRoute, type ModelRoute, type Upstreams } from "./models/model-route.js";

export type { ModelsInfo } from "./models/models-info.js";

/** The built-in agents whose models the gateway chooses. */
export const MODEL_AGENTS = ["claude", "codex", "gemini"] as const;
export type ModelAgent = (typeof MODEL_AGENTS)[number];

export interface ModelServiceOptions {
  readonly config: Config;
  readonly tokens: TokenSource;
  readonly logger: Logger;
  /** The model-services listing's fetch (tests); the real one by default. */
  readonly fetch?: typeof fetch;
}

/** Everything a CLI needs to reach the workspace's models: reusable by agents beyond the built-in three. */
export interface ModelEndpoints {
  readonly route: ModelRoute;
  /** The loopback proxy's base URL per wire format (what a CLI is configured with). */
  readonly proxy: Upstreams;
  /** The per-start key a CLI sends to the proxy (as a Bearer, x-api-key or x-goog-api-key). */
  readonly localKey: string;
  /** The models per family (Claude tiers, GPT, Gemini and its flash model). */
  readonly models: AgentModels;
  /** Every model the workspace serves on this route (v2 model services, or serving endpoint names). */
  readonly served: readonly string[];
  /** The models the proxy lets through on v2 (empty: not checked). */
  readonly listed: readonly string[];
  readonly catalog: CatalogSnapshot;
}

/** How a tab of an agent starts: the CLI's additions and the model it runs with, or why it cannot. */
export type AgentSetup =
  | { readonly ok: true; readonly launch: CliLaunch | undefined; readonly model: string | undefined }
  | { readonly ok: false; readonly status: 400 | 500; readonly message: string };

/**
 * Model traffic of the agent CLIs: lists the workspace's models, chooses the route and each agent's model,
 * runs the loopback model proxy, and writes each CLI's configuration for the gateway's tabs only.
 */
export class ModelService {
  readonly proxy: ModelProxy;
  /** Sent as the User-Agent of every model call. */
  readonly userAgent = `${PRODUCT}/${packageVersion()}`;
  private readonly catalog: ModelCatalog;
  private readonly cliConfig: CliConfig;
  private readonly choices: ModelChoices;

  constructor(private readonly options: ModelServiceOptions) {
    const { config, logger } = options;
    const credential = modelCredential({ config, tokens: options.tokens });
    this.catalog = new ModelCatalog({
      // A configured gateway host is used as it is: nothing to discover.
      host: config.databricks.gatewayHost ? undefined : config.databricks.host,
      credential,
      logger,
      fetch: options.fetch,
    });
    this.proxy = new ModelProxy({
      // The proxy refuses models the workspace does not list; a model set in the environment is the owner's word.
      target: async () => {
        const endpoints = await this.endpoints();
        const overrides = Object.values(config.models).filter((m): m is string => m !== undefined);
        return { ...endpoints, listed: endpoints.listed.length > 0 ? [...endpoints.listed, ...overrides] : [] };
      },
      credential,
      userAgent: this.userAgent,
      noCredentialMessage:
        config.databricks.modelAuth === "app"
          ? "MODEL_AUTH=app: the gateway could not get the app's OAuth token (check DATABRICKS_HOST, DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)."
          : undefined,
      logger,
    });
    this.cliConfig = new CliConfig({ homes: agentHomes(config), projectsDir: config.projectsDir, userAgent: this.userAgent, logger });
    this.choices = new ModelChoices(config.stateDir);
  }

  /** Starts the proxy and the first listing (in the background: a tab waits for it, the page does not). */
  async start(): Promise<void> {
    await this.proxy.listen();
    void this.catalog.current();
  }

  /** The route and models now (listing first when due: a new token, or an hour passed). */
  async endpoints(): Promise<ModelEndpoints> {
    const { config } = this.options;
    const catalog = await this.catalog.current();
    const route = chooseModelRoute({
      gatewayHost: config.databricks.gatewayHost,
      host: config.databricks.host,
      discovery: catalog.v2 ? "ok" : undefined,
    });
    // A configured gateway lists nothing; a listing from before a route change is not used either.
    const served = route.kind === "ai-gateway-v2" || route.kind === "serving" ? catalog.models : [];
    // Only v2 answers 404 for a model it does not list; serving endpoints are checked by the workspace itself.
    const listed = route.kind === "ai-gateway-v2" ? served : [];
    const base = this.proxy.url;
    const proxy = Object.fromEntries(Object.entries(PROXY_PREFIX).map(([format, prefix]) => [format, base + prefix])) as unknown as Upstreams;
    return { route, proxy, localKey: this.proxy.localKey, models: chooseAgentModels(served, config.models), listed, served, catalog };
  }

  /**
   * How a built-in agent's tab starts: with a workspace, its files written under the gateway's homes and the
   * chosen model (the page's choice, else the remembered one, else the workspace's default); without a
   * workspace, nothing added (the owner's own configuration). Other agents start as configured.
   */
  async setup(agent: string, cwd: string, requested: string | undefined): Promise<AgentSetup> {
    const known = (MODEL_AGENTS as readonly string[]).includes(agent);
    if (requested !== undefined && !known) return { ok: false, status: 400, message: `The agent "${agent}" has no model choice.` };
    if (!known) return { ok: true, launch: undefined, model: undefined };
    if (!gatewayConfiguresAgents(this.options.config)) {
      if (requested !== undefined) {
        return { ok: false, status: 400, message: "No workspace is configured: the agent runs with your own configuration and model." };
      }
      return { ok: true, launch: undefined, model: undefined };
    }
    const endpoints = await this.endpoints();
    const family = endpoints.models[agent as ModelAgent];
    if (requested !== undefined && !family.offered.includes(requested)) {
      const message = `The model "${requested.slice(0, 200)}" is not offered for ${agent}: choose one of ${family.offered.join(", ")}.`;
      return { ok: false, status: 400, message };
    }
    const remembered = this.choices.get(agent);
    const model = requested ?? (remembered && family.offered.includes(remembered) ? remembered : family.default);
    if (requested !== undefined) this.choices.set(agent, requested);
    const launch = this.cliConfig.prepare(agent, { cwd, model, models: endpoints.models, proxyUrl: this.proxy.url, localKey: this.proxy.localKey });
    if (launch instanceof Error) {
      return { ok: false, status: 500, message: `The gateway could not write ${agent}'s configuration: ${launch.message}` };
    }
    return { ok: true, launch, model };
  }

  /** What GET /api/models reports; never a key. */
  async info(): Promise<ModelsInfo> {
    return describeModels({
      endpoints: await this.endpoints(),
      config: this.options.config,
      chosen: (agent) => this.choices.get(agent),
    });
  }

  close(): Promise<void> {
    return this.proxy.close();
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "0";
  } catch {
    return "0";
  }
}
