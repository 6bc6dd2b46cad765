import http from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

/** One request the fake MCP server received. */
export interface McpCall {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  /** The JSON-RPC method of a POST, when it was one message. */
  readonly rpc: string | undefined;
}

export interface FakeDatabricksMcp {
  readonly url: string;
  readonly calls: McpCall[];
  close(): Promise<void>;
}

export interface FakeDatabricksMcpOptions {
  /** Whether a bearer token is a live credential of the workspace; a refused one gets 403, none 401. */
  readonly authorize: (token: string) => boolean;
  /** Everything outside /api/2.0/mcp/ goes here (the model-serving fake, the REST fake), as one workspace host. */
  readonly forwardTo?: string;
}

/**
 * A stand-in for a workspace's managed MCP servers at their real paths, speaking streamable HTTP through the
 * MCP SDK's own server transport (stateless, JSON or SSE answers as the client accepts): /api/2.0/mcp/sql
 * (tool execute_sql), /api/2.0/mcp/functions/<catalog>/<schema> (a function per schema),
 * /api/2.0/mcp/vector-search/<catalog>/<schema> and /api/2.0/mcp/genie/<space> (one tool each).
 */
export async function startFakeDatabricksMcp(options: FakeDatabricksMcpOptions): Promise<FakeDatabricksMcp> {
  const calls: McpCall[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    if (!url.pathname.startsWith("/api/2.0/mcp/") && options.forwardTo) return forward(options.forwardTo, req, res);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
    } catch {
      body = undefined;
    }
    calls.push({ method: req.method ?? "", path: url.pathname, authorization: req.headers.authorization, rpc: (body as { method?: string })?.method });
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer) return json(res, 401, { error_code: "UNAUTHENTICATED", message: "Credential was not sent or was of an unsupported type." });
    if (!options.authorize(bearer)) return json(res, 403, { error_code: "PERMISSION_DENIED", message: "Invalid access token." });
    const tools = toolsFor(url.pathname.slice("/api/2.0/mcp/".length));
    if (!tools) return json(res, 404, { error_code: "ENDPOINT_NOT_FOUND", message: `No MCP server at ${url.pathname}` });
    const mcp = new McpServer({ name: "fake-databricks-mcp", version: "1.0.0" });
    for (const tool of tools) {
      mcp.registerTool(tool.name, { description: tool.description, inputSchema: { query: z.string() } }, async ({ query }) => ({
        content: [{ type: "text", text: `${tool.name} answered: ${query}` }],
      }));
    }
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => void transport.close().then(() => mcp.close()));
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The tools of the server at a path under /api/2.0/mcp/, or undefined for a path no server has. */
function toolsFor(path: string): { name: string; description: string }[] | undefined {
  const parts = path.split("/");
  if (path === "sql") return [{ name: "execute_sql", description: "Runs a SQL statement on a warehouse." }];
  if (parts.length === 3 && parts[0] === "functions") return [{ name: `${parts[1]}__${parts[2]}__lookup`, description: "A UC function." }];
  if (parts.length === 3 && parts[0] === "vector-search") return [{ name: `${parts[1]}__${parts[2]}__search`, description: "A vector index." }];
  if (parts.length === 2 && parts[0] === "genie") return [{ name: `genie_${parts[1]}`, description: "Asks a Genie space." }];
  return undefined;
}

function forward(target: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const upstream = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: { ...req.headers, host: new URL(target).host } });
  upstream.on("response", (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", () => json(res, 502, { error_code: "BAD_GATEWAY", message: "fake workspace unreachable" }));
  req.pipe(upstream);
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
