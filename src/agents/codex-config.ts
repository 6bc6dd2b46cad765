import path from "node:path";
import { parse, stringify } from "smol-toml";
import { isPlainObject, readIfExists, writeFileAtomic } from "../atomic-file.js";
import { mergeDotenv, PROXY_PREFIX, type CliSettings } from "./cli-settings.js";

type Table = Record<string, unknown>;

/**
 * Codex: ~/.codex/config.toml is parsed and rewritten with only our keys set, because Codex adds tables of its
 * own ([tui], notices) that must survive; ~/.codex/.env holds the local key (re-read on every run).
 */
export function writeCodexConfig(settings: CliSettings): void {
  const file = path.join(settings.home, ".codex", "config.toml");
  const config = parseToml(readIfExists(file));
  config.model = settings.models.codex;
  config.model_provider = "databricks";
  config.check_for_update_on_startup = false;
  const providers = table(config, "model_providers");
  Object.assign(table(providers, "databricks"), {
    name: "Databricks",
    base_url: settings.proxyUrl + PROXY_PREFIX.openai,
    env_key: "OPENAI_API_KEY",
    // Codex speaks only the Responses API to custom providers.
    wire_api: "responses",
  });
  table(config, "analytics").enabled = false;
  table(config, "feedback").enabled = false;
  // Without daemon_auto_start = false the TUI leaves a `codex app-server` running after the tab closes.
  Object.assign(table(config, "features"), { plugins: false, daemon_auto_start: false });
  const projects = table(config, "projects");
  for (const folder of settings.trusted) table(projects, folder).trust_level = "trusted";
  writeFileAtomic(file, stringify(config) + "\n");
  mergeDotenv(path.join(settings.home, ".codex", ".env"), { OPENAI_API_KEY: settings.localKey });
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
