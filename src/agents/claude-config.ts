import path from "node:path";
import { isPlainObject, readJsonObject, writeFileAtomic } from "../atomic-file.js";
import { claudeAnnounceHooks } from "./announce.js";
import { PROXY_PREFIX, type CliSettings } from "./cli-settings.js";

/**
 * Claude Code: ~/.claude/settings.json's env block points it at the model proxy with the local key (sent as a
 * Bearer, no approval prompt) and switches off the updater, telemetry and marketplace; ~/.claude.json marks
 * onboarding done and the folders trusted, so a tab opens straight to the prompt. Other keys are kept.
 */
export function writeClaudeConfig(settings: CliSettings): void {
  const settingsFile = path.join(settings.home, ".claude", "settings.json");
  const current = readJsonObject(settingsFile);
  const model = settings.models.anthropic;
  current.env = {
    ...(isPlainObject(current.env) ? current.env : {}),
    ANTHROPIC_BASE_URL: settings.proxyUrl + PROXY_PREFIX.anthropic,
    ANTHROPIC_AUTH_TOKEN: settings.localKey,
    ANTHROPIC_MODEL: model,
    // Background tasks pick a "small fast" model by family name; a workspace serves only the endpoints it has.
    ANTHROPIC_DEFAULT_OPUS_MODEL: model,
    ANTHROPIC_DEFAULT_SONNET_MODEL: model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
    ANTHROPIC_SMALL_FAST_MODEL: model,
    ANTHROPIC_CUSTOM_HEADERS: "x-databricks-use-coding-agent-mode: true",
    CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: "1",
    // Without it the updater really runs `npm install -g` in the background.
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
  };
  // Issue 19: finished / waiting announcements for the tab's activity state.
  current.hooks = claudeAnnounceHooks(current.hooks);
  writeFileAtomic(settingsFile, JSON.stringify(current, null, 2) + "\n");

  const stateFile = path.join(settings.home, ".claude.json");
  const state = readJsonObject(stateFile);
  state.hasCompletedOnboarding = true;
  state.autoUpdates = false;
  const projects = isPlainObject(state.projects) ? state.projects : {};
  for (const folder of settings.trusted) {
    const entry = isPlainObject(projects[folder]) ? projects[folder] : {};
    projects[folder] = { ...entry, hasTrustDialogAccepted: true };
  }
  state.projects = projects;
  writeFileAtomic(stateFile, JSON.stringify(state, null, 2) + "\n");
}
