import path from "node:path";
import { isPlainObject, readJsonObject, writeFileAtomic } from "../atomic-file.js";
import { geminiAnnounceSettings } from "./announce.js";
import { mergeDotenv, PROXY_PREFIX, type CliSettings } from "./cli-settings.js";

type Json = Record<string, unknown>;

/**
 * Gemini CLI: ~/.gemini/.env sends the local key as a Bearer to the model proxy; ~/.gemini/settings.json (the
 * 0.61 nested format: a top-level "selectedAuthType" is ignored there) picks API-key auth and the model and
 * switches off updates, usage statistics and telemetry. Other settings are kept.
 */
export function writeGeminiConfig(settings: CliSettings): void {
  const dir = path.join(settings.home, ".gemini");
  mergeDotenv(path.join(dir, ".env"), {
    GEMINI_API_KEY: settings.localKey,
    GEMINI_API_KEY_AUTH_MECHANISM: "bearer",
    GOOGLE_GEMINI_BASE_URL: settings.proxyUrl + PROXY_PREFIX.gemini,
    GEMINI_MODEL: settings.models.gemini,
  });
  const file = path.join(dir, "settings.json");
  const current = readJsonObject(file);
  merge(current, {
    security: { auth: { selectedType: "gemini-api-key" }, folderTrust: { enabled: false } },
    model: { name: settings.models.gemini },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    ide: { enabled: false },
  });
  // Issue 19: turn-end and action-required announcements for the tab's activity state.
  merge(current, geminiAnnounceSettings());
  writeFileAtomic(file, JSON.stringify(current, null, 2) + "\n");
}

/** Deep-merges plain objects from `patch` into `target`, in place. */
function merge(target: Json, patch: Json): void {
  for (const [key, value] of Object.entries(patch)) {
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) merge(existing, value);
    else target[key] = isPlainObject(value) ? structuredClone(value) : value;
  }
}
