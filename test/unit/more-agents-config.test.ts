import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentSettings } from "../../src/agents/agent-settings.js";
import { writeCopilotConfig } from "../../src/agents/copilot-config.js";
import { MCP_WRITERS } from "../../src/agents/mcp-registration.js";
import { writeOpencodeConfig } from "../../src/agents/opencode-config.js";
import { writePiConfig } from "../../src/agents/pi-config.js";

const KEY = "a".repeat(64);

describe("the gateway-own configuration of OpenCode, Pi and Copilot CLI", () => {
  let root: string;
  const settings = (id: string): AgentSettings => ({
    home: path.join(root, "home"),
    dir: path.join(root, "state", "agents", id),
    proxyUrl: "http://127.0.0.1:4100",
    localKey: KEY,
    models: { anthropic: "claude-x", codex: "gpt-x", gemini: "gemini-x" },
    mcp: [{ name: "databricks-sql", url: "http://127.0.0.1:4200/mcp/databricks-sql" }],
    trusted: ["/p", "/p/app"],
  });
  const json = (file: string) => JSON.parse(readFileSync(file, "utf8"));

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "more-agents-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("OpenCode: providers on the proxy, MCP remote servers, the owner's additions kept, 0600", () => {
    const s = settings("opencode");
    const file = path.join(s.dir, "config", "opencode", "opencode.json");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ mcp: { mine: { type: "local", command: ["x"] } }, provider: { mine: { npm: "x" } }, autoupdate: true }));
    const extras = writeOpencodeConfig(s);
    expect(extras.env).toMatchObject({ XDG_CONFIG_HOME: path.join(s.dir, "config"), OPENCODE_DISABLE_AUTOUPDATE: "true", npm_config_offline: "true" });
    const config = json(file);
    expect(config.autoupdate).toBe(false);
    expect(config.model).toBe("databricks-claude/claude-x");
    expect(Object.keys(config.provider).sort()).toEqual(["databricks-claude", "databricks-gemini", "databricks-openai", "mine"]);
    expect(config.provider["databricks-claude"].options).toEqual({ baseURL: "http://127.0.0.1:4100/anthropic/v1", apiKey: KEY });
    expect(config.provider["databricks-openai"].options.baseURL).toBe("http://127.0.0.1:4100/openai");
    expect(config.provider["databricks-gemini"].options.baseURL).toBe("http://127.0.0.1:4100/gemini/v1beta");
    expect(config.mcp.mine).toEqual({ type: "local", command: ["x"] });
    expect(config.mcp["databricks-sql"]).toMatchObject({ type: "remote", url: s.mcp[0]!.url, headers: { Authorization: `Bearer ${KEY}` } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("Pi: models.json providers and settings.json defaults; other providers and settings kept", () => {
    const s = settings("pi");
    mkdirSync(s.dir, { recursive: true });
    writeFileSync(path.join(s.dir, "models.json"), JSON.stringify({ providers: { ollama: { baseUrl: "http://localhost:11434/v1" } } }));
    writeFileSync(path.join(s.dir, "settings.json"), JSON.stringify({ theme: "light" }));
    expect(writePiConfig(s).env).toEqual({ PI_CODING_AGENT_DIR: s.dir, PI_OFFLINE: "1", PI_SKIP_VERSION_CHECK: "1", PI_TELEMETRY: "0" });
    const models = json(path.join(s.dir, "models.json"));
    expect(Object.keys(models.providers).sort()).toEqual(["databricks-claude", "databricks-gemini", "databricks-openai", "ollama"]);
    expect(models.providers["databricks-claude"]).toMatchObject({
      baseUrl: "http://127.0.0.1:4100/anthropic",
      api: "anthropic-messages",
      apiKey: KEY,
      authHeader: true,
      models: [{ id: "claude-x", compat: { supportsEagerToolInputStreaming: false } }],
    });
    expect(json(path.join(s.dir, "settings.json"))).toEqual({
      theme: "light",
      defaultProvider: "databricks-claude",
      defaultModel: "claude-x",
      enableInstallTelemetry: false,
    });
  });

  it("Copilot CLI: offline, the Anthropic route with the local key, trusted folders merged, MCP by flag", () => {
    const s = settings("copilot");
    mkdirSync(s.dir, { recursive: true });
    writeFileSync(path.join(s.dir, "config.json"), JSON.stringify({ trusted_folders: ["/mine"], theme: "dark" }));
    const extras = writeCopilotConfig(s);
    expect(extras.env).toMatchObject({
      COPILOT_HOME: s.dir,
      COPILOT_OFFLINE: "true",
      COPILOT_PROVIDER_TYPE: "anthropic",
      COPILOT_PROVIDER_BASE_URL: "http://127.0.0.1:4100/anthropic",
      COPILOT_PROVIDER_BEARER_TOKEN: KEY,
      COPILOT_MODEL: "claude-x",
    });
    expect(json(path.join(s.dir, "config.json"))).toMatchObject({ trusted_folders: ["/mine", "/p", "/p/app"], theme: "dark" });
    const mcpFile = path.join(s.dir, "gateway-mcp.json");
    expect(extras.args).toEqual(["--additional-mcp-config", `@${mcpFile}`]);
    expect(json(mcpFile).mcpServers["databricks-sql"]).toMatchObject({ type: "http", url: s.mcp[0]!.url });
  });

  it("the first three agents: MCP by a flag of their own, Gemini's servers beside the owner's", () => {
    const claude = settings("claude");
    expect(MCP_WRITERS.claude!(claude).args).toEqual(["--mcp-config", path.join(claude.dir, "mcp.json")]);
    expect(MCP_WRITERS.codex!(settings("codex")).args).toEqual([
      "-c",
      'mcp_servers.databricks-sql.url="http://127.0.0.1:4200/mcp/databricks-sql"',
      "-c",
      'mcp_servers.databricks-sql.bearer_token_env_var="OPENAI_API_KEY"',
    ]);
    const gemini = settings("gemini");
    const file = path.join(gemini.dir, "home", ".gemini", "settings.json");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ mcpServers: { mine: { command: "x" } }, model: { name: "m" } }));
    MCP_WRITERS.gemini!(gemini);
    expect(json(file)).toEqual({
      mcpServers: { mine: { command: "x" }, "databricks-sql": { httpUrl: gemini.mcp[0]!.url, headers: { Authorization: `Bearer ${KEY}` } } },
      model: { name: "m" },
    });
    // No servers: nothing is added.
    expect(MCP_WRITERS.claude!({ ...claude, mcp: [] })).toEqual({});
    expect(MCP_WRITERS.codex!({ ...claude, mcp: [] })).toEqual({ args: [] });
  });
});

