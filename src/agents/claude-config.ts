import path from "node:path";
import { isPlainObject, readJsonObject, writeFileAtomic } from "../atomic-file.js";
import { PROXY_PREFIX, type CliLaunch, type CliSettings } from "./cli-settings.js";

/**
 * Claude Code for one gateway tab: the gateway's settings file (passed with `--settings`, which wins over
 * the user's settings) points it at the model proxy with the local key (sent as a Bearer, no approval
 * prompt), sets the Opus, Sonnet and Haiku tiers to served models (its background calls pick a tier) and
 * switches off the updater, telemetry and marketplace. CLAUDE_CONFIG_DIR gives it its own .claude.json
 * (onboarding done, the folders trusted) so the owner's ~/.claude and ~/.claude.json are never written.
 */
export function writeClaudeConfig(settings: CliSettings): CliLaunch {
  const { configDir, settingsFile } = settings.homes.claude;
  const { tiers } = settings.models.claude;
  const env = {
    ANTHROPIC_BASE_URL: settings.proxyUrl + PROXY_PREFIX.anthropic,
    ANTHROPIC_AUTH_TOKEN: settings.localKey,
    ANTHROPIC_MODEL: settings.models.claude.default,
    ANTHROPIC_DEFAULT_OPUS_MODEL: tiers.opus,
    ANTHROPIC_DEFAULT_SONNET_MODEL: tiers.sonnet,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: tiers.haiku,
    ANTHROPIC_SMALL_FAST_MODEL: tiers.haiku,
    ANTHROPIC_CUSTOM_HEADERS: `x-databricks-use-coding-agent-mode: true\nUser-Agent: ${settings.userAgent}`,
    CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: "1",
    // Without it the updater really runs `npm install -g` in the background.
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
  };
  writeFileAtomic(settingsFile, JSON.stringify({ env }, null, 2) + "\n");

  // Claude Code rewrites this file itself (and keeps `claude mcp add -s user` servers here): only our keys change.
  const stateFile = path.join(configDir, ".claude.json");
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
  return { env: { CLAUDE_CONFIG_DIR: configDir }, args: ["--settings", settingsFile, "--model", settings.model] };
}
