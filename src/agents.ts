import path from "node:path";
import type { Logger } from "pino";
import { AgentLaunchConfig } from "./agents/agent-launch-config.js";
import { agentSetup, perWire } from "./agents/agent-setup.js";
import { BUILTIN_AGENTS } from "./agents/builtin-agents.js";
import { findBundledCli } from "./agents/bundled-clis.js";
import type { AgentSpec, Config } from "./config.js";
import type { McpProxy } from "./mcp.js";
import { chooseAgentModels } from "./models/families.js";
import type { ModelService } from "./models.js";
import { isExecutable } from "./paths.js";
import type { Launch } from "./sessions/pty-process.js";
import type { TerminalSetup } from "./terminal-env.js";

export { BUILTIN_AGENTS } from "./agents/builtin-agents.js";

/** An agent as GET /api/agents reports it. */
export interface AgentStatus {
  readonly id: string;
  readonly label: string;
  readonly available: boolean;
  readonly reason?: string;
  /** The installed version, when known (the CLIs that come with the gateway). */
  readonly version?: string;
  /** Where the command comes from: installed with the gateway, or found on the PATH. */
  readonly source?: "bundled" | "path";
}

/** Shells that take POSIX shell code (`case`, `export`, `trap`). */
const POSIX_SHELLS = /^(?:ba|da|k|mk|z|)sh$/;

export interface AgentCatalogueOptions {
  readonly agents: readonly AgentSpec[];
  /** The user's login shell. */
  readonly shell: string;
  /** Searched for commands, in order: the project's node_modules/.bin, then the PATH. */
  readonly searchPath: readonly string[];
  /** Folders the gateway puts first on a terminal's PATH (node_modules/.bin and the bundled CLIs). */
  readonly pathFirst?: readonly string[];
  /** The gateway's node_modules, where the bundled CLIs are. */
  readonly nodeModules: string;
  /**
   * Called before an agent (not the plain shell) starts: writes its configuration and says what its start
   * adds (environment, arguments) and which model it runs, or why it cannot start with the model asked for.
   */
  readonly setup?: (agent: AgentSpec, cwd: string, model: string | undefined) => Promise<AgentSetup>;
}

/** What a tab's start adds for its agent, or why it cannot start. */
export type AgentSetup =
  | { readonly ok: true; readonly launch: AgentLaunchExtra | undefined; readonly model: string | undefined }
  | { readonly ok: false; readonly status: 400 | 500; readonly message: string };

/** What a gateway-own configuration writer adds to one agent's start (see src/agents/agent-launch-config.ts). */
export interface LaunchExtras {
  readonly args?: readonly string[];
  /** Variables for the agent's command only. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Environment variables and arguments a tab adds to its agent's own. */
export interface AgentLaunchExtra {
  readonly env: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  /** Variables for the agent's command only (`VAR=value command`): the shell the tab returns to has none. */
  readonly commandEnv?: Readonly<Record<string, string>>;
}

/**
 * The agents of the catalogue (built-in and YAML) with their start wired: Claude Code, Codex and Gemini CLI through
 * the model service; OpenCode, Pi, Copilot CLI and catalogue agents through the gateway's own files (see
 * agents/agent-setup.ts), on the model proxy and with the MCP proxy's servers.
 */
export function createAgents({ config, terminal, models, mcp, logger }: {
  config: Config;
  terminal: TerminalSetup;
  models: ModelService;
  mcp: Pick<McpProxy, "entries">;
  logger: Logger;
}): AgentCatalogue {
  const launchConfig = new AgentLaunchConfig({
    stateDir: config.stateDir,
    home: config.home,
    projectsDir: config.projectsDir,
    target: () => proxyTarget(models),
    models: () => perWire(chooseAgentModels([], config.models)),
    mcp: () => mcp.entries(),
    logger,
  });
  return new AgentCatalogue({
    agents: config.agents,
    shell: terminal.shell,
    searchPath: terminal.searchPath,
    pathFirst: terminal.pathFirst,
    nodeModules: terminal.nodeModules,
    setup: (agent, cwd, model) => agentSetup({ agent, cwd, model, models, launchConfig, config }),
  });
}

/** The model proxy's URL and key once it listens (its url getter throws before), for the agents' files. */
function proxyTarget(models: ModelService): { proxyUrl: string; localKey: string } | undefined {
  try {
    return { proxyUrl: models.proxy.url, localKey: models.proxy.localKey };
  } catch {
    return undefined;
  }
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
    if (agent.id === "shell" || agent.command === "") return { ...base, available: true };
    const found = this.locate(agent);
    if (!found) {
      const bundled = BUILTIN_AGENTS.some((b) => b.id === agent.id && b.command === agent.command);
      const hint = bundled ? " (an optional dependency: run `npm install` without --omit=optional)" : "";
      return { ...base, available: false, reason: `"${agent.command}" is not installed${hint}: not found in node_modules or PATH` };
    }
    return { ...base, available: true, source: found.source, ...(found.version ? { version: found.version } : {}) };
  }

