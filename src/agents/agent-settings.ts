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
  /** The Databricks MCP servers to declare. */
  readonly mcp: readonly McpEntry[];
  /** Folders whose trust prompt is pre-answered (the projects folder and the tab's working folder). */
  readonly trusted: readonly string[];
}

/** Writes one agent's gateway-own files and says how its command starts with them. */
export type AgentWriter = (settings: AgentSettings) => LaunchExtras;
