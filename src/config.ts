import { homedir } from "node:os";
import path from "node:path";
import { ConfigError } from "./config/config-error.js";
import { parseFile, type ConfigFile } from "./config/config-file.js";
import { absolute, httpUrl, integer, nonEmpty, normalizeHost, oneOf, type Env } from "./config/env-values.js";
import { mcpSettings } from "./config/mcp-settings.js";
import { DEFAULT_RELEASE_BASE_URL } from "./ide/release-archive.js";
import type { McpSettings } from "./mcp/servers.js";

export { ConfigError } from "./config/config-error.js";
export type { ConfigFile } from "./config/config-file.js";

/** The product's name: the state directory and log lines carry it. */
export const PRODUCT = "agent-terminal-gateway";

/** An agent the gateway can start in a terminal tab. */
export interface AgentSpec {
  readonly id: string;
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** Limits that protect the gateway and the browser; the YAML file may change them. */
export interface Limits {
  readonly maxSessions: number;
  /** Largest WebSocket frame a client may send, in bytes. */
  readonly maxFrameBytes: number;
  /** Largest upload, in bytes. */
  readonly maxUploadBytes: number;
  /** Raw output kept per session for screen restore, in bytes. */
  readonly scrollbackBytes: number;
  /** Lines of scrollback rebuilt on attach. */
  readonly scrollbackLines: number;
}

/** Every setting of the gateway, read in one place and frozen. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** True when running as a Databricks App or with APP_OWNER: the owner check is on. */
  readonly appMode: boolean;
  readonly home: string;
  readonly projectsDir: string;
  readonly stateDir: string;
  readonly uploadsDir: string;
  readonly configFile: string | undefined;
  readonly logLevel: string;
  /** GATEWAY_ECHO_TRACE: a file for the keystroke timeline (src/sessions/echo-trace.ts); a bench diagnostic. */
  readonly echoTraceFile: string | undefined;
  readonly sessionLingerMinutes: number;
  /** MEMORY_HEADROOM_MB: memory kept free; a session or IDE start that would leave less is refused (503). */
  readonly memoryHeadroomMb: number;
  readonly agents: readonly AgentSpec[];
  readonly limits: Limits;
  readonly databricks: {
    readonly appName: string | undefined;
    readonly appOwner: string | undefined;
    readonly host: string | undefined;
    readonly workspaceId: string | undefined;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    readonly token: string | undefined;
    readonly gatewayHost: string | undefined;
    readonly modelAuth: "pat" | "app";
  };
  /** ANTHROPIC_MODEL, CODEX_MODEL, GEMINI_MODEL: when set, they win over the models discovered per workspace. */
  readonly models: { readonly anthropic?: string; readonly codex?: string; readonly gemini?: string };
  readonly token: { readonly rotationIntervalSeconds: number; readonly lifetimeSeconds: number };
  readonly ide: {
    readonly idleMinutes: number;
    readonly codeServerBin: string | undefined;
    /** CODE_SERVER_RELEASE_URL: where "Install" downloads code-server's release archive (<url>/v<version>/<archive>). */
    readonly releaseBaseUrl: string;
  };
  /**
   * Local mode's key (issue 14): `required` unless GATEWAY_AUTH=none; `token` is GATEWAY_TOKEN's fixed key, else
   * undefined and the server draws a fresh one per start. App mode ignores both (the Apps proxy authenticates).
   */
  readonly localAuth: { readonly required: boolean; readonly token: string | undefined };
  /** History, work in progress and agent memory kept in the workspace (README "Restore after a redeploy"). */
  readonly backup: { readonly enabled: boolean; readonly intervalSeconds: number; readonly homeMaxBytes: number };
  /** The Databricks MCP servers every MCP-speaking agent gets through the loopback MCP proxy. */
  readonly mcp: McpSettings;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxSessions: 10,
  maxFrameBytes: 1024 * 1024,
  maxUploadBytes: 20 * 1024 * 1024,
  scrollbackBytes: 4 * 1024 * 1024,
  scrollbackLines: 10_000,
});

/**
 * Reads every setting from the environment and the optional YAML file; pure, so tests pass plain objects.
 * Throws ConfigError naming the first invalid setting.
 */
