import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks, type FaultResponse } from "../fakes/databricks.js";
import { startFakeModelServing, type FakeModelServing, type ModelCall } from "../fakes/model-serving.js";
import { AGENT_FORMATS, ask, askAgent, CLI_TIMEOUT_MS, ownerFileHashes } from "../helpers/agent-tab.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import type { ScreenMirror } from "../helpers/screen.js";

const OWNER = "owner@example.com";
/** What a current workspace lists: the agents' families, and models no agent uses. */
const LISTED = [
  "system.ai.claude-opus-4-7",
  "system.ai.claude-sonnet-4-6",
  "system.ai.claude-haiku-4-5",
  "system.ai.gpt-5-5",
  "system.ai.gpt-oss-120b",
  "system.ai.gemini-3-1-pro",
  "system.ai.gemini-3-flash",
  "system.ai.llama-4-maverick",
];
/** An older workspace's serving endpoints: the defaults the gateway uses when nothing can be listed. */
const SERVING = ["databricks-claude-opus-4-7", "databricks-gpt-5-5", "databricks-gemini-2-5-pro"];
const LISTING = "/api/2.1/unity-catalog/model-services";
/** An older workspace's own serving endpoints (no v2): the newest of each family is used. */
const OLDER = ["databricks-claude-3-7-sonnet", "databricks-claude-sonnet-4-5", "databricks-gpt-5", "databricks-gpt-oss-120b", "databricks-gemini-2-5-pro", "databricks-gemini-2-5-flash", "databricks-bge-large-en"];

interface Workspace {
  readonly name: string;
  readonly mode: "v2" | "serving";
  readonly services?: string[];
  /** The workspace's serving endpoints (GET /api/2.0/serving-endpoints). */
  readonly endpoints?: string[];
  /** What the model fake serves; the tabs must use only these. */
  readonly served: string[];
  readonly fault?: FaultResponse;
  readonly route: string;
  readonly discovery: string;
  /** Where each wire format's calls must land. */
  readonly paths: Record<"anthropic" | "openai" | "gemini", RegExp>;
}

const V2_PATHS = {
  anthropic: /^\/ai-gateway\/anthropic\/v1\/messages$/,
  openai: /^\/ai-gateway\/codex\/v1\/responses$/,
  gemini: /^\/ai-gateway\/gemini\/v1beta\/models\/[^/]+$/,
};
const SERVING_PATHS = {
  anthropic: /^\/serving-endpoints\/anthropic\/v1\/messages$/,
  openai: /^\/serving-endpoints\/responses$/,
  gemini: /^\/serving-endpoints\/google\/v1beta\/models\/[^/]+$/,
};
const failing = (name: string, fault: FaultResponse, discovery: string): Workspace => ({
  name,
  mode: "serving",
  services: LISTED,
  served: SERVING,
  fault,
  route: "serving",
  discovery,
  paths: SERVING_PATHS,
});

const WORKSPACES: Workspace[] = [
  { name: "a v2-only workspace", mode: "v2", services: LISTED, served: LISTED, route: "ai-gateway-v2", discovery: "ok", paths: V2_PATHS },
  {
    name: "a serving-only workspace",
    mode: "serving",
    endpoints: OLDER,
    served: OLDER,
    route: "serving",
    discovery: "absent",
    paths: SERVING_PATHS,
  },
  failing("a workspace whose listing answers 401", { status: 401, body: { error_code: "UNAUTHENTICATED", message: "no" } }, "unauthorized"),
  failing("a workspace whose listing answers 403", { status: 403, body: { error_code: "PERMISSION_DENIED", message: "no" } }, "forbidden"),
  failing("a workspace whose listing answers 503", { status: 503 }, "failed"),
  failing("a workspace whose listing hangs", "hang", "failed"),
];

/** The owner's own configuration, pointing somewhere the gateway's tabs must not go. */
function writeOwnerFiles(home: string, provider = "http://127.0.0.1:9"): void {
  const files: Record<string, string> = {
    ".claude/settings.json": JSON.stringify({ env: { ANTHROPIC_BASE_URL: `${provider}/anthropic`, ANTHROPIC_AUTH_TOKEN: "owner-key", DISABLE_AUTOUPDATER: "1" } }),
    ".claude.json": JSON.stringify({ hasCompletedOnboarding: true, projects: { [path.join(home, "projects")]: { hasTrustDialogAccepted: true } } }),
    ".codex/config.toml": [
      'model = "owner-gpt"',
      'model_provider = "mine"',
      "check_for_update_on_startup = false",
      "[model_providers.mine]",
      'name = "Mine"',
      `base_url = "${provider}/openai/v1"`,
      'env_key = "OWNER_OPENAI_KEY"',
      'wire_api = "responses"',
      "[features]",
      "daemon_auto_start = false",
      `[projects."${path.join(home, "projects")}"]`,
      'trust_level = "trusted"',
      "",
    ].join("\n"),
    ".codex/.env": "OWNER_OPENAI_KEY=owner-key\n",
    ".gemini/.env": `GEMINI_API_KEY=owner-key\nGEMINI_API_KEY_AUTH_MECHANISM=bearer\nGOOGLE_GEMINI_BASE_URL=${provider}/gemini\nGEMINI_MODEL=owner-gemini\n`,
    ".gemini/settings.json": JSON.stringify({
      security: { auth: { selectedType: "gemini-api-key" }, folderTrust: { enabled: false } },
      general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
    }),
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(home, name)), { recursive: true });
    writeFileSync(path.join(home, name), text);
  }
}

