import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { parse } from "smol-toml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliConfig } from "../../src/agents/cli-config.js";
import type { CliLaunch } from "../../src/agents/cli-settings.js";
import { agentDataDirs, agentHomes } from "../../src/agents/homes.js";
import { chooseAgentModels } from "../../src/models/families.js";

const models = chooseAgentModels([
  "system.ai.claude-opus-4-7",
  "system.ai.claude-sonnet-4-6",
  "system.ai.claude-haiku-4-5",
  "system.ai.gpt-5-5",
  "system.ai.gemini-3-1-pro",
  "system.ai.gemini-3-flash",
]);
const proxy = { proxyUrl: "http://127.0.0.1:4321", localKey: "k".repeat(64) };

describe("CliConfig", () => {
  let root: string;
  let state: string;
  let projects: string;
  const homes = () => agentHomes({ stateDir: state });
  const config = () => new CliConfig({ homes: homes(), projectsDir: projects, userAgent: "agent-terminal-gateway/9.9.9", logger: pino({ level: "silent" }) });
  const prepare = (agent: string, model: string, cwd = projects) => config().prepare(agent, { cwd, model, models, ...proxy }) as CliLaunch;
  const read = (file: string) => readFileSync(file, "utf8");
  const json = (file: string) => JSON.parse(read(file));

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "cli-config-"));
    state = path.join(root, "state");
    projects = path.join(root, "projects");
    mkdirSync(projects);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("Claude Code: a settings file and config dir of the gateway's own, the tiers on served models, the tab's model as a flag", () => {
    const { configDir, settingsFile } = homes().claude;
    // What the owner added inside a tab (`claude mcp add -s user`, /config) survives the next start.
    mkdirSync(configDir, { recursive: true });
    writeFileSync(path.join(configDir, ".claude.json"), JSON.stringify({ mcpServers: { mine: { command: "my-mcp" } }, projects: { "/x": { allowedTools: ["a"] } } }));
    writeFileSync(path.join(configDir, "settings.json"), JSON.stringify({ permissions: { allow: ["Bash(ls)"] } }));
    const launch = prepare("claude", "system.ai.claude-sonnet-4-6");
    expect(json(path.join(configDir, ".claude.json"))).toMatchObject({ mcpServers: { mine: { command: "my-mcp" } }, projects: { "/x": { allowedTools: ["a"] } } });
    expect(json(path.join(configDir, "settings.json"))).toEqual({ permissions: { allow: ["Bash(ls)"] } });
    expect(launch).toEqual({ env: { CLAUDE_CONFIG_DIR: configDir }, args: ["--settings", settingsFile, "--model", "system.ai.claude-sonnet-4-6"] });
    expect(settingsFile.startsWith(path.join(state, "agents", "claude") + path.sep)).toBe(true);
    expect(json(settingsFile).env).toMatchObject({
      ANTHROPIC_BASE_URL: "http://127.0.0.1:4321/anthropic",
      ANTHROPIC_AUTH_TOKEN: proxy.localKey,
      ANTHROPIC_MODEL: "system.ai.claude-opus-4-7",
      ANTHROPIC_DEFAULT_OPUS_MODEL: "system.ai.claude-opus-4-7",
      ANTHROPIC_DEFAULT_SONNET_MODEL: "system.ai.claude-sonnet-4-6",
      ANTHROPIC_DEFAULT_HAIKU_MODEL: "system.ai.claude-haiku-4-5",
      ANTHROPIC_CUSTOM_HEADERS: "x-databricks-use-coding-agent-mode: true\nUser-Agent: agent-terminal-gateway/9.9.9",
      DISABLE_AUTOUPDATER: "1",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    });
    expect(json(path.join(configDir, ".claude.json"))).toMatchObject({ hasCompletedOnboarding: true, projects: { [projects]: { hasTrustDialogAccepted: true } } });
    for (const file of [settingsFile, path.join(configDir, ".claude.json")]) expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("Codex: CODEX_HOME of its own, config.toml merged (its own tables and an added MCP server survive), the key in its .env", () => {
    const home = homes().codex.home;
    mkdirSync(home, { recursive: true });
    writeFileSync(
      path.join(home, "config.toml"),
      ['model = "old"', "[tui]", "screen_reader_detection_done = true", "[features]", "daemon_auto_start = true", "[mcp_servers.mine]", 'command = "my-mcp"'].join("\n"),
    );
    const launch = prepare("codex", "system.ai.gpt-5-5", path.join(projects));
    expect(launch).toEqual({ env: { CODEX_HOME: home }, args: ["--model", "system.ai.gpt-5-5"] });
    const text = read(path.join(home, "config.toml"));
    const codex = parse(text) as any;
    expect(codex).toMatchObject({
      model: "system.ai.gpt-5-5",
      model_provider: "databricks",
      model_providers: { databricks: { base_url: "http://127.0.0.1:4321/openai", env_key: "OPENAI_API_KEY", wire_api: "responses" } },
      features: { plugins: false, daemon_auto_start: false },
      tui: { screen_reader_detection_done: true },
      mcp_servers: { mine: { command: "my-mcp" } },
      projects: { [projects]: { trust_level: "trusted" } },
    });
    expect(text.match(/^\[features\]$/gm)).toHaveLength(1);
    expect(read(path.join(home, ".env"))).toBe(`OPENAI_API_KEY=${proxy.localKey}\n`);
  });

  it("Gemini CLI: GEMINI_CLI_HOME of its own, the key and base URL in the tab's environment", () => {
    const home = homes().gemini.home;
    mkdirSync(path.join(home, ".gemini"), { recursive: true });
    writeFileSync(path.join(home, ".gemini", "settings.json"), JSON.stringify({ ui: { theme: "Dracula" }, mcpServers: { mine: { command: "x" } } }));
    const launch = prepare("gemini", "system.ai.gemini-3-1-pro");
    expect(launch.args).toEqual(["--model", "system.ai.gemini-3-1-pro"]);
    expect(launch.env).toEqual({
      GEMINI_CLI_HOME: home,
      GEMINI_API_KEY: proxy.localKey,
      GEMINI_API_KEY_AUTH_MECHANISM: "bearer",
      GOOGLE_GEMINI_BASE_URL: "http://127.0.0.1:4321/gemini",
      GEMINI_MODEL: "system.ai.gemini-3-1-pro",
      GEMINI_CLI_CUSTOM_HEADERS: "User-Agent:agent-terminal-gateway/9.9.9",
    });
    expect(json(path.join(home, ".gemini", "settings.json"))).toMatchObject({
      ui: { theme: "Dracula" },
      mcpServers: { mine: { command: "x" } },
      security: { auth: { selectedType: "gemini-api-key" } },
      general: { enableAutoUpdate: false },
      telemetry: { enabled: false },
    });
  });

  it("survives unreadable files by rewriting them", () => {
    for (const agent of ["claude", "codex", "gemini"]) prepare(agent, "m");
    writeFileSync(path.join(homes().codex.home, "config.toml"), "[[[ not toml");
    writeFileSync(path.join(homes().claude.configDir, ".claude.json"), "{ not json");
    prepare("codex", "m");
    prepare("claude", "m");
    expect((parse(read(path.join(homes().codex.home, "config.toml"))) as any).model).toBe("system.ai.gpt-5-5");
    expect(json(path.join(homes().claude.configDir, ".claude.json")).hasCompletedOnboarding).toBe(true);
    expect(config().prepare("other", { cwd: projects, model: "m", models, ...proxy })).toBeUndefined();
    for (const dir of [homes().claude.configDir, homes().codex.home]) expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("says so when the files cannot be written, instead of a launch that would fall back on the owner's files", () => {
    mkdirSync(path.join(state, "agents"), { recursive: true });
    writeFileSync(path.join(state, "agents", "codex"), "a file where the folder should be");
    const result = config().prepare("codex", { cwd: projects, model: "m", models, ...proxy });
    expect(result).toBeInstanceOf(Error);
  });

  it("agentDataDirs: the gateway's homes with a workspace, the owner's files without", () => {
    const databricks = { host: "https://ws", gatewayHost: undefined } as any;
    expect(agentDataDirs({ stateDir: state, home: "/h", databricks })).toEqual({
      claude: [homes().claude.configDir],
      codex: [homes().codex.home],
      gemini: [path.join(homes().gemini.home, ".gemini")],
    });
    expect(agentDataDirs({ stateDir: state, home: "/h", databricks: { host: undefined, gatewayHost: undefined } as any })).toEqual({
      claude: ["/h/.claude", "/h/.claude.json"],
      codex: ["/h/.codex"],
      gemini: ["/h/.gemini"],
    });
  });
});
