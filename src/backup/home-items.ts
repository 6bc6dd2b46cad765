import path from "node:path";

/**
 * What of HOME the backup keeps, in ONE place: the CLIs' own folders (what the owner's own `claude`, `codex` and
 * `gemini` keep, and what the gateway's tabs use with no workspace) and the gateway's per-agent folders under
 * STATE_DIR/agents (src/agents/homes.ts: what its tabs use with a workspace). Paths are relative to HOME.
 * - tree: every regular file below (optionally only those matching `only`), newest first under the size cap;
 * - file: one file;
 * - `merge: "json"`: at restore, a file the gateway already wrote at start keeps its keys and gains the stored
 *   ones; `drop` names keys removed before saving (the gateway's own, holding the proxy key).
 */
export interface HomeItem {
  readonly path: string;
  readonly kind: "tree" | "file";
  readonly only?: RegExp;
  readonly merge?: "json";
  readonly drop?: readonly string[];
}

/** Never saved, whatever the list says: the owner's token file and the files the gateway writes with the proxy key. */
export const NEVER_SAVED: readonly string[] = [".databrickscfg", ".codex/.env", ".gemini/.env", ".codex/config.toml", ".codex/auth.json"];

/** The list: agent conversations and memory, settings and MCP servers the owner added, and the shell history. */
export function homeItems(options: { home: string; stateDir: string }): HomeItem[] {
  const items: HomeItem[] = [
    // Claude Code: transcripts (claude --continue / --resume), memory, the owner's agents and commands.
    { path: ".claude/projects", kind: "tree" },
    { path: ".claude/CLAUDE.md", kind: "file" },
    { path: ".claude/agents", kind: "tree" },
    { path: ".claude/commands", kind: "tree" },
    { path: ".claude/settings.json", kind: "file", merge: "json", drop: ["env.ANTHROPIC_AUTH_TOKEN", "env.ANTHROPIC_API_KEY"] },
    // User-scope MCP servers and per-project state.
    { path: ".claude.json", kind: "file", merge: "json" },
    // Codex: sessions (codex resume) and memory.
    { path: ".codex/sessions", kind: "tree" },
    { path: ".codex/AGENTS.md", kind: "file" },
    // Gemini CLI: saved chats and checkpoints, memory, settings.
    { path: ".gemini/tmp", kind: "tree", only: /^\.gemini\/tmp\/[^/]+\/(chats\/|checkpoint|logs\.json$|shell_history$)/ },
    { path: ".gemini/GEMINI.md", kind: "file" },
    { path: ".gemini/settings.json", kind: "file", merge: "json" },
    // The shells' history.
    { path: ".bash_history", kind: "file" },
    { path: ".zsh_history", kind: "file" },
    { path: ".local/share/fish/fish_history", kind: "file" },
  ];
  // The gateway's own per-agent folders (agentHomes), when under HOME; key-bearing files there fail the secret scan.
  const agents = path.relative(options.home, path.join(options.stateDir, "agents"));
  if (agents && !agents.startsWith("..") && !path.isAbsolute(agents)) items.push({ path: agents.split(path.sep).join("/"), kind: "tree" });
  return items;
}

/** The item a stored path belongs to, or undefined: restore writes nothing the list does not name. */
export function itemFor(items: readonly HomeItem[], rel: string): HomeItem | undefined {
  if (NEVER_SAVED.includes(rel)) return undefined;
  return items.find((item) =>
    item.kind === "file" ? item.path === rel : rel.startsWith(item.path + "/") && (item.only === undefined || item.only.test(rel)),
  );
}
