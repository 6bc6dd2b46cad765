import { accessSync, constants } from "node:fs";
import path from "node:path";
import type { AgentSpec } from "./config.js";
import type { Launch } from "./sessions/session.js";

/** An agent as GET /api/agents reports it. */
export interface AgentStatus {
  readonly id: string;
  readonly label: string;
  readonly available: boolean;
  readonly reason?: string;
}

/** The built-in agents; the YAML catalogue may add others or override these by id. */
export const BUILTIN_AGENTS: readonly AgentSpec[] = [
  { id: "shell", label: "Shell", command: "", args: [], env: {} },
  { id: "claude", label: "Claude", command: "claude", args: [], env: {} },
  { id: "codex", label: "Codex", command: "codex", args: [], env: {} },
  { id: "gemini", label: "Gemini", command: "gemini", args: [], env: {} },
];

export interface AgentCatalogueOptions {
  readonly agents: readonly AgentSpec[];
  /** The user's login shell. */
  readonly shell: string;
  /** Searched for commands, in order: the project's node_modules/.bin, then the PATH. */
  readonly searchPath: readonly string[];
}

/** The agents a tab can start, whether each can start now, and how to start it. */
export class AgentCatalogue {
  private readonly agents = new Map<string, AgentSpec>();

  constructor(private readonly options: AgentCatalogueOptions) {
    for (const agent of [...BUILTIN_AGENTS, ...options.agents]) this.agents.set(agent.id, agent);
  }

  get(id: string): AgentSpec | undefined {
    return this.agents.get(id);
  }

  list(): AgentStatus[] {
    return [...this.agents.values()].map((agent) => this.status(agent));
  }

  status(agent: AgentSpec): AgentStatus {
    const base = { id: agent.id, label: agent.label };
    if (agent.id === "shell") return { ...base, available: true };
    const resolved = this.resolve(agent.command);
    return resolved
      ? { ...base, available: true }
      : { ...base, available: false, reason: `"${agent.command}" is not installed (not found in node_modules/.bin or PATH)` };
  }

  /**
   * How to start an agent: the shell itself, or the shell running the agent and then staying as an
   * interactive login shell, so the tab returns to a prompt when the agent exits.
   */
  launch(agent: AgentSpec, cwd: string, env: Readonly<Record<string, string>>): Launch {
    const { shell } = this.options;
    const merged = { ...env, ...agent.env };
    if (agent.id === "shell" || agent.command === "") return { file: shell, args: ["-l"], env: merged, cwd };
    const command = this.resolve(agent.command) ?? agent.command;
    // `trap : INT` keeps the shell alive when Ctrl-C ends the agent; a handled trap is not inherited.
    const script = `trap : INT; ${[command, ...agent.args].map(shellQuote).join(" ")}; trap - INT; exec ${shellQuote(shell)} -l`;
    return { file: shell, args: ["-l", "-c", script], env: merged, cwd };
  }

  /** An executable's absolute path, or undefined. */
  resolve(command: string): string | undefined {
    if (command.includes("/")) return isExecutable(command) ? command : undefined;
    for (const dir of this.options.searchPath) {
      const candidate = path.join(dir, command);
      if (isExecutable(candidate)) return candidate;
    }
    return undefined;
  }
}

/** Quotes a word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
