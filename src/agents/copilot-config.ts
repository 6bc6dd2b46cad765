import path from "node:path";
import { readJsonObject, writeFileAtomic } from "../atomic-file.js";
import type { LaunchExtras } from "../agents.js";
import { tabModels, type AgentSettings } from "./agent-settings.js";
import { PROXY_PREFIX } from "./cli-settings.js";

/**
 * GitHub Copilot CLI: configured by its environment (bring-your-own-key provider on the model proxy's Anthropic
 * Messages route, the local key as the Bearer, COPILOT_OFFLINE so it skips GitHub sign-in, telemetry, the GitHub
 * MCP server and its updater) and COPILOT_HOME in the gateway's own folder, whose config.json trusts the tab's
 * folders. The Databricks MCP servers come with --additional-mcp-config, which adds to the owner's own.
 */
export function writeCopilotConfig(settings: AgentSettings): LaunchExtras {
  const configFile = path.join(settings.dir, "config.json");
  const config = readJsonObject(configFile);
  const trusted = Array.isArray(config.trusted_folders) ? config.trusted_folders.filter((f) => typeof f === "string") : [];
  Object.assign(config, {
    trusted_folders: [...new Set([...trusted, ...settings.trusted])],
    banner: "never",
    auto_update: false,
  });
  writeFileAtomic(configFile, JSON.stringify(config, null, 2) + "\n");

  const mcpFile = path.join(settings.dir, "gateway-mcp.json");
  const mcpServers = Object.fromEntries(
    settings.mcp.map((server) => [
      server.name,
      { type: "http", url: server.url, headers: { Authorization: `Bearer ${settings.localKey}` }, tools: ["*"] },
    ]),
  );
  writeFileAtomic(mcpFile, JSON.stringify({ mcpServers }, null, 2) + "\n");
  // Claude on the Messages route; a GPT model on the Responses route (Copilot speaks no Gemini: its Claude then).
  const chosen = tabModels(settings);
  const model = chosen.wire === "gemini" ? settings.models.anthropic : chosen.model;
  const provider: Record<string, string> =
    chosen.wire === "openai"
      ? { COPILOT_PROVIDER_TYPE: "openai", COPILOT_PROVIDER_BASE_URL: settings.proxyUrl + PROXY_PREFIX.openai, COPILOT_PROVIDER_WIRE_API: "responses" }
      : { COPILOT_PROVIDER_TYPE: "anthropic", COPILOT_PROVIDER_BASE_URL: settings.proxyUrl + PROXY_PREFIX.anthropic };
  return {
    args: ["--additional-mcp-config", `@${mcpFile}`],
    env: {
      COPILOT_HOME: settings.dir,
      COPILOT_OFFLINE: "true",
      COPILOT_AUTO_UPDATE: "false",
      ...provider,
      COPILOT_PROVIDER_BEARER_TOKEN: settings.localKey,
      COPILOT_MODEL: model,
      COPILOT_PROVIDER_HEADERS: "x-databricks-use-coding-agent-mode: true",
      // A workspace model is not in its catalogue: without limits it warns on every start.
      COPILOT_PROVIDER_MAX_PROMPT_TOKENS: "200000",
      COPILOT_PROVIDER_MAX_OUTPUT_TOKENS: "32000",
    },
  };
}
