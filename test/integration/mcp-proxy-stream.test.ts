import http from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { McpProxy } from "../../src/mcp.js";

const KEY = "k".repeat(64);

describe("the MCP proxy streams", () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it("passes each SSE event of the server's GET stream on at once, and ends the upstream call when the client leaves", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let upstreamClosed = false;
    const upstream = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "mcp-session-id": "s-1" });
      res.write('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/first"}\n\n');
      req.socket.on("close", () => (upstreamClosed = true));
      void released.then(() => res.write('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/second"}\n\n'));
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    closers.push(async () => {
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    });
    const proxy = new McpProxy({
      servers: [{ name: "databricks-sql", path: "sql" }],
      host: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      credential: async () => "Bearer dapi-stream",
      localKey: KEY,
      logger: pino({ level: "silent" }),
    });
    const url = await proxy.listen();
    closers.push(() => proxy.close());

    const controller = new AbortController();
    const res = await fetch(`${url}/mcp/databricks-sql`, {
      headers: { authorization: `Bearer ${KEY}`, accept: "text/event-stream", "mcp-session-id": "s-1" },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("mcp-session-id")).toBe("s-1");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    // The first event arrives while the upstream still holds the stream open: nothing waits for its end.
    const first = decoder.decode((await reader.read()).value);
    expect(first).toContain("notifications/first");
    release();
    let second = "";
    while (!second.includes("notifications/second")) second += decoder.decode((await reader.read()).value);
    controller.abort();
    await reader.cancel().catch(() => {});
    const deadline = Date.now() + 5_000;
    while (!upstreamClosed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(upstreamClosed).toBe(true);
  });
});
