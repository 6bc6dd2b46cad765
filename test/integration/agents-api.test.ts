import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AgentCatalogue } from "../../src/agents.js";
import { packageRoot } from "../../src/paths.js";
import { startFakeDatabricks } from "../fakes/databricks.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const OWNER = "owner@example.com";

const pinned = (JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { optionalDependencies: Record<string, string> })
  .optionalDependencies;

describe("GET /api/agents and /api/models", () => {
  let gw: TestGateway | undefined;
  const temps: string[] = [];
  afterEach(async () => {
    await gw?.dispose();
    gw = undefined;
    for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("reports the bundled CLIs with their pinned versions", async () => {
    gw = await startGateway();
    const agents = (await gw.api("GET", "/api/agents")).body as any[];
    const byId = Object.fromEntries(agents.map((a) => [a.id, a]));
    expect(byId.shell).toMatchObject({ available: true });
    expect(byId.claude).toMatchObject({ available: true, source: "bundled", version: pinned["@anthropic-ai/claude-code"] });
    expect(byId.codex).toMatchObject({ available: true, source: "bundled", version: pinned["@openai/codex"] });
    expect(byId.gemini).toMatchObject({ available: true, source: "bundled", version: pinned["@google/gemini-cli"] });
  });

  it("runs YAML catalogue agents and says why one cannot start", async () => {
    const file = {
      path: "/virtual/gateway.yaml",
      text: [
        "agents:",
        "  - id: hello",
        "    label: Hello",
        "    command: /bin/echo",
        "    args: [hi-from-$GREETING]",
        "    env: { GREETING: yaml }",
        "  - id: ghost",
        "    command: no-such-agent-cli",
      ].join("\n"),
    };
    gw = await startGateway({ file });
    const agents = (await gw.api("GET", "/api/agents")).body as any[];
    expect(agents.find((a) => a.id === "hello")).toMatchObject({ label: "Hello", available: true, source: "path" });
    const ghost = agents.find((a) => a.id === "ghost");
    expect(ghost.available).toBe(false);
    expect(ghost.reason).toContain("no-such-agent-cli");
    const refused = await gw.api("POST", "/api/sessions", { agent: "ghost" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("agent_unavailable");
    const client = await gw.connect(await gw.createSession({ agent: "hello" }));
    // Arguments are passed literally (no shell expansion); the env reaches the process.
    await client.waitFor("hi-from-$GREETING");
    client.input("echo env-$GREETING\r");
    await client.waitFor("env-yaml");
  });

  it("reports a bundled CLI left out by --omit=optional as unavailable, with the reason", () => {
    const empty = mkdtempSync(path.join(tmpdir(), "no-modules-"));
    temps.push(empty);
    mkdirSync(path.join(empty, "path-bin"));
    const catalogue = new AgentCatalogue({ agents: [], shell: "/bin/bash", searchPath: [path.join(empty, "path-bin")], nodeModules: empty });
    for (const id of ["claude", "codex", "gemini"]) {
      const status = catalogue.status(catalogue.get(id)!);
      expect(status.available).toBe(false);
      expect(status.reason).toContain("optional dependency");
    }
    // A CLI on the PATH still counts, without a version.
    const bin = path.join(empty, "path-bin", "codex");
    writeFileSync(bin, "#!/bin/sh\n", { mode: 0o755 });
    const fromPath = catalogue.status(catalogue.get("codex")!);
    expect(fromPath).toMatchObject({ available: true, source: "path" });
    expect(fromPath.version).toBeUndefined();
  });

  it("reports the model route and each agent's models: none, serving-only, v2, and DATABRICKS_GATEWAY_HOST", async () => {
    gw = await startGateway();
    expect((await gw.api("GET", "/api/models")).body).toEqual({
      route: "none",
      baseUrl: null,
      auth: "pat",
      upstreams: null,
      discovery: { state: "skipped", message: null, checkedAt: null, stale: false, count: 0 },
      agents: {
        claude: { route: "own", model: null, default: null, models: [] },
        codex: { route: "own", model: null, default: null, models: [] },
        gemini: { route: "own", model: null, default: null, models: [] },
      },
      models: { anthropic: null, codex: null, gemini: null },
    });
    await gw.dispose();

    const db = await startFakeDatabricks();
    try {
      // Serving-only: no listing (404), the documented defaults; CODEX_MODEL wins.
      gw = await startGateway({ env: { DATABRICKS_HOST: db.url, CODEX_MODEL: "my-codex" } });
      expect((await gw.api("GET", "/api/models")).body).toMatchObject({ route: "serving", discovery: { state: "pending" } });
      expect((await gw.api("POST", "/api/token", { token: db.issueToken(OWNER) })).status).toBe(200);
      const serving = (await gw.api("GET", "/api/models")).body as any;
      expect(serving).toMatchObject({
        route: "serving",
        baseUrl: db.url,
        upstreams: { anthropic: `${db.url}/serving-endpoints/anthropic` },
        discovery: { state: "absent", count: 0 },
        agents: {
          claude: { route: "gateway", model: "databricks-claude-opus-4-7", models: ["databricks-claude-opus-4-7"] },
          codex: { model: "my-codex", default: "my-codex" },
          gemini: { model: "databricks-gemini-2-5-pro", flash: "databricks-gemini-2-5-pro" },
        },
        models: { anthropic: "databricks-claude-opus-4-7", codex: "my-codex", gemini: "databricks-gemini-2-5-pro" },
      });
      expect(JSON.stringify(serving)).not.toContain(gw.gateway.models.proxy.localKey);
      await gw.dispose();

      // v2: the listing decides; a listing that fails after that keeps the last good list and says so.
      db.modelServices = ["system.ai.claude-sonnet-4-6", "system.ai.claude-opus-4-7", "system.ai.gpt-5-5", "system.ai.gemini-3-1-pro"];
      gw = await startGateway({ env: { DATABRICKS_HOST: db.url } });
      expect((await gw.api("POST", "/api/token", { token: db.issueToken(OWNER) })).status).toBe(200);
      const v2 = (await gw.api("GET", "/api/models")).body as any;
      expect(v2).toMatchObject({
        route: "ai-gateway-v2",
        upstreams: { anthropic: `${db.url}/ai-gateway/anthropic`, openai: `${db.url}/ai-gateway/codex/v1`, gemini: `${db.url}/ai-gateway/gemini`, mlflow: `${db.url}/ai-gateway/mlflow/v1` },
        discovery: { state: "ok", message: null, stale: false, count: 4 },
        agents: {
          claude: { model: "system.ai.claude-opus-4-7", models: ["system.ai.claude-opus-4-7", "system.ai.claude-sonnet-4-6"], tiers: { haiku: "system.ai.claude-sonnet-4-6" } },
          codex: { model: "system.ai.gpt-5-5" },
          gemini: { model: "system.ai.gemini-3-1-pro" },
        },
      });
      db.fault({ path: "/api/2.1/unity-catalog/model-services" }, { status: 403, body: { error_code: "PERMISSION_DENIED", message: "no" } });
      expect((await gw.api("POST", "/api/token", { token: db.issueToken(OWNER) })).status).toBe(200);
      const stale = (await gw.api("GET", "/api/models")).body as any;
      expect(stale).toMatchObject({ route: "ai-gateway-v2", discovery: { state: "forbidden", stale: true, count: 4, message: expect.stringContaining("system.ai") } });
      await gw.dispose();

      // A 401 on a workspace never listed: serving endpoints, and the reason shown.
      db.fault({ path: "/api/2.1/unity-catalog/model-services" }, { status: 401, body: { error_code: "UNAUTHENTICATED", message: "no" } });
      gw = await startGateway({ env: { DATABRICKS_HOST: db.url } });
      expect((await gw.api("POST", "/api/token", { token: db.issueToken(OWNER) })).status).toBe(200);
      expect((await gw.api("GET", "/api/models")).body).toMatchObject({
        route: "serving",
        discovery: { state: "unauthorized", message: expect.stringContaining("refused the token") },
      });
    } finally {
      await db.close();
    }
    await gw.dispose();

    gw = await startGateway({ env: { DATABRICKS_HOST: "http://127.0.0.1:9", DATABRICKS_GATEWAY_HOST: "http://127.0.0.1:10" } });
    expect((await gw.api("GET", "/api/models")).body).toMatchObject({
      route: "gateway",
      baseUrl: "http://127.0.0.1:10",
      discovery: { state: "skipped" },
      agents: { claude: { route: "gateway", model: "databricks-claude-opus-4-7" } },
    });
  });
});