export function loadConfig(env: Env, file?: ConfigFile): Config {
  const home = nonEmpty(env.HOME) ?? homedir();
  const appName = nonEmpty(env.DATABRICKS_APP_NAME);
  const appOwner = nonEmpty(env.APP_OWNER);
  if (appOwner !== undefined && !/^[^\s@,]+@[^\s@,]+$/.test(appOwner)) {
    throw new ConfigError("APP_OWNER", `expected an email address, got "${appOwner}"`);
  }
  const appMode = appName !== undefined || appOwner !== undefined;
  const appPort = env.DATABRICKS_APP_PORT;
  const port =
    appPort !== undefined && appPort !== ""
      ? integer(env, "DATABRICKS_APP_PORT", 0, 65535)
      : nonEmpty(env.PORT) !== undefined
        ? integer(env, "PORT", 0, 65535)
        : 8000;
  const host = nonEmpty(env.BIND_HOST) ?? (appPort ? "0.0.0.0" : "127.0.0.1");
  if (!appMode && !isLoopback(host)) {
    throw new ConfigError(
      "BIND_HOST",
      `local mode (neither DATABRICKS_APP_NAME nor APP_OWNER set) listens on loopback only, not on ${host}`,
    );
  }
  const parsed = file ? parseFile(file) : { agents: [], limits: {}, mcp: {} };
  const modelAuth = nonEmpty(env.MODEL_AUTH) ?? "pat";
  if (modelAuth !== "pat" && modelAuth !== "app") {
    throw new ConfigError("MODEL_AUTH", `expected "pat" or "app", got "${modelAuth}"`);
  }
  const rotationIntervalSeconds = integer(env, "TOKEN_ROTATION_INTERVAL_SECONDS", 1, 86_400, 600);
  const lifetimeSeconds = integer(env, "TOKEN_LIFETIME_SECONDS", 2, 7 * 86_400, 900);
  if (lifetimeSeconds <= rotationIntervalSeconds) {
    throw new ConfigError(
      "TOKEN_LIFETIME_SECONDS",
      `must be longer than TOKEN_ROTATION_INTERVAL_SECONDS (${rotationIntervalSeconds}), got ${lifetimeSeconds}`,
    );
  }
  return deepFreeze({
    port,
    host,
    appMode,
    home,
    projectsDir: absolute(env, "PROJECTS_DIR", home, path.join(home, "projects")),
    stateDir: absolute(env, "STATE_DIR", home, path.join(home, ".local", "state", PRODUCT)),
    uploadsDir: path.join(home, "uploads"),
    configFile: file?.path,
    logLevel: oneOf(env, "LOG_LEVEL", ["trace", "debug", "info", "warn", "error", "fatal", "silent"], "info"),
    echoTraceFile: nonEmpty(env.GATEWAY_ECHO_TRACE),
    sessionLingerMinutes: integer(env, "SESSION_LINGER_MINUTES", 1, 525_600, 1440),
    memoryHeadroomMb: integer(env, "MEMORY_HEADROOM_MB", 0, 1_048_576, 512),
    agents: parsed.agents.map((a) => ({ ...a, label: a.label ?? a.id })),
    limits: { ...DEFAULT_LIMITS, ...parsed.limits },
    databricks: {
      appName,
      appOwner,
      host: normalizeHost(nonEmpty(env.DATABRICKS_HOST)),
      workspaceId: nonEmpty(env.DATABRICKS_WORKSPACE_ID),
      clientId: nonEmpty(env.DATABRICKS_CLIENT_ID),
      clientSecret: nonEmpty(env.DATABRICKS_CLIENT_SECRET),
      token: nonEmpty(env.DATABRICKS_TOKEN),
      gatewayHost: normalizeHost(nonEmpty(env.DATABRICKS_GATEWAY_HOST)),
      modelAuth,
    },
    models: {
      anthropic: nonEmpty(env.ANTHROPIC_MODEL),
      codex: nonEmpty(env.CODEX_MODEL),
      gemini: nonEmpty(env.GEMINI_MODEL),
    },
    token: { rotationIntervalSeconds, lifetimeSeconds },
    ide: {
      idleMinutes: integer(env, "IDE_IDLE_MINUTES", 1, 10_080, 30),
      codeServerBin: nonEmpty(env.CODE_SERVER_BIN),
      releaseBaseUrl: httpUrl(env, "CODE_SERVER_RELEASE_URL", DEFAULT_RELEASE_BASE_URL),
    },
    localAuth: localAuth(env),
    backup: {
      enabled: oneOf(env, "BACKUP", ["on", "off"], "on") === "on",
      intervalSeconds: integer(env, "BACKUP_INTERVAL_SECONDS", 5, 86_400, 120),
      homeMaxBytes: integer(env, "BACKUP_HOME_MAX_BYTES", 0, 100 * 1024 * 1024 * 1024, 200 * 1024 * 1024),
    },
    mcp: mcpSettings(env, parsed.mcp),
  });
}

/** The config with secrets replaced, for logging. */
export function redactConfig(config: Config): unknown {
  const { databricks } = config;
  return {
    ...config,
    databricks: {
      ...databricks,
      clientSecret: databricks.clientSecret ? "[redacted]" : undefined,
      token: databricks.token ? "[redacted]" : undefined,
    },
    localAuth: { ...config.localAuth, token: config.localAuth.token ? "[redacted]" : undefined },
  };
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** GATEWAY_AUTH (token, the default, or none) and GATEWAY_TOKEN (a fixed key: URL-safe, at least 16 characters). */
function localAuth(env: Env): Config["localAuth"] {
  const mode = oneOf(env, "GATEWAY_AUTH", ["token", "none"], "token");
  const token = nonEmpty(env.GATEWAY_TOKEN);
  if (token !== undefined && !/^[A-Za-z0-9._~-]{16,256}$/.test(token)) {
    // The value is a secret: the message never repeats it.
    throw new ConfigError("GATEWAY_TOKEN", "expected 16 to 256 characters of A-Z a-z 0-9 . _ ~ -");
  }
  return { required: mode === "token", token };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
