import type { Logger } from "pino";
import type { AgentModels } from "../models/families.js";
import { writeClaudeConfig } from "./claude-config.js";
import type { CliLaunch, CliSettings } from "./cli-settings.js";
import { writeCodexConfig } from "./codex-config.js";
import { writeGeminiConfig } from "./gemini-config.js";
import type { AgentHomes } from "./homes.js";

/** The built-in agents the gateway configures, and how. */
export const CLI_WRITERS: Readonly<Record<string, (settings: CliSettings) => CliLaunch>> = {
  claude: writeClaudeConfig,
  codex: writeCodexConfig,
  gemini: writeGeminiConfig,
};

export interface CliConfigOptions {
  readonly homes: AgentHomes;
  readonly projectsDir: string;
  readonly userAgent: string;
  readonly logger: Logger;
}

/**
 * Writes a built-in CLI's files under the gateway's own homes (mode 0600, atomically) before its tab
 * starts, and says what the tab adds to the CLI's start (the switches that point it at those files).
 */
export class CliConfig {
  private readonly log: Logger;

  constructor(private readonly options: CliConfigOptions) {
    this.log = options.logger.child({ component: "cli-config" });
  }

  /**
   * The tab's additions for a built-in agent, undefined for other agents, or an Error when the files cannot be
   * written: the tab must not start then, or the CLI would quietly use the owner's own configuration.
   */
  prepare(agent: string, request: { cwd: string; model: string; models: AgentModels; proxyUrl: string; localKey: string }): CliLaunch | Error | undefined {
    const writer = CLI_WRITERS[agent];
    if (!writer) return undefined;
    const trusted = [...new Set([this.options.projectsDir, request.cwd])];
    try {
      return writer({ ...request, homes: this.options.homes, trusted, userAgent: this.options.userAgent });
    } catch (error) {
      this.log.error({ agent, err: error }, "cannot write the agent's configuration");
      return error instanceof Error ? error : new Error(String(error));
    }
  }
}
