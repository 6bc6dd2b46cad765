import { existsSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startFakeDatabricksMcp, type FakeDatabricksMcp } from "../fakes/databricks-mcp.js";
import { startFakeModelServing, type FakeModelServing } from "../fakes/model-serving.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { until } from "../helpers/until.js";

const OWNER = "owner@example.com";

describe("the loopback MCP proxy", () => {
  let db: FakeDatabricks;
  let models: FakeModelServing;
  let mcp: FakeDatabricksMcp;
  let gw: TestGateway;
  const clients: Client[] = [];

  beforeEach(async () => {
    db = await startFakeDatabricks();
    const live = (bearer: string) => db.tokens.some((t) => t.value === bearer && !t.revoked && (t.expiresAt === -1 || t.expiresAt > Date.now()));
    models = await startFakeModelServing({ forwardTo: db.url, authorize: live });
    mcp = await startFakeDatabricksMcp({ forwardTo: models.url, authorize: live });
    gw = await startGateway({
      env: {
        DATABRICKS_HOST: mcp.url,
        DATABRICKS_CLIENT_ID: db.clientId,
        DATABRICKS_CLIENT_SECRET: db.clientSecret,
        DATABRICKS_MCP_GENIE: "01f0space",
        DATABRICKS_MCP_FUNCTIONS: "main.tools",
      },
    });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await gw.dispose();
    await mcp.close();
    await models.close();
    await db.close();
  });

  const connect = async (url: string) => {
    const client = new Client({ name: "test-client", version: "1.0.0" });
    const headers = { Authorization: `Bearer ${gw.gateway.models.proxy.localKey}` };
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    clients.push(client);
    return client;
  };

  it("an MCP SDK client lists and calls a workspace tool through it, with the owner's token before and after a rotation", async () => {
    const entries = gw.gateway.mcp.entries();
    expect(entries.map((e) => e.name)).toEqual(["databricks-sql", "uc-functions-main-tools", "genie-01f0space"]);
    for (const entry of entries) expect(entry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp\//);

    const tokens = gw.gateway.tokens;
    const pasted = db.issueToken(OWNER);
    expect((await gw.api("POST", "/api/token", { token: pasted })).status).toBe(200);
    // A pasted token of unknown age is swapped for a minted one while a session is open.
    await gw.createSession({ agent: "shell" });
    await until(() => ![undefined, pasted].includes(tokens.current()), "a rotation after the paste", 30_000);
    const first = tokens.current()!;

    const sql = await connect(entries[0]!.url);
    expect((await sql.listTools()).tools.map((t) => t.name)).toEqual(["execute_sql"]);
    const answer = await sql.callTool({ name: "execute_sql", arguments: { query: "select 1" } });
    expect(answer.content).toEqual([{ type: "text", text: "execute_sql answered: select 1" }]);
    const genie = await connect(entries[2]!.url);
    expect((await genie.listTools()).tools.map((t) => t.name)).toEqual(["genie_01f0space"]);
    const before = mcp.calls.length;
    expect(mcp.calls.map((c) => c.path)).toContain("/api/2.0/mcp/genie/01f0space");
    for (const call of mcp.calls) expect(call.authorization).toBe(`Bearer ${first}`);

    const repasted = db.issueToken(OWNER);
    expect((await gw.api("POST", "/api/token", { token: repasted })).status).toBe(200);
    await until(() => ![first, repasted, undefined].includes(tokens.current()), "a second rotation", 30_000);
    const second = tokens.current()!;
    await until(() => db.tokens.find((t) => t.value === first)?.revoked === true, "the revocation", 15_000);

    // The same client, connected before the rotation, keeps its tools.
    const again = await sql.callTool({ name: "execute_sql", arguments: { query: "select 2" } });
    expect(again.content).toEqual([{ type: "text", text: "execute_sql answered: select 2" }]);
    const after = mcp.calls.slice(before);
    expect(after.length).toBeGreaterThan(0);
    for (const call of after) expect(call.authorization).toBe(`Bearer ${second}`);

    // No log line carries a token.
    for (const secret of db.tokens.map((t) => t.value)) expect(gw.logs.lines.join("\n")).not.toContain(secret);
  });

  it("refuses a caller without the local key, and answers garbage with JSON-RPC errors", async () => {
    db.issueToken(OWNER);
    expect((await gw.api("POST", "/api/token", { token: db.issueToken(OWNER) })).status).toBe(200);
    const url = gw.gateway.mcp.entries()[0]!.url;
    const base = new URL(url).origin;
    const key = gw.gateway.models.proxy.localKey;
    const send = async (target: string, init: RequestInit & { auth?: string | null } = {}) => {
      const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
      if (init.auth !== null) headers.authorization = init.auth ?? `Bearer ${key}`;
      const res = await fetch(target, { method: "POST", ...init, headers });
      const text = await res.text();
      // The proxy's own refusals are JSON; the workspace may answer a good request as SSE.
      const body = res.headers.get("content-type")?.startsWith("application/json") ? JSON.parse(text) : { text };
      return { status: res.status, body: body as { jsonrpc: string; id: null; error: { code: number; message: string } } };
    };
    const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });

    for (const auth of [null, "Bearer wrong", `Bearer ${key}x`, "Basic abc"]) {
      const refused = await send(url, { body: ping, auth });
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
      // Not even the names of the servers are told without the key.
      expect(refused.body.error.message).not.toContain("databricks-sql");
    }
    expect((await send(url, { body: "{not json" })).body.error.code).toBe(-32700);
    for (const body of ['{"foo":1}', "[]", "42", '{"jsonrpc":"1.0","method":"x"}', "[1,2]"]) {
      const bad = await send(url, { body });
      expect(bad.status, body).toBe(400);
      expect(bad.body.error.code, body).toBe(-32600);
    }
    expect((await send(`${base}/mcp/nope`, { body: ping })).status).toBe(404);
    expect((await send(`${base}/elsewhere`, { body: ping })).body.error.code).toBe(-32601);
    expect((await send(url, { method: "PUT", body: ping })).status).toBe(405);
    const huge = await send(url, { body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "x", params: { a: "x".repeat(5 * 1024 * 1024) } }) });
    expect(huge.status).toBe(413);
    // None of that reached the workspace; a real ping does, and the proxy still answers.
    expect(mcp.calls).toEqual([]);
    const pong = await send(url, { body: ping });
    expect(pong.status).toBe(200);
    expect(JSON.stringify(pong.body)).toContain('\\"result\\":{}');
    expect(mcp.calls.length).toBe(1);
  });
});

describe("without a workspace", () => {
  it("declares no MCP server to any agent", async () => {
    const gw = await startGateway();
    try {
      expect(gw.gateway.mcp.entries()).toEqual([]);
      await gw.createSession({ agent: "claude" });
      expect(existsSync(`${gw.gateway.config.stateDir}/agents/claude/mcp.json`)).toBe(false);
    } finally {
      await gw.dispose();
    }
  });
});
