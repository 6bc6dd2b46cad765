import path from "node:path";
import type { Logger } from "pino";
import type { LaunchExtras } from "../agents.js";
import type { AgentSettings, AgentWriter, McpEntry } from "./agent-settings.js";
import { writeCopilotConfig } from "./copilot-config.js";
import { MCP_WRITERS } from "./mcp-registration.js";
import { writeOpencodeConfig } from "./opencode-config.js";
import { writePiConfig } from "./pi-config.js";

/** The agents whose whole configuration is the gateway's own, under <STATE_DIR>/agents/<id>. */
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

  /** The folder of the gateway's own files for an agent. */
  dir(agent: string): string {
    return path.join(this.options.stateDir, "agents", agent);
  }

  /** Writes an agent's files and returns its extras; nothing for agents it does not configure. */
  prepare(agent: string, cwd: string): LaunchExtras | undefined {
    const writer = WRITERS[agent];
    const target = this.options.target();
    if (!writer || !target) return undefined;
    try {
      return writer({
        home: this.options.home,
        dir: this.dir(agent),
        ...target,
        models: this.options.models(),
        mcp: this.options.mcp(),
        trusted: [...new Set([this.options.projectsDir, cwd])],
      });
    } catch (error) {
      // The tab still starts; the CLI then shows its own setup screen, and the log says why.
      this.log.error({ agent, err: error }, "cannot write the agent's configuration");
      return undefined;
    }
  }
}
