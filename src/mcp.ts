import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { modelCredential } from "./models/credential.js";
import type { TokenSource } from "./token/types.js";
import { closeLoopback, listenOnLoopback, relayAnswer, upstreamAgents } from "./loopback-server.js";
import { parseTarget } from "./request-target.js";
import { isJsonRpc, JSONRPC, jsonRpcError } from "./mcp/jsonrpc-errors.js";
import { mcpServers, type McpServerSpec } from "./mcp/servers.js";

/** Headers an MCP client may send upstream: the streamable HTTP transport's own, nothing that carries a key. */
const FORWARDED_REQUEST_HEADERS = ["accept", "content-type", "mcp-session-id", "mcp-protocol-version", "last-event-id", "user-agent"];
const DROPPED_RESPONSE_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "trailer", "upgrade", "set-cookie", "www-authenticate"]);
/** A JSON-RPC request is small; a bigger body is refused rather than held in memory. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** An SSE stream may stay silent while a query runs, never this long. */
const UPSTREAM_IDLE_MS = 10 * 60_000;

export interface McpProxyOptions {
  readonly servers: readonly McpServerSpec[];
  /** The workspace URL (config.databricks.host), or undefined: every call then gets a JSON-RPC error. */
  readonly host: string | undefined;
  /** The Authorization header for upstream calls (the owner's current token as a Bearer), or undefined. */
  readonly credential: () => Promise<string | undefined>;
  /** The key the agents' files hold (the model proxy's local key): checked on every request. */
  readonly localKey: string;
  readonly logger: Logger;
}

/**
 * The workspace's MCP servers (config.mcp) on loopback, with the same credential as model calls and behind
 * `localKey` (the model proxy's). Without a workspace there is nothing to reach: no agent gets a server that can only fail.
 */
export function createMcp({ config, tokens, localKey, logger }: { config: Config; tokens: TokenSource; localKey: string; logger: Logger }): McpProxy {
  const host = config.databricks.host;
  return new McpProxy({ servers: host ? mcpServers(config.mcp) : [], host, credential: modelCredential({ config, tokens }), localKey, logger });
}

/**
 * The loopback MCP proxy: /mcp/<server-name> maps to <host>/api/2.0/mcp/<path> (streamable HTTP: POST, GET for
 * the server's SSE stream, DELETE to end a session). It checks the local key, puts the owner's current token in
 * its place, and streams answers through unbuffered, so a running agent keeps its tools across token rotations.
 */
export class McpProxy {
  private readonly server: http.Server;
  private readonly agents = upstreamAgents();
  private readonly byName: ReadonlyMap<string, McpServerSpec>;
  private readonly log: Logger;
  private baseUrl: string | undefined;

  constructor(private readonly options: McpProxyOptions) {
    this.log = options.logger.child({ component: "mcp-proxy" });
    this.byName = new Map(options.servers.map((s) => [s.name, s]));
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.log.error({ err: error }, "mcp proxy failure");
        if (!res.headersSent) jsonRpcError(res, 502, JSONRPC.serverError, "The MCP proxy failed; see the gateway's log.");
        else res.destroy();
      });
    });
  }

  /** Each configured server with its loopback URL, for the agents' MCP configuration; empty until listening. */
  entries(): { name: string; url: string }[] {
    if (!this.baseUrl) return [];
    return this.options.servers.map((s) => ({ name: s.name, url: `${this.baseUrl}/mcp/${s.name}` }));
  }

  /** Listens on 127.0.0.1 on a free port. */
  async listen(): Promise<string> {
    this.baseUrl = await listenOnLoopback(this.server);
    this.log.info({ proxy: this.baseUrl, servers: this.options.servers.map((s) => s.name) }, "mcp proxy listening on loopback");
    return this.baseUrl;
  }

  close(): Promise<void> {
    return closeLoopback(this.server, this.agents);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = parseTarget(req.url);
    if (!url) return jsonRpcError(res, 400, JSONRPC.invalidRequest, "Not a valid request path.");
    // The key first: without it, not even the list of servers is told.
    if (!this.hasLocalKey(req)) return jsonRpcError(res, 401, JSONRPC.invalidRequest, "The MCP proxy refused the key: restart the agent tab (the gateway restarted).");
    const name = /^\/mcp\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname)?.[1];
    const server = name ? this.byName.get(name) : undefined;
    if (!server) {
      const known = [...this.byName.keys()].join(", ") || "(none configured)";
      return jsonRpcError(res, 404, JSONRPC.methodNotFound, `No MCP server at ${url.pathname}: use /mcp/<name>, one of ${known}.`);
    }
    if (!["GET", "POST", "DELETE"].includes(req.method ?? "")) {
      res.setHeader("allow", "GET, POST, DELETE");
      return jsonRpcError(res, 405, JSONRPC.invalidRequest, `${req.method} is not part of the streamable HTTP transport.`);
    }
    let body: Buffer | undefined;
    if (req.method === "POST") {
      body = await readBody(req);
      if (body === undefined) return jsonRpcError(res, 413, JSONRPC.invalidRequest, `A request body above ${MAX_BODY_BYTES} bytes.`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        return jsonRpcError(res, 400, JSONRPC.parseError, "The body is not JSON.");
      }
      if (!isJsonRpc(parsed)) return jsonRpcError(res, 400, JSONRPC.invalidRequest, "The body is not a JSON-RPC 2.0 message.");
    }
    if (!this.options.host) return jsonRpcError(res, 502, JSONRPC.serverError, "No workspace: set DATABRICKS_HOST for the gateway.");
    const credential = await this.options.credential();
    if (!credential) return jsonRpcError(res, 401, JSONRPC.serverError, "No Databricks token: paste a personal access token on the gateway's page.");
    const target = new URL(`${this.options.host}/api/2.0/mcp/${server.path}${url.search}`);
    this.forward(req, res, target, credential, body, server.name);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, target: URL, credential: string, body: Buffer | undefined, name: string): void {
    const started = performance.now();
    const headers: http.OutgoingHttpHeaders = { authorization: credential };
    for (const header of FORWARDED_REQUEST_HEADERS) if (req.headers[header] !== undefined) headers[header] = req.headers[header];
    if (body) headers["content-length"] = body.length;
    const secure = target.protocol === "https:";
    const upstream = (secure ? https : http).request(target, { method: req.method, headers, agent: secure ? this.agents.https : this.agents.http });
    upstream.setTimeout(UPSTREAM_IDLE_MS, () => upstream.destroy(new Error("upstream idle timeout")));
    upstream.on("response", (answer) => {
      relayAnswer(answer, res, DROPPED_RESPONSE_HEADERS);
      answer.on("end", () =>
        this.log.info({ method: req.method, server: name, status: answer.statusCode, ms: Math.round(performance.now() - started) }, "mcp call"),
      );
    });
    upstream.on("error", (error) => {
      if (res.headersSent) res.destroy();
      else jsonRpcError(res, 502, JSONRPC.serverError, `The workspace's MCP server could not be reached: ${error.message}`);
    });
    // The agent went away (tab closed, stream dropped): end the upstream call too.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  }

  private hasLocalKey(req: http.IncomingMessage): boolean {
    const offered = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim() ?? "";
    const a = Buffer.from(offered);
    const b = Buffer.from(this.options.localKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** The whole request body, or undefined once it passes MAX_BODY_BYTES (the rest is drained, not kept). */
async function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
}
