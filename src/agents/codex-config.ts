import path from "node:path";
import { parse, stringify } from "smol-toml";
import { isPlainObject, readIfExists, writeFileAtomic } from "../atomic-file.js";
import { mergeDotenv, PROXY_PREFIX, type CliLaunch, type CliSettings } from "./cli-settings.js";

type Table = Record<string, unknown>;

/**
 * Codex for one gateway tab: CODEX_HOME is the gateway's own folder, so the owner's ~/.codex is never read
 * or written. Its config.toml is parsed and rewritten with only our keys set, because Codex adds tables of
 * its own ([tui], notices, MCP servers the owner adds in a tab) that must survive; .env there holds the
 * local key (re-read on every run); `--model` picks this tab's model.
 */
export function writeCodexConfig(settings: CliSettings): CliLaunch {
  const home = settings.homes.codex.home;
  const file = path.join(home, "config.toml");
  const config = parseToml(readIfExists(file));
  config.model = settings.models.codex.default;
  config.model_provider = "databricks";
  config.check_for_update_on_startup = false;
  const providers = table(config, "model_providers");
  Object.assign(table(providers, "databricks"), {
    name: "Databricks",
    base_url: settings.proxyUrl + PROXY_PREFIX.openai,
    env_key: "OPENAI_API_KEY",
    // Codex speaks only the Responses API to custom providers.
    wire_api: "responses",
    http_headers: { "User-Agent": settings.userAgent },
  });
  table(config, "analytics").enabled = false;
  table(config, "feedback").enabled = false;
  // Without daemon_auto_start = false the TUI leaves a `codex app-server` running after the tab closes.
  Object.assign(table(config, "features"), { plugins: false, daemon_auto_start: false });
  const projects = table(config, "projects");
  for (const folder of settings.trusted) table(projects, folder).trust_level = "trusted";
  writeFileAtomic(file, stringify(config) + "\n");
  mergeDotenv(path.join(home, ".env"), { OPENAI_API_KEY: settings.localKey });
  return { env: { CODEX_HOME: home }, args: ["--model", settings.model] };
}

/** A broken config.toml is replaced rather than blocking every agent tab; Codex would refuse it anyway. */
function parseToml(text: string | undefined): Table {
  if (text === undefined) return {};
  try {
    return parse(text) as Table;
  } catch {
    return {};
  }
}

function table(parent: Table, key: string): Table {
  const existing = parent[key];
  if (isPlainObject(existing)) return existing;
  const created: Table = {};
  parent[key] = created;
  return created;
}
