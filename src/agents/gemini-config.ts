import path from "node:path";
import { isPlainObject, readJsonObject, writeFileAtomic } from "../atomic-file.js";
import { PROXY_PREFIX, type CliLaunch, type CliSettings } from "./cli-settings.js";

type Json = Record<string, unknown>;

/**
 * Gemini CLI for one gateway tab: GEMINI_CLI_HOME is the gateway's own folder (its .gemini/settings.json, in
 * the 0.61 nested format, picks API-key auth and switches off updates, statistics, telemetry and folder
 * trust; other settings are kept). The key and base URL go in the tab's environment, not a .env file:
 * Gemini CLI looks for .env from the working folder upwards and would find the owner's ~/.gemini/.env
 * first, while variables already set always win over any .env.
 */
export function writeGeminiConfig(settings: CliSettings): CliLaunch {
  const home = settings.homes.gemini.home;
  const file = path.join(home, ".gemini", "settings.json");
  const current = readJsonObject(file);
  merge(current, {
    security: { auth: { selectedType: "gemini-api-key" }, folderTrust: { enabled: false } },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    ide: { enabled: false },
  });
  writeFileAtomic(file, JSON.stringify(current, null, 2) + "\n");
  return {
    env: {
      GEMINI_CLI_HOME: home,
      GEMINI_API_KEY: settings.localKey,
      GEMINI_API_KEY_AUTH_MECHANISM: "bearer",
      GOOGLE_GEMINI_BASE_URL: settings.proxyUrl + PROXY_PREFIX.gemini,
      GEMINI_MODEL: settings.model,
      GEMINI_CLI_CUSTOM_HEADERS: `User-Agent:${settings.userAgent}`,
    },
    args: ["--model", settings.model],
  };
}

/** Deep-merges plain objects from `patch` into `target`, in place. */
function merge(target: Json, patch: Json): void {
  for (const [key, value] of Object.entries(patch)) {
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) merge(existing, value);
    else target[key] = isPlainObject(value) ? structuredClone(value) : value;
  }
}
