import type { Logger } from "pino";
import { CliConfig } from "../agents/cli-config.js";
import type { Config } from "../config.js";
import type { TokenSource } from "../token/types.js";
import { modelCredential } from "./credential.js";
import { ModelProxy } from "./proxy.js";
import { chooseModelRoute, httpProbe, type ModelRoute, type Probe } from "./route.js";

export interface ModelServiceOptions {
  readonly config: Config;
  readonly tokens: TokenSource;
  readonly logger: Logger;
  /** Replaces the AI Gateway reachability probe (tests: it must never leave loopback). */
  readonly probe?: Probe;
}

/** What GET /api/models reports: the route in use and the model per CLI; never a key. */
export interface ModelsInfo {
  readonly route: ModelRoute["kind"];
  readonly baseUrl: string | null;
  readonly auth: "pat" | "app";
  readonly models: Config["models"];
}

/**
 * Model traffic of the agent CLIs: chooses the route, runs the loopback model proxy, and keeps each CLI's
 * configuration pointed at it.
 */
export class ModelService {
  readonly proxy: ModelProxy;
  private readonly cliConfig: CliConfig;
  private routePromise: Promise<ModelRoute> | undefined;

  constructor(private readonly options: ModelServiceOptions) {
    const { config, logger } = options;
    this.proxy = new ModelProxy({
      route: () => this.route(),
      credential: modelCredential({ config, tokens: options.tokens }),
      geminiModel: config.models.gemini,
      noCredentialMessage:
        config.databricks.modelAuth === "app"
          ? "MODEL_AUTH=app: the gateway could not get the app's OAuth token (check DATABRICKS_HOST, DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)."
          : undefined,
      logger,
    });
    this.cliConfig = new CliConfig({ home: config.home, projectsDir: config.projectsDir, models: config.models, logger });
  }

  /** Starts the proxy, writes every CLI's configuration and begins choosing the route (up to the probe's 2 s). */
  async start(): Promise<void> {
    const url = await this.proxy.listen();
    this.cliConfig.writeAll({ proxyUrl: url, localKey: this.proxy.localKey });
    void this.route();
  }

  /** The route in use, chosen once per start. */
  route(): Promise<ModelRoute> {
    const { databricks } = this.options.config;
    this.routePromise ??= chooseModelRoute({
      gatewayHost: databricks.gatewayHost,
      workspaceId: databricks.workspaceId,
      host: databricks.host,
      probe: this.options.probe ?? httpProbe,
    }).then((route) => {
      this.options.logger.info({ route: route.kind, baseUrl: route.baseUrl }, "model route chosen");
      return route;
    });
    return this.routePromise;
  }

  /** Rewrites a built-in agent's configuration before its tab starts (trusting the tab's folder). */
  prepare(agent: string, cwd: string): void {
    this.cliConfig.prepare(agent, cwd);
  }

  async info(): Promise<ModelsInfo> {
    const route = await this.route();
    const { config } = this.options;
    return { route: route.kind, baseUrl: route.baseUrl, auth: config.databricks.modelAuth, models: config.models };
  }

  close(): Promise<void> {
    return this.proxy.close();
  }
}
