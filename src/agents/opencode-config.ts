import path from "node:path";
import { isPlainObject, readJsonObject, writeFileAtomic } from "../atomic-file.js";
import { tabModels, type AgentSettings } from "./agent-settings.js";
import { PROXY_PREFIX } from "./cli-settings.js";
import type { LaunchExtras } from "../agents.js";

/** The provider ids OpenCode shows; each one wire format of the model proxy. */
export const OPENCODE_PROVIDERS = { anthropic: "databricks-claude", openai: "databricks-openai", gemini: "databricks-gemini" } as const;

/**
 * OpenCode: XDG_CONFIG_HOME points it at the gateway's own folder, whose opencode/opencode.json is rewritten
 * with only our keys set (what the owner adds there, `opencode mcp add` included, is kept). Three providers on the model proxy (Anthropic Messages, OpenAI Responses, Gemini), the local key as their
 * key, the Databricks MCP servers as remote servers; updater, sharing, models.dev fetches, LSP downloads and
 * the npm-installed default plugins switched off.
 */
export function writeOpencodeConfig(settings: AgentSettings): LaunchExtras {
  // XDG_CONFIG_HOME moves OpenCode's global folder (opencode.json, the plugin folder it installs) into ours.
  const file = path.join(settings.dir, "config", "opencode", "opencode.json");
  // Kept: anything the owner put into this file by hand; ours is rewritten.
  const config = readJsonObject(file);
  const { proxyUrl, localKey } = settings;
  const { wire, model: tabModel, models } = tabModels(settings);
  const provider = (npm: string, name: string, baseURL: string, model: string, options: Record<string, unknown> = {}) => ({
    npm,
    name,
    options: { baseURL, apiKey: localKey },
    models: { [model]: { name: model, ...options } },
  });
  Object.assign(config, {
    autoupdate: false,
    share: "disabled",
    model: `${OPENCODE_PROVIDERS[wire]}/${tabModel}`,
    small_model: `${OPENCODE_PROVIDERS[wire]}/${tabModel}`,
    provider: {
      ...(isPlainObject(config.provider) ? config.provider : {}),
      // Databricks refuses Anthropic's tool-input streaming flag.
      [OPENCODE_PROVIDERS.anthropic]: provider("@ai-sdk/anthropic", "Databricks (Claude)", `${proxyUrl}${PROXY_PREFIX.anthropic}/v1`, models.anthropic, {
        options: { toolStreaming: false },
      }),
      [OPENCODE_PROVIDERS.openai]: provider("@ai-sdk/openai", "Databricks (OpenAI)", `${proxyUrl}${PROXY_PREFIX.openai}`, models.codex),
      [OPENCODE_PROVIDERS.gemini]: provider("@ai-sdk/google", "Databricks (Gemini)", `${proxyUrl}${PROXY_PREFIX.gemini}/v1beta`, models.gemini),
    },
    // Servers the owner added (`opencode mcp add` writes here) are kept beside ours.
    mcp: {
      ...(isPlainObject(config.mcp) ? config.mcp : {}),
      ...Object.fromEntries(
      settings.mcp.map((server) => [
        server.name,
        { type: "remote", url: server.url, headers: { Authorization: `Bearer ${localKey}` }, oauth: false, enabled: true },
      ]),
      ),
    },
  });
  writeFileAtomic(file, JSON.stringify(config, null, 2) + "\n");
  return {
    env: {
      XDG_CONFIG_HOME: path.join(settings.dir, "config"),
      OPENCODE_DISABLE_AUTOUPDATE: "true",
      OPENCODE_DISABLE_SHARE: "true",
      // models.dev is fetched at start otherwise; the providers above list their models themselves.
      OPENCODE_DISABLE_MODELS_FETCH: "true",
      OPENCODE_DISABLE_LSP_DOWNLOAD: "true",
      // The default plugins are installed from the npm registry at first start.
      OPENCODE_DISABLE_DEFAULT_PLUGINS: "true",
      // It installs @opencode-ai/plugin into its config folder in the background; offline, npm only uses its cache.
      npm_config_offline: "true",
    },
  };
}
