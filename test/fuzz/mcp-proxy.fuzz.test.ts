import http from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpProxy } from "../../src/mcp.js";
import { fuzzCases, random } from "../helpers/random.js";
import { rawRequest } from "../helpers/raw-http.js";

const PAT = "dapi-owner-token-for-the-mcp-fuzz";
const KEY = "f".repeat(64);

/**
 * The loopback MCP proxy is reachable by any local process: only the local key passes, only JSON-RPC bodies
 * and the transport's headers reach the workspace (as the owner, never with the key or a cookie), only under
 * /api/2.0/mcp/<configured path>, and every refusal is a JSON-RPC error below 500.
 */
describe("fuzz: the MCP proxy (keys, paths, methods, bodies)", () => {
  let proxy: McpProxy;
  let url: string;
  let upstream: http.Server;
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers });
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json", "set-cookie": "a=b" }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    proxy = new McpProxy({
      servers: [
        { name: "databricks-sql", path: "sql" },
        { name: "genie-abc", path: "genie/abc" },
      ],
      host: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      credential: async () => `Bearer ${PAT}`,
      localKey: KEY,
      logger: pino({ level: "silent" }),
    });
    url = await proxy.listen();
  });
  afterAll(async () => {
    await proxy.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it("forwards only keyed JSON-RPC to the configured servers, as the owner", async () => {
    const rng = random(Number(process.env.FUZZ_SEED ?? 4242));
    const nearKeys = [KEY.slice(1), KEY + "f", KEY.toUpperCase().replace(/F/g, "E"), "", PAT, `Basic ${KEY}`];
    const paths = ["/mcp/databricks-sql", "/mcp/genie-abc", "/mcp/databricks-sql/", "/mcp/nope", "/mcp/../mcp/databricks-sql", "/mcp/databricks-sql/../genie-abc",
      "/mcp/%2e%2e", "/mcp/databricks-sql?x=1", "//mcp/databricks-sql", "//[", "/", "/mcp/" + "x".repeat(3000), "/mcp/databricks-sql#frag"];
    const rpc = () => JSON.stringify({ jsonrpc: "2.0", id: rng.int(100), method: rng.pick(["initialize", "tools/list", "tools/call", "ping"]), params: rng.value(2) });
    const bodies = () => rng.pick([rpc(), `[${rpc()},${rpc()}]`, "{}", "[]", "null", JSON.stringify(rng.value(3)) ?? "", rng.text(rng.int(200)), '{"jsonrpc":"2.0"}']);
    const statuses = new Map<number, number>();
    let forwarded = 0;
    for (let i = 0, cases = fuzzCases(300); i < cases; i++) {
      const keyed = rng.int(2) === 0;
      const headers: Array<[string, string]> = [["Content-Type", "application/json"], ["Accept", "application/json, text/event-stream"]];
      headers.push(["Authorization", keyed ? `Bearer ${KEY}` : `Bearer ${rng.pick(nearKeys)}`]);
      if (rng.int(3) === 0) headers.push(["Cookie", "session=stolen"]);
      if (rng.int(3) === 0) headers.push(["X-Api-Key", KEY]);
      if (rng.int(3) === 0) headers.push(["Mcp-Session-Id", `s-${rng.int(1e9)}`]);
      const method = rng.pick(["POST", "POST", "GET", "DELETE", "PUT", "PATCH", "OPTIONS"]);
      const target = rng.int(3) ? rng.pick(paths.slice(0, 2)) : rng.pick(paths);
      const body = method === "POST" ? bodies() : "";
      const before = seen.length;
      const res = await rawRequest(url, method, target, headers, body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const label = `case ${i}: ${method} ${target} ${body.slice(0, 80)}`;
      expect(res.status, label).toBeLessThan(500);
      if (res.status !== 200) expect(res.body ? JSON.parse(res.body) : `${res.status} with no body`, label).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: expect.any(Number) } });
      if (seen.length === before) continue;
      forwarded++;
      const call = seen.at(-1)!;
      expect(keyed, label).toBe(true);
      expect(call.url, label).toMatch(/^\/api\/2\.0\/mcp\/(sql|genie\/abc)(\?x=1)?$/);
      expect(call.headers.authorization, label).toBe(`Bearer ${PAT}`);
      expect(JSON.stringify(call.headers), label).not.toContain(KEY);
      expect(call.headers.cookie, label).toBeUndefined();
      expect(res.headers["set-cookie"], label).toBeUndefined();
    }
    expect(forwarded).toBeGreaterThan(10);
    expect(statuses.get(401)).toBeGreaterThan(10);
  });
});
