import type { LaunchExtras } from "../agents.js";

/** A Databricks MCP server as an agent sees it: a name and its loopback MCP proxy URL (local key as a Bearer). */
export interface McpEntry {
  readonly name: string;
  readonly url: string;
}

/** What the gateway-own configuration of one agent is written from. */
export interface AgentSettings {
  /** The gateway user's HOME. */
  readonly home: string;
  /** The gateway's own folder for this agent: <STATE_DIR>/agents/<id>. */
  readonly dir: string;
  /** The model proxy's loopback base URL, e.g. http://127.0.0.1:43123. */
  readonly proxyUrl: string;
  /** The per-start key the proxies check; the only key these files ever hold. */
  readonly localKey: string;
  /** The model per wire format (the Claude model for Messages, the Codex model for Responses, the Gemini model). */
  readonly models: { readonly anthropic: string; readonly codex: string; readonly gemini: string };
  /** The model this tab runs with (the page's picker), by default the Claude model. */
  readonly model?: string;
  /** The Databricks MCP servers to declare. */
  readonly mcp: readonly McpEntry[];
  /** Folders whose trust prompt is pre-answered (the projects folder and the tab's working folder). */
  readonly trusted: readonly string[];
}

/** Writes one agent's gateway-own files and says how its command starts with them. */
export type AgentWriter = (settings: AgentSettings) => LaunchExtras;

/** Which wire format of the model proxy serves a model, by its family name (system.ai.… or databricks-… alike). */
export function wireOf(model: string): "anthropic" | "openai" | "gemini" {
  const name = model.slice(model.lastIndexOf(".") + 1);
  if (/(^|-)gemini-/.test(name)) return "gemini";
  if (/(^|-)(gpt|o\d|codex)/.test(name)) return "openai";
  return "anthropic";
}

/** The models per wire format with the tab's model in its own format's place. */
export function tabModels(settings: AgentSettings): { wire: ReturnType<typeof wireOf>; model: string; models: AgentSettings["models"] } {
  const model = settings.model ?? settings.models.anthropic;
  const wire = wireOf(model);
  const key = wire === "openai" ? "codex" : wire;
  return { wire, model, models: { ...settings.models, [key]: model } };
}
