import { readIfExists, writeFileAtomic } from "../atomic-file.js";
import type { AgentModels } from "../models/families.js";
import type { AgentHomes } from "./homes.js";

/** What an agent CLI's configuration for one tab is written from. */
export interface CliSettings {
  readonly homes: AgentHomes;
  /** The model proxy's loopback base URL, e.g. http://127.0.0.1:43123. */
  readonly proxyUrl: string;
  /** The per-start key the proxy checks; the only key the CLIs ever hold. */
  readonly localKey: string;
  /** The workspace's models per agent (defaults, tiers, flash). */
  readonly models: AgentModels;
  /** The model this tab runs with. */
  readonly model: string;
  /** Folders whose trust prompt is pre-answered (the projects folder and the tab's working folder). */
  readonly trusted: readonly string[];
  /** Sent by the CLIs that take custom headers (the proxy sets it on every call too). */
  readonly userAgent: string;
}

/** What a tab adds to the CLI's start: environment variables and arguments. */
export interface CliLaunch {
  readonly env: Readonly<Record<string, string>>;
  readonly args: readonly string[];
}

/** The proxy's path prefix per wire format; the proxy maps each to the chosen upstream route. */
export const PROXY_PREFIX = { anthropic: "/anthropic", openai: "/openai", gemini: "/gemini", mlflow: "/mlflow" } as const;

/**
 * Sets variables in a dotenv file, keeping every other line as it was, and writes it atomically (0600).
 * Values are single-quoted when they hold anything beyond URL-safe characters; newlines are refused.
 */
export function mergeDotenv(file: string, values: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(values)) {
    if (/[\r\n']/.test(value)) throw new Error(`${name} for ${file} must not contain newlines or single quotes`);
  }
  const kept = (readIfExists(file) ?? "")
    .split("\n")
    .filter((line) => line.trim() !== "" && !Object.hasOwn(values, dotenvName(line) ?? ""));
  const ours = Object.entries(values).map(([name, value]) => `${name}=${/^[\w.:/@+-]*$/.test(value) ? value : `'${value}'`}`);
  writeFileAtomic(file, [...kept, ...ours].join("\n") + "\n");
}

function dotenvName(line: string): string | undefined {
  return /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
}
