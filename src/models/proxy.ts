import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { Logger } from "pino";
import { closeLoopback, listenOnLoopback, relayAnswer, upstreamAgents } from "../loopback-server.js";
import { proxyError } from "./proxy-errors.js";
import { refusedModelPath } from "./proxy-path.js";
import { FORMATS, geminiPath, jsonBody, readBody, requestedModel, type WireFormat } from "./proxy-request.js";
import type { ModelRoute, Upstreams } from "./model-route.js";
import { fixRequest } from "./wire-fixes.js";
import { parseTarget } from "../request-target.js";

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
  "user-agent",
  "content-length",
]);
const DROPPED_RESPONSE_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "trailer", "upgrade", "set-cookie"]);
/** A stream idle this long is dead; model answers can pause for a while between events, never this long. */
const UPSTREAM_IDLE_MS = 10 * 60_000;

/** What the proxy forwards to, looked up per request (calls made while the models are listed wait for it). */
export interface ProxyTarget {
  readonly route: ModelRoute;
  /** Every model the workspace lists (Unity AI Gateway v2); empty: not known, so not checked. */
  readonly listed: readonly string[];
  /** Gemini CLI's own Google model names go to these (see geminiPath). */
  readonly models: { readonly gemini: { readonly default: string; readonly flash: string } };
}

export interface ModelProxyOptions {
  readonly target: () => Promise<ProxyTarget>;
  /** The Authorization header for upstream calls (the owner's current token as a Bearer), or undefined. */
  readonly credential: () => Promise<string | undefined>;
  /** What a CLI is told when there is no credential. */
  readonly noCredentialMessage?: string;
  /** Sent as the User-Agent of every upstream call, before the CLI's own. */
  readonly userAgent: string;
  readonly logger: Logger;
}

/**
 * The loopback-only model proxy the agent CLIs use as their base URL: it checks the per-start local key,
 * replaces it with the owner's current credential, and streams the upstream answer through unbuffered.
 * Paths: /anthropic/..., /openai/..., /gemini/..., /mlflow/... map to the chosen route's upstream for that
 * wire format. On Unity AI Gateway v2 a model the workspace does not list is refused here, readably.
 */
export class ModelProxy {
  /** The only key the CLIs' files hold; a new one every start. */
  readonly localKey = randomBytes(32).toString("hex");
  private readonly server: http.Server;
  private readonly agents = upstreamAgents();
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
  async listen(): Promise<string> {
    this.baseUrl = await listenOnLoopback(this.server);
    this.log.info({ proxy: this.baseUrl }, "model proxy listening on loopback");
    return this.baseUrl;
  }

  close(): Promise<void> {
    return closeLoopback(this.server, this.agents);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    // A target starting with "//" must not be read as a host (and "//[" must not throw into a 502).
    const raw = req.url ?? "/";
    const url = parseTarget(raw);
    if (!url) return proxyError(res, "openai", 400, "Not a valid request path.");
    const [, prefix = "", ...rest] = url.pathname.split("/");
    const format = FORMATS.find((f) => f === prefix);
    if (!format) return proxyError(res, "openai", 404, `Nothing at ${url.pathname}: use /anthropic, /openai, /gemini or /mlflow.`);
    if (!this.hasLocalKey(req, url)) {
      return proxyError(res, format, 401, "The model proxy refused the key: restart the agent tab (the gateway restarted).");
    }
    url.searchParams.delete("key");
    const refused = refusedModelPath(format, raw); // encoded separators, dot segments, foreign shapes
    if (refused) return proxyError(res, format, 400, refused);
    const target = await this.options.target();
    const { upstreams } = target.route;
    if (!upstreams) {
      return proxyError(res, format, 502, "No model route: set DATABRICKS_HOST (or DATABRICKS_GATEWAY_HOST) for the gateway.");
    }
    const credential = await this.options.credential();
    if (!credential) {
      const message = this.options.noCredentialMessage ?? "No Databricks token: paste a personal access token on the gateway's page.";
      return proxyError(res, format, 401, message);
    }
    const body = await readBody(req);
    if (!body) return proxyError(res, format, 413, "The request is larger than the model proxy accepts (64 MB).");
    let tail = rest.length ? "/" + rest.join("/") : "";
    if (format === "gemini") tail = geminiPath(tail, target.models.gemini);
    const json = jsonBody(body, header(req, "content-type"));
    const model = requestedModel(format, tail, json);
    if (model !== undefined && target.listed.length > 0 && !target.listed.includes(model)) {
      const more = target.listed.length > 20 ? ` and ${target.listed.length - 20} more` : "";
      const message = `The model "${model.slice(0, 200)}" is not served by this workspace. Served: ${target.listed.slice(0, 20).join(", ")}${more}.`;
      return proxyError(res, format, 400, message);
    }
    const fixes = json ? fixRequest(format, json) : [];
    const sent = fixes.length > 0 ? Buffer.from(JSON.stringify(json)) : body;
    const dest = new URL(upstreamBase(upstreams, format) + tail + url.search);
    const done = (status: number | string) =>
      this.log.info(
        { method: req.method, format, path: dest.pathname, model, status, ms: Math.round(performance.now() - started), ...(fixes.length ? { fixes } : {}) },
        "model call",
      );
    this.forward(req, res, { target: dest, credential, format, body: sent }, done);
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: { target: URL; credential: string; format: WireFormat; body: Buffer },
    done: (status: number | string) => void,
  ): void {
    const { target, credential, format, body } = call;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !DROPPED_REQUEST_HEADERS.has(name)) headers[name] = value;
    }
    headers.authorization = credential;
    headers["user-agent"] = [this.options.userAgent, header(req, "user-agent")].filter(Boolean).join(" ");
    // Unity AI Gateway serves Claude Code's calls in its coding-agent mode only when asked to.
    if (format === "anthropic") headers["x-databricks-use-coding-agent-mode"] = "true";
    if (req.method !== "GET" && req.method !== "HEAD") headers["content-length"] = String(body.length);
    const secure = target.protocol === "https:";
    const upstream = (secure ? https : http).request(target, {
      method: req.method,
      headers,
      agent: secure ? this.agents.https : this.agents.http,
    });
    upstream.setTimeout(UPSTREAM_IDLE_MS, () => upstream.destroy(new Error("upstream idle timeout")));
    upstream.on("response", (answer) => {
      relayAnswer(answer, res, DROPPED_RESPONSE_HEADERS);
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
    upstream.end(req.method === "GET" || req.method === "HEAD" ? undefined : body);
  }

  private hasLocalKey(req: http.IncomingMessage, url: URL): boolean {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const offered = bearer ?? header(req, "x-api-key") ?? header(req, "x-goog-api-key") ?? url.searchParams.get("key") ?? "";
    const a = Buffer.from(offered.trim());
    const b = Buffer.from(this.localKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

function upstreamBase(upstreams: Upstreams, format: WireFormat): string {
  return upstreams[format].replace(/\/+$/, "");
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
