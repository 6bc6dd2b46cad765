import path from "node:path";
import type { Logger } from "pino";
import type { LaunchExtras } from "../agents.js";
import type { AgentSpec } from "../config.js";
import { BUILTIN_AGENTS } from "./builtin-agents.js";
import { PROXY_PREFIX } from "./cli-settings.js";
import type { AgentSettings, AgentWriter, McpEntry } from "./agent-settings.js";
import { writeCopilotConfig } from "./copilot-config.js";
import { MCP_WRITERS } from "./mcp-registration.js";
import { writeOpencodeConfig } from "./opencode-config.js";
import { writePiConfig } from "./pi-config.js";

/** The agents whose whole configuration is the gateway's own, under <STATE_DIR>/agents/<id>. */
const OWN_CONFIG = ["opencode", "pi", "copilot"];

/** Their writers, and the MCP additions of the first three agents. */
const WRITERS: Readonly<Record<string, AgentWriter>> = {
  opencode: writeOpencodeConfig,
  pi: writePiConfig,
  copilot: writeCopilotConfig,
  ...MCP_WRITERS,
};

export interface AgentLaunchConfigOptions {
  /** config.stateDir: the gateway's files go to <stateDir>/agents/<id>. */
  readonly stateDir: string;
  readonly home: string;
  readonly projectsDir: string;
  /** The model proxy's URL and key, once it listens; undefined before. */
  readonly target: () => { proxyUrl: string; localKey: string } | undefined;
  /** The model per wire format (the model-routing service's choice). */
  readonly models: () => AgentSettings["models"];
  /** The Databricks MCP servers, each at its loopback MCP proxy URL. */
  readonly mcp: () => readonly McpEntry[];
  readonly logger: Logger;
}

/**
 * Writes the gateway-own files of OpenCode, Pi and Copilot CLI (and the MCP additions of the other agents)
 * before a tab starts, and says which arguments and variables that tab's command gets.
 */
export class AgentLaunchConfig {
  private readonly log: Logger;

  constructor(private readonly options: AgentLaunchConfigOptions) {
    this.log = options.logger.child({ component: "agent-launch-config" });
  }

  /** True for a built-in agent (its command unchanged by the catalogue); the others get catalogueEnv. */
  isBuiltin(spec: AgentSpec): boolean {
    return BUILTIN_AGENTS.some((b) => b.id === spec.id && b.command === spec.command);
  }

  /** True for the agents whose whole configuration this writes (OpenCode, Pi, Copilot CLI). */
  ownsConfig(spec: AgentSpec): boolean {
    return this.isBuiltin(spec) && OWN_CONFIG.includes(spec.id);
  }

  /** The folder of the gateway's own files for an agent. */
  dir(agent: string): string {
    return path.join(this.options.stateDir, "agents", agent);
  }

  /**
   * Writes an agent's files and returns its extras; `tab.model` is the tab's choice (the page's picker), by
   * default the Claude model; `tab.models` the workspace's models per wire format (default: options.models).
   * An agent of the YAML catalogue gets the proxies' variables (catalogueEnv) instead: that is how one installed
   * from outside the npm registry (Hermes) is wired without code.
   */
  prepare(spec: AgentSpec, cwd: string, tab: { model?: string; models?: AgentSettings["models"] } = {}): LaunchExtras | undefined {
    const agent = spec.id;
    const target = this.options.target();
    if (!target) return undefined;
    const models = tab.models ?? this.options.models();
    if (!this.isBuiltin(spec)) return { env: catalogueEnv(spec, { ...target, models, mcp: this.options.mcp() }) };
    const writer = WRITERS[agent];
    if (!writer) return undefined;
    try {
      return writer({
        home: this.options.home,
        dir: this.dir(agent),
        ...target,
        models,
        mcp: this.options.mcp(),
        ...(tab.model ? { model: tab.model } : {}),
        trusted: [...new Set([this.options.projectsDir, cwd])],
      });
    } catch (error) {
      // The tab still starts; the CLI then shows its own setup screen, and the log says why.
      this.log.error({ agent, err: error }, "cannot write the agent's configuration");
      return undefined;
    }
  }
}

/**
 * What a catalogue agent's command gets: GATEWAY_* variables naming the model proxy's base URL per wire format,
 * the local key, the models and the MCP servers; and its own `env:` values with `${GATEWAY_…}` filled in, so a
 * YAML entry can say `OPENAI_BASE_URL: ${GATEWAY_OPENAI_BASE_URL}`. The key is the loopback proxies' only.
 */
export function catalogueEnv(
  spec: AgentSpec,
  target: { proxyUrl: string; localKey: string; models: AgentSettings["models"]; mcp: readonly McpEntry[] },
): Record<string, string> {
  const vars: Record<string, string> = {
    GATEWAY_MODEL_PROXY_URL: target.proxyUrl,
    GATEWAY_ANTHROPIC_BASE_URL: target.proxyUrl + PROXY_PREFIX.anthropic,
    GATEWAY_OPENAI_BASE_URL: target.proxyUrl + PROXY_PREFIX.openai,
    GATEWAY_GEMINI_BASE_URL: target.proxyUrl + PROXY_PREFIX.gemini,
    GATEWAY_LOCAL_KEY: target.localKey,
    GATEWAY_ANTHROPIC_MODEL: target.models.anthropic,
    GATEWAY_OPENAI_MODEL: target.models.codex,
    GATEWAY_GEMINI_MODEL: target.models.gemini,
    GATEWAY_MCP_SERVERS: JSON.stringify(Object.fromEntries(target.mcp.map((m) => [m.name, m.url]))),
  };
  const fill = (value: string) => value.replace(/\$\{(GATEWAY_[A-Z_]+)\}/g, (all, key: string) => vars[key] ?? all);
  return { ...vars, ...Object.fromEntries(Object.entries(spec.env).map(([name, value]) => [name, fill(value)])) };
}
