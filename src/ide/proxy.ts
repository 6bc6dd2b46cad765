import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "pino";
import { HttpError, errorBody, errorPage, refuseUpgrade } from "../http-error.js";
import type { UpgradeRoute } from "../upgrade.js";
import type { IdeManager } from "./ide-manager.js";

/** The URL prefix code-server is served under; its pages use relative URLs, so it needs no flag for this. */
export const IDE_PREFIX = "/ide";

/** Inactivity on a proxied request's upstream socket before it counts as failed (not a cap on long downloads). */
const UPSTREAM_TIMEOUT_MS = 60_000;

/** Headers the gateway's front door adds for the signed-in user: they are the gateway's business, not code-server's. */
const GATEWAY_HEADERS = [
  "authorization",
  "x-forwarded-email",
  "x-forwarded-user",
  "x-forwarded-preferred-username",
  "x-forwarded-access-token",
  // code-server trusts Forwarded host= over everything for its Origin check; only our own front door may set hosts.
  "forwarded",
];
/** Cookies code-server and its workbench set for themselves; every other cookie (the gateway's, the platform's) stays here. */
const CODE_SERVER_COOKIE = /^(code-server|vscode-)/;

/**
 * code-server's port proxy (/ide/proxy/<port>/, /ide/absproxy/<port>/) serves any loopback HTTP service on the
 * gateway's own origin. Each of its responses is sandboxed: its scripts run in an opaque origin, so the browser
 * sends `Origin: null` and no SameSite cookie, and the guard refuses their API calls and WebSockets; they can read
 * neither the gateway's pages nor code-server's. No allow-same-origin, no top navigation, popups stay sandboxed.
 */
export const PORT_PREVIEW_CSP = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

/**
 * True for a request target (relative to /ide, or absolute) code-server's port proxy may serve. Read on the
 * dot-segment-normalised, percent-decoded, slash-collapsed path, so that no spelling of it escapes the sandbox; a
 * target that cannot be decoded counts as a preview (the sandbox is the safe side).
 */
export function isPortPreview(target: string): boolean {
  let pathname: string;
  try {
    // Appended, not resolved: "//proxy/3000" would otherwise be read as a host named proxy.
    pathname = decodeURIComponent(new URL(`http://x/${target}`).pathname).replace(/[\\/]+/g, "/");
  } catch {
    return true;
  }
  return /^(\/ide)?\/(abs)?proxy(\/|$)/i.test(pathname);
}

/** The reverse proxy to code-server: HTTP through `web`, WebSocket upgrades through `upgrade`. */
export interface IdeProxy {
  /** Proxies a request whose url is already relative to /ide (as under an Express mount). */
  web(req: IncomingMessage, res: ServerResponse): void;
  readonly upgrade: UpgradeRoute;
  close(): void;
}

/**
 * Forwards to code-server's unix socket. The Host header is passed unchanged and X-Forwarded-* added (xfwd), so
 * code-server's own Origin check passes for the owner's page and refuses a page from another origin.
 */
export function createIdeProxy(options: { manager: IdeManager; logger: Logger; timeoutMs?: number }): IdeProxy {
  const { manager } = options;
  const log = options.logger.child({ component: "ide-proxy" });
  // A hung code-server must not hang the browser: an upstream socket silent this long ends in a 502.
  const proxyTimeout = options.timeoutMs ?? UPSTREAM_TIMEOUT_MS;
  const proxy = createProxyServer({ xfwd: true, ws: true, changeOrigin: false, proxyTimeout });
  const sockets = new Set<Duplex>();
  const target = () => ({ socketPath: manager.socketPath, host: "localhost", port: 80 });
  const previews = new WeakSet<IncomingMessage>();

  proxy.on("proxyRes", (proxyRes, req) => {
    if (!previews.has(req)) return;
    // Added to the service's own policy (each policy is enforced): the sandbox holds whatever the service sends.
    const own = proxyRes.headers["content-security-policy"];
    proxyRes.headers["content-security-policy"] = [...(Array.isArray(own) ? own : own ? [own] : []), PORT_PREVIEW_CSP] as unknown as string;
    // A previewed service must not set cookies on the gateway's origin (the key's, code-server's, the platform's).
    delete proxyRes.headers["set-cookie"];
    delete proxyRes.headers["service-worker-allowed"];
  });

  proxy.on("error", (error, req, res) => {
    log.warn({ err: error.message, path: req.url }, "code-server unreachable");
    if ("writeHead" in res) {
      if (res.headersSent) return void res.destroy();
      const error = new HttpError(502, "ide_unreachable", "The IDE did not answer. It may have stopped or crashed; reload the page to start it again.");
      const html = (req.headers.accept ?? "").includes("text/html");
      // Written by hand, not by sendError: this is the raw response http-proxy hands over, and it keeps no-store.
      res.writeHead(error.status, { "content-type": html ? "text/html; charset=utf-8" : "application/json", "cache-control": "no-store" });
      res.end(html ? errorPage(error.status, "Bad Gateway", error.message) : JSON.stringify(errorBody(error)));
    } else {
      refuseUpgrade(res, new HttpError(502, "ide_unreachable", "The IDE did not answer."));
    }
  });

  return {
    web(req, res) {
      manager.touch();
      scrub(req);
      if (isPortPreview(req.url ?? "/")) previews.add(req);
      proxy.web(req, res, { target: target() });
    },
    upgrade: {
      matches: (pathname) => pathname === IDE_PREFIX || pathname.startsWith(`${IDE_PREFIX}/`),
      probePath: `${IDE_PREFIX}/stable-probe`,
      handle(req, socket, head) {
        if (manager.current !== "running") {
          // 502 like any unreachable upstream (503 is the guard's "owner not yet known").
          refuseUpgrade(socket, new HttpError(502, "ide_not_running", "The IDE is not running; reload the page to start it."));
          return;
        }
        const done = manager.socketOpened();
        sockets.add(socket);
        socket.once("close", () => {
          sockets.delete(socket);
          done();
        });
        req.url = (req.url ?? "/").slice(IDE_PREFIX.length) || "/";
        scrub(req);
        proxy.ws(req, socket, head, { target: target() });
      },
    },
    close() {
      for (const socket of sockets) socket.destroy();
      proxy.close();
    },
  };
}

/** Removes the gateway's auth headers and cookies from a request before it goes to code-server. */
export function scrub(req: IncomingMessage): void {
  for (const name of GATEWAY_HEADERS) delete req.headers[name];
  const cookie = req.headers.cookie;
  if (cookie !== undefined) {
    const kept = cookie
      .split(";")
      .map((c) => c.trim())
      .filter((c) => CODE_SERVER_COOKIE.test(c.slice(0, Math.max(0, c.indexOf("=")))));
    if (kept.length > 0) req.headers.cookie = kept.join("; ");
    else delete req.headers.cookie;
  }
}