const modelCalls = (fake: FakeModelServing, format: string): ModelCall[] => fake.calls.filter((c) => c.method === "POST" && c.format === format);

describe.each(WORKSPACES)("the real CLIs on $name", (workspace) => {
  let db: FakeDatabricks | undefined;
  let fake: FakeModelServing | undefined;
  let gw: TestGateway | undefined;
  let home: string | undefined;
  const screens: ScreenMirror[] = [];
  afterEach(async () => {
    for (const screen of screens.splice(0)) screen.dispose();
    await gw?.dispose();
    await fake?.close();
    await db?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("answer in their tabs with no model setting, every call on the expected route with a served model; the owner's files untouched", async () => {
    db = await startFakeDatabricks();
    db.modelServices = workspace.services;
    db.servingEndpoints = workspace.endpoints ?? [];
    if (workspace.fault) db.fault({ method: "GET", path: LISTING }, workspace.fault, 1000);
    const served = workspace.served;
    const live = (bearer: string) => db!.tokens.some((t) => t.value === bearer && !t.revoked && (t.expiresAt === -1 || t.expiresAt > Date.now()));
    fake = await startFakeModelServing({ forwardTo: db.url, authorize: live, mode: workspace.mode, models: () => served });
    home = mkdtempSync(path.join(tmpdir(), "gw-owner-"));
    writeOwnerFiles(home);
    const before = ownerFileHashes(home);
    gw = await startGateway({ home, env: { DATABRICKS_HOST: fake.url } });
    expect((await gw.api("POST", "/api/token", { token: db.issueToken(OWNER) })).status).toBe(200);

    for (const agent of AGENT_FORMATS) {
      const { screen, client } = await askAgent(gw, { agent: agent.id }, agent.id);
      screens.push(screen);
      if (agent.id === "claude") {
        // Claude Code's Haiku tier (its background calls, or /model haiku) must land on a served model too.
        await ask(client, screen, "/model haiku");
        // With a conversation under way it asks first ("Switch model?"), the first choice being yes.
        if (/Switch model\?/.test(await screen.waitFor(/Switch model\?|[Ss]et model to/, CLI_TIMEOUT_MS))) client.input("\r");
        await screen.waitFor(/[Ss]et model to/, CLI_TIMEOUT_MS);
        await ask(client, screen, "say ping-haiku");
        await screen.waitFor("pong-haiku", CLI_TIMEOUT_MS);
      }
    }

    const info = (await gw.api("GET", "/api/models")).body;
    expect(info).toMatchObject({ route: workspace.route, discovery: { state: workspace.discovery } });
    if (workspace.discovery !== "ok" && workspace.discovery !== "absent") expect(info.discovery.message).toBeTruthy();
    for (const agent of AGENT_FORMATS) {
      const calls = modelCalls(fake, agent.format);
      expect(calls.some((c) => JSON.stringify(c.body).includes(`ping-${agent.id}`)), agent.id).toBe(true);
      for (const call of calls) {
        expect(call.path, agent.id).toMatch(workspace.paths[agent.format]);
        expect(served, `${agent.id}: ${call.path}`).toContain(call.model);
        expect(call.status, `${agent.id}: ${call.path} ${call.model}`).toBe(200);
        expect(call.headers["user-agent"]).toMatch(/^agent-terminal-gateway\/\d/);
        expect(call.headers["x-api-key"]).toBeUndefined();
        expect(call.headers["x-goog-api-key"]).toBeUndefined();
        expect(call.authorization).toMatch(/^Bearer dapi/);
      }
      expect(calls.length).toBeGreaterThan(0);
    }
    for (const call of modelCalls(fake, "anthropic")) expect(call.headers["x-databricks-use-coding-agent-mode"]).toBe("true");
    // Nothing answered 404: no call went to a route or model the workspace does not serve.
    expect(fake.calls.filter((c) => c.status !== 200).map((c) => `${c.method} ${c.path} ${c.model} ${c.status}`)).toEqual([]);
    const haikuTier = { v2: "system.ai.claude-haiku-4-5", serving: workspace.endpoints ? "databricks-claude-sonnet-4-5" : "databricks-claude-opus-4-7" }[workspace.mode];
    expect(modelCalls(fake, "anthropic").filter((c) => JSON.stringify(c.body).includes("ping-haiku")).map((c) => c.model)).toContain(haikuTier);
    if (workspace.endpoints) {
      // The newest of each family the workspace serves, not the fixed defaults.
      expect(new Set(modelCalls(fake, "openai").map((c) => c.model))).toEqual(new Set(["databricks-gpt-5"]));
      expect((info as any).agents).toMatchObject({
        claude: { model: "databricks-claude-sonnet-4-5" },
        codex: { model: "databricks-gpt-5" },
        gemini: { model: "databricks-gemini-2-5-pro", flash: "databricks-gemini-2-5-flash" },
      });
    }
    if (workspace.mode === "v2") {
      expect(modelCalls(fake, "anthropic").map((c) => c.model)).toContain("system.ai.claude-opus-4-7");
      const haiku = modelCalls(fake, "anthropic").filter((c) => JSON.stringify(c.body).includes("ping-haiku"));
      expect(haiku.map((c) => c.model)).toContain("system.ai.claude-haiku-4-5");
      const tiers = (info as any).agents.claude.tiers;
      expect(tiers).toEqual({ opus: "system.ai.claude-opus-4-7", sonnet: "system.ai.claude-sonnet-4-6", haiku: "system.ai.claude-haiku-4-5" });
    }

    await gw.dispose();
    gw = undefined;
    expect(ownerFileHashes(home)).toEqual(before);
  }, 300_000);
});

describe("agent tabs without a workspace", () => {
  let fake: FakeModelServing | undefined;
  let gw: TestGateway | undefined;
  let home: string | undefined;
  const screens: ScreenMirror[] = [];
  afterEach(async () => {
    for (const screen of screens.splice(0)) screen.dispose();
    await gw?.dispose();
    await fake?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("run each CLI with the owner's own configuration: the provider set there answers", async () => {
    fake = await startFakeModelServing();
    home = mkdtempSync(path.join(tmpdir(), "gw-owner-"));
    writeOwnerFiles(home, fake.url);
    gw = await startGateway({ home });
    const info = (await gw.api("GET", "/api/models")).body;
    expect(info).toMatchObject({ route: "none", agents: { claude: { route: "own" }, codex: { route: "own" }, gemini: { route: "own" } } });
    for (const agent of AGENT_FORMATS) {
      const { screen } = await askAgent(gw, { agent: agent.id }, agent.id);
      screens.push(screen);
      const calls = modelCalls(fake, agent.format);
      expect(calls.length, agent.id).toBeGreaterThan(0);
      for (const call of calls) {
        expect(call.authorization).toBe("Bearer owner-key");
        // Not through the proxy, which puts its own name first (Codex names the terminal, the gateway, later on).
        expect(call.headers["user-agent"] ?? "").not.toMatch(/^agent-terminal-gateway\//);
      }
    }
    expect(modelCalls(fake, "openai").every((c) => c.model === "owner-gpt")).toBe(true);
    // A model choice needs a workspace: refused readably.
    const refused = await gw.api("POST", "/api/sessions", { agent: "claude", model: "system.ai.claude-opus-4-7" });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "unknown_model", message: expect.stringContaining("own configuration") });
  }, 300_000);
});

describe("a model the workspace does not list, asked for inside a tab", () => {
  it("gets a readable message in the CLI, and nothing reaches the route", async () => {
    const db = await startFakeDatabricks();
    db.modelServices = LISTED;
    const fake = await startFakeModelServing({ forwardTo: db.url, mode: "v2", models: () => LISTED });
    const gw = await startGateway({ env: { DATABRICKS_HOST: fake.url } });
    const screens: ScreenMirror[] = [];
    try {
      expect((await gw.api("POST", "/api/token", { token: db.issueToken(OWNER) })).status).toBe(200);
      const { screen, client } = await askAgent(gw, { agent: "claude" }, "first");
      screens.push(screen);
      // Claude Code tries the model at once and shows the proxy's answer: the model is not changed.
      await ask(client, screen, "/model claude-fantasy-9");
      await screen.waitFor(/400 The model "claude-fantasy-9" is not served by this\s+workspace/, CLI_TIMEOUT_MS);
      await ask(client, screen, "say ping-second");
      await screen.waitFor("pong-second", CLI_TIMEOUT_MS);
      expect(fake.calls.filter((c) => c.model === "claude-fantasy-9")).toEqual([]);
    } finally {
      for (const screen of screens) screen.dispose();
      await gw.dispose();
      await fake.close();
      await db.close();
    }
  }, 180_000);
});
