import { userInfo } from "node:os";
import path from "node:path";
import { bundledBinDirs } from "./agents/bundled-clis.js";

/** PATH when the gateway's own environment has none. */
export const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/**
 * The environment a terminal starts with: an allowlist of the gateway's own variables, so the app's client
 * secret and any other credential of the gateway never reach a shell or an agent.
 */
const ALLOWED = new Set([
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "PATH",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TMPDIR",
  "EDITOR",
  "VISUAL",
  "PAGER",
  "HOSTNAME",
  "DATABRICKS_HOST",
  "DATABRICKS_WORKSPACE_ID",
  "DATABRICKS_APP_NAME",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "XDG_RUNTIME_DIR",
]);
const ALLOWED_PREFIXES = ["LC_"];

/** Builds a terminal's environment from the gateway's: allowlisted variables, terminal settings, then extras. */
export function terminalEnv(
  base: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (ALLOWED.has(name) || ALLOWED_PREFIXES.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  env.LANG ??= "C.UTF-8";
  env.TERM = "xterm-256color";
  env.COLORTERM = "truecolor";
  env.TERM_PROGRAM = "agent-terminal-gateway";
  return { ...env, ...extra };
}

/** Where terminals, agents and code-server look for programs, and the environment they start with. */
export interface TerminalSetup {
  /** The user's login shell: $SHELL, else the passwd entry, else /bin/bash. */
  readonly shell: string;
  /** The gateway's own PATH (or DEFAULT_PATH): what git and the sync run with. */
  readonly userPath: string;
  /** node_modules/.bin, then the user's PATH: where agent commands are looked up. */
  readonly searchPath: readonly string[];
  /** Put before the user's PATH in a terminal: node_modules/.bin and the bundled CLIs' own bin folders. */
  readonly pathFirst: readonly string[];
  /** The gateway's node_modules folder. */
  readonly nodeModules: string;
  /** The allowlisted environment every terminal (and code-server) starts with. */
  readonly env: Record<string, string>;
}

/** The terminal environment for a gateway installed at `root` and started with the environment `base`. */
export function terminalSetup(base: Readonly<Record<string, string | undefined>>, root: string): TerminalSetup {
  const shell = loginShell(base);
  const nodeModules = path.join(root, "node_modules");
  const binDir = path.join(nodeModules, ".bin");
  const userPath = base.PATH ?? DEFAULT_PATH;
  const searchPath = [binDir, ...userPath.split(":").filter(Boolean)];
  const pathFirst = [binDir, ...bundledBinDirs(nodeModules)];
  const env = terminalEnv(base, {
    SHELL: shell,
    PATH: [...pathFirst, userPath].join(":"),
    // Gemini started from a shell tab: its relaunch wrapper would otherwise outlive the tab.
    GEMINI_CLI_NO_RELAUNCH: "true",
  });
  return { shell, userPath, searchPath, pathFirst, nodeModules, env };
}

function loginShell(env: Readonly<Record<string, string | undefined>>): string {
  if (env.SHELL) return env.SHELL;
  try {
    return userInfo().shell || "/bin/bash";
  } catch {
    return "/bin/bash";
  }
}
