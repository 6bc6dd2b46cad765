import path from "node:path";
import { isPlainObject, readJsonObject, writeFileAtomic } from "../atomic-file.js";
import type { LaunchExtras } from "../agents.js";
import { tabModels, type AgentSettings } from "./agent-settings.js";
import { PROXY_PREFIX } from "./cli-settings.js";

/** The provider ids Pi's /model shows; each one wire format of the model proxy. */
export const PI_PROVIDERS = { anthropic: "databricks-claude", openai: "databricks-openai", gemini: "databricks-gemini" } as const;

/**
 * Pi: PI_CODING_AGENT_DIR points it at the gateway's own folder, whose models.json declares three providers on
 * the model proxy (the local key as their key, sent as a Bearer) and whose settings.json picks the Claude model
 * and turns the install ping off; PI_OFFLINE stops its version and package checks. Pi speaks no MCP.
 * Its sessions stay in that folder (sessions/), by working directory.
 */
export function writePiConfig(settings: AgentSettings): LaunchExtras {
  const { proxyUrl, localKey } = settings;
  const { wire, model: tabModel, models } = tabModels(settings);
  const modelsFile = path.join(settings.dir, "models.json");
  const current = readJsonObject(modelsFile);
  const provider = (baseUrl: string, api: string, model: Record<string, unknown>) => ({
    baseUrl,
    api,
    apiKey: localKey,
    authHeader: true,
    models: [model],
  });
  current.providers = {
    ...(isPlainObject(current.providers) ? current.providers : {}),
    // Databricks refuses Anthropic's eager tool-input streaming flag.
    [PI_PROVIDERS.anthropic]: provider(`${proxyUrl}${PROXY_PREFIX.anthropic}`, "anthropic-messages", {
      id: models.anthropic,
      compat: { supportsEagerToolInputStreaming: false },
    }),
    [PI_PROVIDERS.openai]: provider(`${proxyUrl}${PROXY_PREFIX.openai}`, "openai-responses", { id: models.codex }),
    [PI_PROVIDERS.gemini]: provider(`${proxyUrl}${PROXY_PREFIX.gemini}/v1beta`, "google-generative-ai", { id: models.gemini }),
  };
  writeFileAtomic(modelsFile, JSON.stringify(current, null, 2) + "\n");

  const settingsFile = path.join(settings.dir, "settings.json");
  const piSettings = readJsonObject(settingsFile);
  Object.assign(piSettings, {
    defaultProvider: PI_PROVIDERS[wire],
    defaultModel: tabModel,
    enableInstallTelemetry: false,
  });
  writeFileAtomic(settingsFile, JSON.stringify(piSettings, null, 2) + "\n");
  return { env: { PI_CODING_AGENT_DIR: settings.dir, PI_OFFLINE: "1", PI_SKIP_VERSION_CHECK: "1", PI_TELEMETRY: "0" } };
}
