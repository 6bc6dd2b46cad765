import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig } from "../../src/config.js";

const base = { HOME: "/home/u" };

function configError(env: Record<string, string>, file?: { path: string; text: string }): ConfigError {
  try {
    loadConfig({ ...base, ...env }, file);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("defaults to local mode on 127.0.0.1:8000 with paths under HOME", () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 8000,
      host: "127.0.0.1",
      appMode: false,
      projectsDir: "/home/u/projects",
      stateDir: "/home/u/.local/state/agent-terminal-gateway",
      uploadsDir: "/home/u/uploads",
      sessionLingerMinutes: 1440,
      limits: { maxSessions: 10 },
      token: { rotationIntervalSeconds: 600, lifetimeSeconds: 900 },
      ide: { idleMinutes: 30 },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it("takes DATABRICKS_APP_PORT over PORT and binds every interface in an App", () => {
    const config = loadConfig({ ...base, DATABRICKS_APP_PORT: "8080", PORT: "9000", DATABRICKS_APP_NAME: "gw" });
    expect(config).toMatchObject({ port: 8080, host: "0.0.0.0", appMode: true });
    expect(loadConfig({ ...base, PORT: "9000" }).port).toBe(9000);
  });

  it("lets BIND_HOST override, but not to a public address in local mode", () => {
    expect(loadConfig({ ...base, BIND_HOST: "127.0.0.2" }).host).toBe("127.0.0.2");
    expect(loadConfig({ ...base, BIND_HOST: "0.0.0.0", APP_OWNER: "a@b.co" }).host).toBe("0.0.0.0");
    expect(configError({ BIND_HOST: "0.0.0.0" }).setting).toBe("BIND_HOST");
  });

  it("names the setting of every invalid value", () => {
    expect(configError({ PORT: "eighty" }).setting).toBe("PORT");
    expect(configError({ PORT: "70000" }).setting).toBe("PORT");
    expect(configError({ DATABRICKS_APP_PORT: "-1" }).setting).toBe("DATABRICKS_APP_PORT");
    expect(configError({ PROJECTS_DIR: "relative/dir" }).setting).toBe("PROJECTS_DIR");
    expect(configError({ LOG_LEVEL: "loud" }).setting).toBe("LOG_LEVEL");
    expect(configError({ APP_OWNER: "not an email" }).setting).toBe("APP_OWNER");
    expect(configError({ MODEL_AUTH: "magic" }).setting).toBe("MODEL_AUTH");
    expect(configError({ SESSION_LINGER_MINUTES: "0" }).setting).toBe("SESSION_LINGER_MINUTES");
    expect(configError({ TOKEN_ROTATION_INTERVAL_SECONDS: "900", TOKEN_LIFETIME_SECONDS: "600" }).setting).toBe(
      "TOKEN_LIFETIME_SECONDS",
    );
    expect(configError({ PORT: "eighty" }).message).toContain('"eighty"');
  });

  it("expands ~ and adds a scheme to a bare DATABRICKS_HOST", () => {
    const config = loadConfig({ ...base, PROJECTS_DIR: "~/work", DATABRICKS_HOST: "adb-1.azuredatabricks.net/" });
    expect(config.projectsDir).toBe("/home/u/work");
    expect(config.databricks.host).toBe("https://adb-1.azuredatabricks.net");
  });

  it("reads agents and limits from the YAML file", () => {
    const config = loadConfig(base, {
      path: "gateway.yaml",
      text: "agents:\n  - id: aider\n    command: aider\n    args: [--no-git]\n    env: { AIDER_X: '1' }\nlimits:\n  maxSessions: 3\n",
    });
    expect(config.agents).toEqual([{ id: "aider", label: "aider", command: "aider", args: ["--no-git"], env: { AIDER_X: "1" } }]);
    expect(config.limits.maxSessions).toBe(3);
    expect(config.limits.maxUploadBytes).toBe(20 * 1024 * 1024);
  });

  it("refuses a YAML file that is invalid, mistyped, or has unknown keys, naming where", () => {
    const file = (text: string) => ({ path: "g.yaml", text });
    expect(configError({}, file("agents: [")).setting).toContain("GATEWAY_CONFIG");
    expect(configError({}, file("limits:\n  maxSessions: lots\n")).setting).toBe("g.yaml: limits.maxSessions");
    expect(configError({}, file("agents:\n  - id: Bad Id\n    command: x\n")).setting).toBe("g.yaml: agents.0.id");
    expect(configError({}, file("agentz: []\n")).setting).toBe("g.yaml: (top level)");
    expect(configError({}, file("agents:\n  - {id: a, command: x}\n  - {id: a, command: y}\n")).message).toContain("duplicate");
  });

  it("redacts secrets for logging", () => {
    const config = loadConfig({ ...base, DATABRICKS_TOKEN: "dapi-secret", DATABRICKS_CLIENT_SECRET: "sp-secret" });
    const text = JSON.stringify(redactConfig(config));
    expect(text).not.toContain("dapi-secret");
    expect(text).not.toContain("sp-secret");
    expect(text).toContain("[redacted]");
  });

  it("reads the memory headroom and the code-server release URL, and rejects bad ones", () => {
    expect(loadConfig(base)).toMatchObject({ memoryHeadroomMb: 512, ide: { releaseBaseUrl: "https://github.com/coder/code-server/releases/download" } });
    expect(loadConfig({ ...base, MEMORY_HEADROOM_MB: "0", CODE_SERVER_RELEASE_URL: "http://mirror.local/cs/" })).toMatchObject({
      memoryHeadroomMb: 0,
      ide: { releaseBaseUrl: "http://mirror.local/cs" },
    });
    expect(configError({ MEMORY_HEADROOM_MB: "-1" }).setting).toBe("MEMORY_HEADROOM_MB");
    expect(configError({ CODE_SERVER_RELEASE_URL: "file:///etc" }).message).toBe("CODE_SERVER_RELEASE_URL: must be an http:// or https:// URL");
  });
});
