import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { ModelRoute, Upstreams } from "./route.js";
import { proxyError } from "./proxy-errors.js";

/** Hop-by-hop headers, and every header that could carry the caller's key, are not forwarded. */
const DROPPED_REQUEST_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "cookie",
]);
const DROPPED_RESPONSE_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "trailer", "upgrade", "set-cookie"]);
/** A stream idle this long is dead; model answers can pause for a while between events, never this long. */
const UPSTREAM_IDLE_MS = 10 * 60_000;

export interface ModelProxyOptions {
  /** The route in use; awaited per request, so calls made while the route is being chosen wait for it. */
  readonly route: () => Promise<ModelRoute>;
  /** The Authorization header for upstream calls (the owner's current token as a Bearer), or undefined. */
  readonly credential: () => Promise<string | undefined>;
  /** What a CLI is told when there is no credential. */
  readonly noCredentialMessage?: string;
  /** The serving endpoint for Gemini CLI's internal calls to Google model names (see geminiPath). */
  readonly geminiModel?: string;
  readonly logger: Logger;
}

/**
 * The loopback-only model proxy the agent CLIs use as their base URL: it checks the per-start local key,
 * replaces it with the owner's current credential, and streams the upstream answer through unbuffered.
 * Paths: /anthropic/..., /openai/..., /gemini/... map to the chosen route's upstream for that wire format.
 */
export class ModelProxy {
  /** The only key the CLIs' files hold; a new one every start. */
  readonly localKey = randomBytes(32).toString("hex");
  private readonly server: http.Server;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly log: Logger;
  private baseUrl: string | undefined;

  constructor(private readonly options: ModelProxyOptions) {
    this.log = options.logger.child({ component: "model-proxy" });
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.log.error({ err: error }, "model proxy failure");
        if (!res.headersSent) proxyError(res, "openai", 502, "The model proxy failed; see the gateway's log.");
        else res.destroy();
      });
    });
  }

  /** The proxy's base URL once listening. */
  get url(): string {
    if (!this.baseUrl) throw new Error("the model proxy is not listening");
    return this.baseUrl;
  }

  /** Listens on 127.0.0.1 on a free port: never reachable from outside the machine. */
  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => {
        this.server.off("error", reject);
        this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        this.log.info({ proxy: this.baseUrl }, "model proxy listening on loopback");
        resolve(this.baseUrl);
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.agents.http.destroy();
    this.agents.https.destroy();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    // Appended, not resolved against a base: a target starting with "//" would otherwise be read as a host
    // (and "//[" throws), turning a bad path into a 502.
    const raw = req.url ?? "/";
    const url = URL.canParse(`http://proxy${raw}`) && raw.startsWith("/") ? new URL(`http://proxy${raw}`) : undefined;
    if (!url) return proxyError(res, "openai", 400, "Not a valid request path.");
    const [, prefix = "", ...rest] = url.pathname.split("/");
    const format = (["anthropic", "openai", "gemini"] as const).find((f) => f === prefix);
    if (!format) return proxyError(res, "openai", 404, `Nothing at ${url.pathname}: use /anthropic, /openai or /gemini.`);
    if (!this.hasLocalKey(req, url)) {
      return proxyError(res, format, 401, "The model proxy refused the key: restart the agent tab (the gateway restarted).");
    }
    url.searchParams.delete("key");
    const route = await this.options.route();
    if (!route.upstreams) {
      return proxyError(res, format, 502, "No model route: set DATABRICKS_HOST (or DATABRICKS_GATEWAY_HOST) for the gateway.");
    }
    const credential = await this.options.credential();
    if (!credential) {
      const message = this.options.noCredentialMessage ?? "No Databricks token: paste a personal access token on the gateway's page.";
      return proxyError(res, format, 401, message);
    }
    let tail = rest.length ? "/" + rest.join("/") : "";
    if (format === "gemini" && this.options.geminiModel) tail = geminiPath(tail, this.options.geminiModel);
    const target = new URL(upstreamBase(route.upstreams, format) + tail + url.search);
    const done = (status: number | string) =>
      this.log.info({ method: req.method, format, path: target.pathname, status, ms: Math.round(performance.now() - started) }, "model call");
    this.forward(req, res, target, credential, format, done);
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    target: URL,
    credential: string,
    format: keyof Upstreams,
    done: (status: number | string) => void,
  ): void {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !DROPPED_REQUEST_HEADERS.has(name)) headers[name] = value;
    }
    headers.authorization = credential;
    const secure = target.protocol === "https:";
    const upstream = (secure ? https : http).request(target, {
      method: req.method,
      headers,
      agent: secure ? this.agents.https : this.agents.http,
    });
    upstream.setTimeout(UPSTREAM_IDLE_MS, () => upstream.destroy(new Error("upstream idle timeout")));
    upstream.on("response", (answer) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) out[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, out);
      // Send headers now and every chunk as it comes: SSE must not wait in a buffer. pipe() keeps backpressure.
      res.flushHeaders();
      res.socket?.setNoDelay(true);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
      answer.on("end", () => done(answer.statusCode ?? 0));
    });
    upstream.on("error", (error) => {
      done("error");
      if (res.headersSent) res.destroy();
      else proxyError(res, format, 502, `The model endpoint could not be reached: ${error.message}`);
    });
    // The CLI gave up (Esc, Ctrl-C, tab closed): stop the upstream call too.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  private hasLocalKey(req: http.IncomingMessage, url: URL): boolean {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const offered = bearer ?? header(req, "x-api-key") ?? header(req, "x-goog-api-key") ?? url.searchParams.get("key") ?? "";
    const a = Buffer.from(offered.trim());
    const b = Buffer.from(this.localKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/**
 * Gemini CLI calls some fixed Google models of its own (a "flash-lite" for summaries and routing), which a
 * workspace does not serve under those names: a Google model name (gemini-…) goes to the configured endpoint.
 * Workspace endpoint names (databricks-gemini-…, or any other) pass unchanged, so /model still works.
 */
export function geminiPath(tail: string, model: string): string {
  return tail.replace(/\/models\/gemini-[^/:]*(?=:)/, `/models/${encodeURIComponent(model)}`);
}

function upstreamBase(upstreams: Upstreams, format: keyof Upstreams): string {
  return upstreams[format].replace(/\/+$/, "");
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
