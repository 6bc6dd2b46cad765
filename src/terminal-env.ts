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
  env.PATH ??= "/usr/local/bin:/usr/bin:/bin";
  env.LANG ??= "C.UTF-8";
  env.TERM = "xterm-256color";
  env.COLORTERM = "truecolor";
  env.TERM_PROGRAM = "agent-terminal-gateway";
  return { ...env, ...extra };
}
