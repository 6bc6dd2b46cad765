import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { parse } from "smol-toml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliConfig } from "../../src/agents/cli-config.js";

const models = { anthropic: "databricks-claude-x", codex: "databricks-gpt-x", gemini: "databricks-gemini-x" };
const target = { proxyUrl: "http://127.0.0.1:4321", localKey: "k".repeat(64) };

describe("CliConfig", () => {
  let home: string;
  let projects: string;
  const config = () => new CliConfig({ home, projectsDir: projects, models, logger: pino({ level: "silent" }) });
  const read = (name: string) => readFileSync(path.join(home, name), "utf8");
  const json = (name: string) => JSON.parse(read(name));

  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), "cli-config-"));
    projects = path.join(home, "projects");
    mkdirSync(projects);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("writes every file with mode 0600, pointing at the proxy with the local key", () => {
    config().writeAll(target);
    const files = [".claude/settings.json", ".claude.json", ".codex/config.toml", ".codex/.env", ".gemini/.env", ".gemini/settings.json"];
    for (const file of files) expect(statSync(path.join(home, file)).mode & 0o777, file).toBe(0o600);
    for (const dir of [".claude", ".codex", ".gemini"]) expect(statSync(path.join(home, dir)).mode & 0o777, dir).toBe(0o700);

    const claude = json(".claude/settings.json").env;
    expect(claude).toMatchObject({
      ANTHROPIC_BASE_URL: "http://127.0.0.1:4321/anthropic",
      ANTHROPIC_AUTH_TOKEN: target.localKey,
      ANTHROPIC_MODEL: "databricks-claude-x",
      DISABLE_AUTOUPDATER: "1",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
    });
    expect(json(".claude.json")).toMatchObject({ hasCompletedOnboarding: true, projects: { [projects]: { hasTrustDialogAccepted: true } } });

    const codex = parse(read(".codex/config.toml")) as any;
    expect(codex).toMatchObject({
      model: "databricks-gpt-x",
      model_provider: "databricks",
      check_for_update_on_startup: false,
      model_providers: { databricks: { base_url: "http://127.0.0.1:4321/openai", env_key: "OPENAI_API_KEY", wire_api: "responses" } },
      analytics: { enabled: false },
      feedback: { enabled: false },
      features: { plugins: false, daemon_auto_start: false },
      projects: { [projects]: { trust_level: "trusted" } },
    });
    expect(read(".codex/.env")).toBe(`OPENAI_API_KEY=${target.localKey}\n`);

    expect(read(".gemini/.env").split("\n")).toEqual(
      expect.arrayContaining([
        `GEMINI_API_KEY=${target.localKey}`,
        "GEMINI_API_KEY_AUTH_MECHANISM=bearer",
        "GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:4321/gemini",
        "GEMINI_MODEL=databricks-gemini-x",
      ]),
    );
    const gemini = json(".gemini/settings.json");
    expect(gemini).toMatchObject({
      security: { auth: { selectedType: "gemini-api-key" } },
      model: { name: "databricks-gemini-x" },
      general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
    });
    expect(gemini.selectedAuthType).toBeUndefined();
    // Atomic writes leave no temp files behind.
    for (const dir of [".claude", ".codex", ".gemini"]) expect(readdirSync(path.join(home, dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("merges Codex's config.toml: its own tables and keys survive, ours are updated, no table is duplicated", () => {
    mkdirSync(path.join(home, ".codex"));
    writeFileSync(
      path.join(home, ".codex", "config.toml"),
      [
        'model = "old-model"',
        'approval_policy = "on-request"',
        "[tui]",
        "screen_reader_detection_done = true",
        "[tui.model_availability_nux]",
        '"gpt-6.1-sol" = 1',
        "[features]",
        "web_search = true",
        "daemon_auto_start = true",
        '[projects."/elsewhere"]',
        'trust_level = "untrusted"',
        "[model_providers.other]",
        'base_url = "http://127.0.0.1:1/v1"',
      ].join("\n"),
    );
    const cli = config();
    cli.writeAll(target);
    cli.prepare("codex", path.join(projects, "repo"));
    const text = read(".codex/config.toml");
    const codex = parse(text) as any;
    expect(codex.model).toBe("databricks-gpt-x");
    expect(codex.approval_policy).toBe("on-request");
    expect(codex.tui).toEqual({ screen_reader_detection_done: true, model_availability_nux: { "gpt-6.1-sol": 1 } });
    expect(codex.features).toEqual({ web_search: true, plugins: false, daemon_auto_start: false });
    expect(codex.projects["/elsewhere"]).toEqual({ trust_level: "untrusted" });
    expect(codex.projects[path.join(projects, "repo")]).toEqual({ trust_level: "trusted" });
    expect(codex.model_providers.other).toEqual({ base_url: "http://127.0.0.1:1/v1" });
    expect(text.match(/^\[features\]$/gm)).toHaveLength(1);
  });

  it("keeps other settings and dotenv lines, and replaces a stale key after a restart", () => {
    mkdirSync(path.join(home, ".gemini"));
    mkdirSync(path.join(home, ".claude"));
    writeFileSync(path.join(home, ".gemini", ".env"), "MY_VAR=1\nGEMINI_API_KEY=stale\n");
    writeFileSync(path.join(home, ".gemini", "settings.json"), JSON.stringify({ ui: { theme: "Dracula" }, general: { vimMode: true } }));
    writeFileSync(path.join(home, ".claude", "settings.json"), JSON.stringify({ env: { MY_VAR: "2" }, permissions: { allow: ["Bash(ls)"] } }));
    writeFileSync(path.join(home, ".claude.json"), JSON.stringify({ userID: "u1", projects: { "/x": { allowedTools: ["a"] } } }));
    config().writeAll(target);
    expect(read(".gemini/.env")).toContain("MY_VAR=1\n");
    expect(read(".gemini/.env")).not.toContain("stale");
    expect(read(".gemini/.env").match(/GEMINI_API_KEY=/g)).toHaveLength(1);
    expect(json(".gemini/settings.json")).toMatchObject({ ui: { theme: "Dracula" }, general: { vimMode: true, enableAutoUpdate: false } });
    expect(json(".claude/settings.json")).toMatchObject({ env: { MY_VAR: "2" }, permissions: { allow: ["Bash(ls)"] } });
    expect(json(".claude.json")).toMatchObject({ userID: "u1", projects: { "/x": { allowedTools: ["a"] }, [projects]: { hasTrustDialogAccepted: true } } });
  });

  it("survives unreadable JSON and TOML by rewriting them, and writes nothing before the proxy is known", () => {
    const cli = config();
    cli.prepare("claude", projects);
    expect(() => statSync(path.join(home, ".claude"))).toThrow();
    mkdirSync(path.join(home, ".codex"));
    writeFileSync(path.join(home, ".codex", "config.toml"), "[[[ not toml");
    writeFileSync(path.join(home, ".claude.json"), "{ not json");
    cli.writeAll(target);
    expect((parse(read(".codex/config.toml")) as any).model).toBe("databricks-gpt-x");
    expect(json(".claude.json").hasCompletedOnboarding).toBe(true);
  });
});