describe("a tab's model (the page's picker) picks the provider by family", () => {
  it("wireOf: Claude on Messages, GPT on Responses, Gemini on Gemini, system.ai names too", async () => {
    const { wireOf } = await import("../../src/agents/agent-settings.js");
    expect(wireOf("system.ai.claude-sonnet-4-6")).toBe("anthropic");
    expect(wireOf("databricks-claude-opus-4-7")).toBe("anthropic");
    expect(wireOf("system.ai.gpt-5-5")).toBe("openai");
    expect(wireOf("databricks-gpt-5")).toBe("openai");
    expect(wireOf("system.ai.gemini-2-5-pro")).toBe("gemini");
    expect(wireOf("databricks-gemini-2-5-flash")).toBe("gemini");
  });

  it("OpenCode, Pi and Copilot start with the tab's model on its own route", () => {
    const root = mkdtempSync(path.join(tmpdir(), "tab-model-"));
    try {
      const base = (id: string, model: string): AgentSettings => ({
        home: root,
        dir: path.join(root, id),
        proxyUrl: "http://127.0.0.1:4100",
        localKey: KEY,
        models: { anthropic: "claude-x", codex: "gpt-x", gemini: "gemini-x" },
        model,
        mcp: [],
        trusted: [],
      });
      writeOpencodeConfig(base("opencode", "system.ai.gpt-5-5"));
      const oc = JSON.parse(readFileSync(path.join(root, "opencode", "config", "opencode", "opencode.json"), "utf8"));
      expect(oc.model).toBe("databricks-openai/system.ai.gpt-5-5");
      expect(Object.keys(oc.provider["databricks-openai"].models)).toEqual(["system.ai.gpt-5-5"]);
      writePiConfig(base("pi", "system.ai.gemini-2-5-pro"));
      expect(JSON.parse(readFileSync(path.join(root, "pi", "settings.json"), "utf8"))).toMatchObject({
        defaultProvider: "databricks-gemini",
        defaultModel: "system.ai.gemini-2-5-pro",
      });
      expect(writeCopilotConfig(base("copilot", "system.ai.gpt-5-5")).env).toMatchObject({
        COPILOT_PROVIDER_TYPE: "openai",
        COPILOT_PROVIDER_BASE_URL: "http://127.0.0.1:4100/openai",
        COPILOT_PROVIDER_WIRE_API: "responses",
        COPILOT_MODEL: "system.ai.gpt-5-5",
      });
      // Copilot speaks no Gemini: it keeps the Claude model.
      expect(writeCopilotConfig(base("copilot", "system.ai.gemini-2-5-pro")).env).toMatchObject({ COPILOT_PROVIDER_TYPE: "anthropic", COPILOT_MODEL: "claude-x" });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