  /** Prepares an agent's tab (see AgentCatalogueOptions.setup); the plain shell needs nothing. */
  async prepare(agent: AgentSpec, cwd: string, model: string | undefined): Promise<AgentSetup> {
    if (agent.id === "shell" || agent.command === "" || !this.options.setup) {
      return model === undefined ? { ok: true, launch: undefined, model: undefined } : { ok: false, status: 400, message: `${agent.label} has no model choice.` };
    }
    return this.options.setup(agent, cwd, model);
  }

  /**
   * How to start an agent: the shell itself, or the shell running the agent and then staying as an
   * interactive login shell, so the tab returns to a prompt when the agent exits.
   */
  launch(agent: AgentSpec, cwd: string, env: Readonly<Record<string, string>>, extra?: AgentLaunchExtra): Launch {
    const { shell } = this.options;
    const merged = { ...env, ...agent.env, ...extra?.env };
    // A login shell reads the profile, which may set PATH anew (Debian's /etc/profile does): the gateway's
    // folders go back in front, then the shell the tab shows takes over, interactive, with the profile's environment.
    // Another kind of shell (fish, say) speaks no POSIX: it starts as a plain login shell.
    const posix = POSIX_SHELLS.test(path.basename(shell));
    const prompt = posix ? `${this.restorePath()}exec ${shellQuote(shell)}` : `exec ${shellQuote(shell)} -l`;
    if (agent.id === "shell" || agent.command === "") {
      return { file: shell, args: posix ? ["-l", "-c", prompt] : ["-l"], env: merged, cwd };
    }
    const command = this.locate(agent)?.path ?? agent.command;
    // `trap : INT` keeps the shell alive when Ctrl-C ends the agent; a handled trap is not inherited.
    const argv = [command, ...(extra?.args ?? []), ...agent.args];
    const assignments = Object.entries(extra?.commandEnv ?? {}).map(([name, value]) => `${name}=${shellQuote(value)} `);
    const script = `trap : INT; ${assignments.join("")}${argv.map(shellQuote).join(" ")}; trap - INT; ${prompt}`;
    return { file: shell, args: ["-l", "-c", script], env: merged, cwd };
  }

  /** Shell code that puts `pathFirst` at the front of PATH unless it is there already. */
  private restorePath(): string {
    const first = (this.options.pathFirst ?? []).join(":");
    if (!first) return "";
    const quoted = shellQuote(first);
    return `case "$PATH" in ${quoted}|${quoted}:*) ;; *) PATH=${quoted}:"$PATH"; export PATH ;; esac; `;
  }

  /** A built-in agent's bundled CLI first (unless the catalogue changed its command), then the search path. */
  private locate(agent: AgentSpec): { path: string; version?: string; source: "bundled" | "path" } | undefined {
    const builtin = BUILTIN_AGENTS.find((b) => b.id === agent.id);
    if (builtin && builtin.command === agent.command) {
      const bundled = findBundledCli(this.options.nodeModules, agent.id);
      if (bundled) return { path: bundled.path, version: bundled.version, source: "bundled" };
    }
    const resolved = this.resolve(agent.command);
    return resolved ? { path: resolved, source: "path" } : undefined;
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
