import type { Logger } from "pino";
import { writeClaudeConfig } from "./claude-config.js";
import type { CliSettings } from "./cli-settings.js";
import { writeCodexConfig } from "./codex-config.js";
import { writeGeminiConfig } from "./gemini-config.js";

const WRITERS: Readonly<Record<string, (settings: CliSettings) => void>> = {
  claude: writeClaudeConfig,
  codex: writeCodexConfig,
  gemini: writeGeminiConfig,
};

export interface CliConfigOptions {
  readonly home: string;
  readonly projectsDir: string;
  readonly models: CliSettings["models"];
  readonly logger: Logger;
}

/**
 * Writes the three CLIs' files (mode 0600, atomically) so each uses the model proxy with the local key: all of
 * them at start-up, and one again before its tab starts, trusting that tab's folder.
 */
export class CliConfig {
  private target: { proxyUrl: string; localKey: string } | undefined;
  private readonly log: Logger;

  constructor(private readonly options: CliConfigOptions) {
    this.log = options.logger.child({ component: "cli-config" });
  }

  /** Points every CLI at the proxy; called once the proxy listens. */
  writeAll(target: { proxyUrl: string; localKey: string }): void {
    this.target = target;
    for (const agent of Object.keys(WRITERS)) this.prepare(agent, this.options.projectsDir);
  }

  /** Rewrites one built-in agent's files before its tab starts; other agents are left alone. */
  prepare(agent: string, cwd: string): void {
    const writer = WRITERS[agent];
    if (!writer || !this.target) return;
    const trusted = [...new Set([this.options.projectsDir, cwd])];
    try {
      writer({ home: this.options.home, models: this.options.models, trusted, ...this.target });
    } catch (error) {
      // A tab still starts; the CLI then shows its own sign-in screen, and the log says why.
      this.log.error({ agent, err: error }, "cannot write the agent's configuration");
    }
  }
}
