import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startFakeDatabricksMcp, type FakeDatabricksMcp } from "../fakes/databricks-mcp.js";
import { startFakeModelServing, type FakeModelServing } from "../fakes/model-serving.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { until } from "../helpers/until.js";

const OWNER = "owner@example.com";
/** Every agent that speaks MCP; each connects to its configured servers when it starts and lists their tools. */
const MCP_AGENTS = ["claude", "codex", "gemini", "opencode", "copilot"] as const;

describe("the Databricks MCP servers in every MCP-speaking agent", () => {
  let db: FakeDatabricks;
  let models: FakeModelServing;
  let mcp: FakeDatabricksMcp;
  let gw: TestGateway;

  beforeAll(async () => {
    db = await startFakeDatabricks();
    const live = (bearer: string) => db.tokens.some((t) => t.value === bearer && !t.revoked && (t.expiresAt === -1 || t.expiresAt > Date.now()));
    models = await startFakeModelServing({ forwardTo: db.url, authorize: live });
    mcp = await startFakeDatabricksMcp({ forwardTo: models.url, authorize: live });
    // The owner's own MCP servers, added by hand before the gateway ran: they stay, beside the gateway's.
    const home = mkdtempSync(path.join(tmpdir(), "gw-home-"));
    writeJson(path.join(home, ".local/state/agent-terminal-gateway/agents/gemini/home/.gemini/settings.json"), { mcpServers: { mine: { command: "my-mcp" } } });
    writeJson(path.join(home, ".local/state/agent-terminal-gateway/agents/opencode/config/opencode/opencode.json"), {
      mcp: { mine: { type: "local", command: ["my-mcp"] } },
      instructions: ["MINE.md"],
    });
    gw = await startGateway({ home, env: { DATABRICKS_HOST: mcp.url, DATABRICKS_CLIENT_ID: db.clientId, DATABRICKS_CLIENT_SECRET: db.clientSecret } });
    expect((await gw.api("POST", "/api/token", { token: db.issueToken(OWNER) })).status).toBe(200);
  });

  afterAll(async () => {
    await gw?.dispose();
    await mcp?.close();
    await models?.close();
    await db?.close();
    if (gw) rmSync(gw.home, { recursive: true, force: true });
  });

  it.each(MCP_AGENTS)("%s lists the tools of Databricks SQL through the MCP proxy, with the owner's token", async (agent) => {
    const before = mcp.calls.length;
    const id = await gw.createSession({ agent, cols: 120, rows: 40 });
    try {
      await until(
        () => mcp.calls.slice(before).some((c) => c.path === "/api/2.0/mcp/sql" && c.rpc === "tools/list"),
        () => `${agent} listing the tools; calls: ${JSON.stringify(mcp.calls.slice(before).map((c) => c.rpc))}`,
        60_000,
      );
      const current = gw.gateway.tokens.current();
      for (const call of mcp.calls.slice(before)) expect(call.authorization).toBe(`Bearer ${current}`);
    } finally {
      expect((await gw.api("DELETE", `/api/sessions/${id}`)).status).toBe(204);
    }
  }, 90_000);

  it("the gateway's own MCP files hold the local key and loopback URLs, never a PAT", () => {
    const dir = path.join(gw.gateway.config.stateDir, "agents");
    const files = ["claude/mcp.json", "opencode/config/opencode/opencode.json", "copilot/gateway-mcp.json"].map((f) => path.join(dir, f));
    const geminiSettings = path.join(dir, "gemini/home/.gemini/settings.json");
    for (const name of [...files, geminiSettings]) {
      const text = readFileSync(name, "utf8");
      expect(text, name).toContain(gw.gateway.models.proxy.localKey);
      expect(text, name).toContain(gw.gateway.mcp.entries()[0]!.url);
      for (const token of db.tokens) expect(text, name).not.toContain(token.value);
    }
    const gemini = JSON.parse(readFileSync(geminiSettings, "utf8"));
    expect(Object.keys(gemini.mcpServers).sort()).toEqual(["databricks-sql", "mine"]);
    const opencode = JSON.parse(readFileSync(path.join(dir, "opencode/config/opencode/opencode.json"), "utf8"));
    expect(Object.keys(opencode.mcp).sort()).toEqual(["databricks-sql", "mine"]);
    expect(opencode.instructions).toEqual(["MINE.md"]);
  });
});

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value));
}
