import { homedir } from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { DEFAULT_RELEASE_BASE_URL } from "./ide/release-archive.js";
import { MCP_NAME_PART, type McpSettings, type SchemaRef } from "./mcp/servers.js";

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

/** An invalid setting: names the setting; main.ts prints it and exits with code 2. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = "ConfigError";
  }
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxSessions: 10,
  maxFrameBytes: 1024 * 1024,
  maxUploadBytes: 20 * 1024 * 1024,
  scrollbackBytes: 4 * 1024 * 1024,
  scrollbackLines: 10_000,
});

const agentSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "lower-case letters, digits, - and _, at most 32"),
  label: z.string().min(1).max(64).optional(),
  command: z.string().min(1).max(4096),
  args: z.array(z.string().max(4096)).max(64).default([]),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(65536)).default({}),
});

const namePart = z.string().regex(MCP_NAME_PART, "letters, digits, - and _");
const schemaRef = z.strictObject({ catalog: namePart, schema: namePart });
const mcpSchema = z
  .strictObject({
    sql: z.boolean().optional(),
    functions: z.array(schemaRef).max(32).optional(),
    vectorSearch: z.array(schemaRef).max(32).optional(),
    genie: z.array(namePart).max(32).optional(),
  })
  .default({});

const fileSchema = z.strictObject({
  agents: z.array(agentSchema).max(64).default([]),
  mcp: mcpSchema,
  limits: z
    .strictObject({
      maxSessions: z.number().int().min(1).max(1000),
      maxFrameBytes: z.number().int().min(1024).max(64 * 1024 * 1024),
      maxUploadBytes: z.number().int().min(1).max(1024 * 1024 * 1024),
      scrollbackBytes: z.number().int().min(0).max(256 * 1024 * 1024),
      scrollbackLines: z.number().int().min(0).max(1_000_000),
    })
    .partial()
    .default({}),
});

type Env = Readonly<Record<string, string | undefined>>;

/** A named file the YAML catalogue was read from, or nothing. */
export interface ConfigFile {
  readonly path: string;
  readonly text: string;
}

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

/**
 * The MCP servers: the YAML file's `mcp:` block, where the environment wins when set: DATABRICKS_MCP_SQL
 * (true/false), DATABRICKS_MCP_FUNCTIONS and DATABRICKS_MCP_VECTOR_SEARCH (comma-separated catalog.schema),
 * DATABRICKS_MCP_GENIE (comma-separated space ids).
 */
function mcpSettings(env: Env, file: z.output<typeof mcpSchema>): McpSettings {
  const sqlRaw = nonEmpty(env.DATABRICKS_MCP_SQL);
  if (sqlRaw !== undefined && !/^(true|false|1|0)$/i.test(sqlRaw)) {
    throw new ConfigError("DATABRICKS_MCP_SQL", `expected true or false, got "${sqlRaw}"`);
  }
  const list = (name: string) => nonEmpty(env[name])?.split(",").map((item) => item.trim()).filter(Boolean);
  const part = (name: string, value: string) => {
    if (!MCP_NAME_PART.test(value)) throw new ConfigError(name, `"${value}" may hold only letters, digits, - and _`);
    return value;
  };
  const schemas = (name: string): SchemaRef[] | undefined =>
    list(name)?.map((item) => {
      const [catalog = "", schema = "", ...rest] = item.split(".");
      if (rest.length > 0 || !schema) throw new ConfigError(name, `expected catalog.schema, got "${item}"`);
      return { catalog: part(name, catalog), schema: part(name, schema) };
    });
  return {
    sql: sqlRaw !== undefined ? /^(true|1)$/i.test(sqlRaw) : (file.sql ?? true),
    functions: schemas("DATABRICKS_MCP_FUNCTIONS") ?? file.functions ?? [],
    vectorSearch: schemas("DATABRICKS_MCP_VECTOR_SEARCH") ?? file.vectorSearch ?? [],
    genie: list("DATABRICKS_MCP_GENIE")?.map((id) => part("DATABRICKS_MCP_GENIE", id)) ?? file.genie ?? [],
  };
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

function parseFile(file: ConfigFile): z.output<typeof fileSchema> {
  let data: unknown;
  try {
    data = parseYaml(file.text, { maxAliasCount: 100, logLevel: "error" }) ?? {};
  } catch (error) {
    throw new ConfigError(`GATEWAY_CONFIG (${file.path})`, `not valid YAML: ${(error as Error).message}`);
  }
  const result = fileSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    throw new ConfigError(`${file.path}: ${where}`, issue.message);
  }
  const ids = new Set<string>();
  for (const agent of result.data.agents) {
    if (ids.has(agent.id)) throw new ConfigError(`${file.path}: agents`, `duplicate id "${agent.id}"`);
    ids.add(agent.id);
  }
  return result.data;
}

function httpUrl(env: Env, name: string, fallback: string): string {
  const value = nonEmpty(env[name]);
  if (value === undefined) return fallback;
  if (!/^https?:\/\/[^\s/]+/.test(value)) throw new ConfigError(name, "must be an http:// or https:// URL");
  return value.replace(/\/+$/, "");
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function integer(env: Env, name: string, min: number, max: number, fallback?: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) {
    if (fallback === undefined) throw new ConfigError(name, "is required");
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${values.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

function absolute(env: Env, name: string, home: string, fallback: string): string {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const expanded = raw === "~" ? home : raw.startsWith("~/") ? path.join(home, raw.slice(2)) : raw;
  if (!path.isAbsolute(expanded)) throw new ConfigError(name, `expected an absolute path, got "${raw}"`);
  return path.resolve(expanded);
}

/** DATABRICKS_HOST may come without a scheme inside an App; the SDK and fetch want one. */
function normalizeHost(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const withScheme = /^https?:\/\//i.test(host) ? host : `https://${host}`;
  return withScheme.replace(/\/+$/, "");
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
