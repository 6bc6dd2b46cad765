import path from "node:path";
import { writeFileAtomic } from "../atomic-file.js";
import type { LaunchExtras } from "../agents.js";
import type { AgentSettings } from "./agent-settings.js";

/**
 * The Databricks MCP servers for the three first CLIs, each in a gateway-own file or flag that adds to what the
 * owner configured (their own servers stay theirs, in their files):
 * Claude Code `--mcp-config <file>`; Codex `-c mcp_servers.<name>.…` (the Bearer read from OPENAI_API_KEY, which
 * Codex loads from its .env: the local key); Gemini CLI a system-defaults file (the lowest-precedence settings
 * layer, merged under the owner's), named by GEMINI_CLI_SYSTEM_DEFAULTS_PATH.
 */
export const MCP_WRITERS: Readonly<Record<string, (settings: AgentSettings) => LaunchExtras>> = {
  claude: (settings) => {
    if (settings.mcp.length === 0) return {};
    const file = path.join(settings.dir, "mcp.json");
    const mcpServers = Object.fromEntries(
      settings.mcp.map((s) => [s.name, { type: "http", url: s.url, headers: { Authorization: `Bearer ${settings.localKey}` } }]),
    );
    writeFileAtomic(file, JSON.stringify({ mcpServers }, null, 2) + "\n");
    return { args: ["--mcp-config", file] };
  },
  codex: (settings) => ({
    args: settings.mcp.flatMap((s) => [
      "-c",
      `mcp_servers.${s.name}.url=${JSON.stringify(s.url)}`,
      "-c",
      `mcp_servers.${s.name}.bearer_token_env_var="OPENAI_API_KEY"`,
    ]),
  }),
  gemini: (settings) => {
    if (settings.mcp.length === 0) return {};
    const file = path.join(settings.dir, "system-defaults.json");
    const mcpServers = Object.fromEntries(
      settings.mcp.map((s) => [s.name, { httpUrl: s.url, headers: { Authorization: `Bearer ${settings.localKey}` } }]),
    );
    writeFileAtomic(file, JSON.stringify({ mcpServers }, null, 2) + "\n");
    return { env: { GEMINI_CLI_SYSTEM_DEFAULTS_PATH: file } };
  },
};
