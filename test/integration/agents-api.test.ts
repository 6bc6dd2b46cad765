import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AgentCatalogue } from "../../src/agents.js";
import { packageRoot } from "../../src/paths.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

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

  it("reports the model route: none, serving, the probed AI Gateway, or DATABRICKS_GATEWAY_HOST", async () => {
    gw = await startGateway();
    expect((await gw.api("GET", "/api/models")).body).toEqual({
      route: "none",
      baseUrl: null,
      auth: "pat",
      models: { anthropic: expect.any(String), codex: expect.any(String), gemini: expect.any(String) },
    });
    await gw.dispose();

    gw = await startGateway({ env: { DATABRICKS_HOST: "http://127.0.0.1:9", CODEX_MODEL: "my-codex" } });
    expect((await gw.api("GET", "/api/models")).body).toMatchObject({ route: "serving", baseUrl: "http://127.0.0.1:9", models: { codex: "my-codex" } });
    await gw.dispose();

    const probed: string[] = [];
    gw = await startGateway({
      env: { DATABRICKS_HOST: "http://127.0.0.1:9", DATABRICKS_WORKSPACE_ID: "1234567890" },
      overrides: { modelProbe: async (url) => (probed.push(url), true) },
    });
    const aiGateway = (await gw.api("GET", "/api/models")).body;
    expect(aiGateway).toMatchObject({ route: "ai-gateway", baseUrl: "https://1234567890.ai-gateway.cloud.databricks.com" });
    expect(probed).toEqual(["https://1234567890.ai-gateway.cloud.databricks.com"]);
    expect(JSON.stringify(aiGateway)).not.toContain(gw.gateway.models.proxy.localKey);
    await gw.dispose();

    gw = await startGateway({ env: { DATABRICKS_HOST: "http://127.0.0.1:9", DATABRICKS_GATEWAY_HOST: "http://127.0.0.1:10" } });
    expect((await gw.api("GET", "/api/models")).body).toMatchObject({ route: "gateway", baseUrl: "http://127.0.0.1:10" });
  });
});
