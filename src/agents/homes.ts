import path from "node:path";
import type { Config } from "../config.js";

/**
 * Where the gateway keeps each built-in agent's configuration when it points the agent at a workspace:
 * under <STATE_DIR>/agents/<id>/, passed to the CLI by its own switches, so the owner's ~/.claude*, ~/.codex
 * and ~/.gemini are never written. The CLIs keep their conversations there too.
 */
export interface AgentHomes {
  readonly claude: {
    /** CLAUDE_CONFIG_DIR: Claude Code's .claude.json, settings.json, projects/ (transcripts), CLAUDE.md. */
    readonly configDir: string;
    /** The gateway's own settings, passed with `--settings` (flag settings win over the user's). */
    readonly settingsFile: string;
  };
  /** CODEX_HOME: config.toml (the gateway's keys merged in), .env (the proxy key), sessions/ (transcripts). */
  readonly codex: { readonly home: string };
  /** GEMINI_CLI_HOME: .gemini/settings.json, .gemini/tmp/<project>/chats (transcripts), .gemini/GEMINI.md. */
  readonly gemini: { readonly home: string };
}

/** The agents' folders under the state directory. */
export function agentHomes(config: Pick<Config, "stateDir">): AgentHomes {
  const root = path.join(config.stateDir, "agents");
  return {
    claude: { configDir: path.join(root, "claude", "config"), settingsFile: path.join(root, "claude", "gateway-settings.json") },
    codex: { home: path.join(root, "codex", "home") },
    gemini: { home: path.join(root, "gemini", "home") },
  };
}

/** True when the gateway configures the agents' tabs (a workspace or a gateway host is set). */
export function gatewayConfiguresAgents(config: Pick<Config, "databricks">): boolean {
  return Boolean(config.databricks.host || config.databricks.gatewayHost);
}

/**
 * Per built-in agent, the directories holding its conversations and memory, as the gateway's tabs use them:
 * with a workspace the gateway's own homes under <STATE_DIR>/agents/; without one the owner's own files
 * (the tabs then run with the owner's configuration). Backup and resume read this one list.
 */
export function agentDataDirs(config: Pick<Config, "stateDir" | "home" | "databricks">): Readonly<Record<"claude" | "codex" | "gemini", readonly string[]>> {
  if (gatewayConfiguresAgents(config)) {
    const homes = agentHomes(config);
    return {
      claude: [homes.claude.configDir],
      codex: [homes.codex.home],
      gemini: [path.join(homes.gemini.home, ".gemini")],
    };
  }
  return {
    claude: [path.join(config.home, ".claude"), path.join(config.home, ".claude.json")],
    codex: [path.join(config.home, ".codex")],
    gemini: [path.join(config.home, ".gemini")],
  };
}
