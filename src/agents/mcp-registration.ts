import path from "node:path";
import { isPlainObject, readJsonObject, writeFileAtomic } from "../atomic-file.js";
import type { LaunchExtras } from "../agents.js";
import type { AgentSettings } from "./agent-settings.js";

/**
 * The Databricks MCP servers for the three first CLIs, each in a gateway-own file or flag that adds to what the
 * owner configured (their own servers stay theirs, in their files):
 * Claude Code `--mcp-config <file>`; Codex `-c mcp_servers.<name>.…` (the Bearer read from OPENAI_API_KEY, which
 * Codex loads from its .env: the local key); Gemini CLI has no such switch that works here (its system settings
 * files are skipped unless root owns them and every parent folder), so its servers join the settings.json the
 * gateway already writes for it, next to the owner's own servers (geminiSettingsFile).
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
    const file = geminiSettingsFile(settings);
    const current = readJsonObject(file);
    const servers = isPlainObject(current.mcpServers) ? current.mcpServers : {};
    for (const s of settings.mcp) servers[s.name] = { httpUrl: s.url, headers: { Authorization: `Bearer ${settings.localKey}` } };
    current.mcpServers = servers;
    writeFileAtomic(file, JSON.stringify(current, null, 2) + "\n");
    return {};
  },
};

/** The Gemini settings file of the gateway's own Gemini home (GEMINI_CLI_HOME, src/agents/homes.ts). */
export function geminiSettingsFile(settings: AgentSettings): string {
  return path.join(settings.dir, "home", ".gemini", "settings.json");
}
