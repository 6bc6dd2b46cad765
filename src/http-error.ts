import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";
import type { Logger } from "pino";
import { scrubDeep, scrubText, type KnownSecrets } from "./scrub.js";

/** The one error type of the HTTP boundary: a status, a stable code and a message fit for the user. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** True when the client asked for a page rather than JSON (a browser navigating). */
export function wantsHtml(req: Pick<Request, "headers" | "path">): boolean {
  if (req.path.startsWith("/api/")) return false;
  return (req.headers.accept ?? "").includes("text/html");
}

/**
 * A small self-contained error page; the message is escaped. Its empty icon keeps the browser from asking for
 * /favicon.ico, which a refused visitor would be refused again (a second 401 in the console).
 */
export function errorPage(status: number, title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><link rel="icon" href="data:,">
<style>body{font:15px system-ui,sans-serif;background:#1e1e2e;color:#cdd6f4;display:grid;place-items:center;height:100vh;margin:0}
main{max-width:36rem;padding:2rem}h1{font-size:1.3rem}code{color:#f9e2af}</style></head>
<body><main><h1>${status} ${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The one JSON error body: {"error": {code, message}} (HTTP answers, refused upgrades, the IDE proxy's 502). */
export function errorBody({ code, message }: Pick<HttpError, "code" | "message">): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Answers an HttpError as JSON ({"error": {code, message}}) or, for a browser page, as HTML. */
export function sendError(req: Request, res: Parameters<RequestHandler>[1], error: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(error.status);
  if (wantsHtml(req)) {
    const scrub = (res.locals as { scrub?: (text: string) => string }).scrub ?? scrubText;
    res.type("html").send(errorPage(error.status, STATUS_CODES[error.status] ?? "Error", scrub(error.message)));
  } else {
    res.json(errorBody(error));
  }
}

/**
 * Every JSON answer (errors, /healthz, the sync's, models', IDE's statuses) goes through the scrubber: an
 * upstream's echo of a credential in some lastError never leaves the gateway. Registered first, so it holds for
 * routes added later too.
 */
export function scrubbedResponses(known: KnownSecrets): RequestHandler {
  return (_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => json(scrubDeep(body, known));
    (res.locals as { scrub?: (text: string) => string }).scrub = (text) => scrubText(text, known);
    next();
  };
}

/** The one error middleware: HttpErrors pass through, body-parser errors become 4xx, the rest 500. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    sendError(req, res, toHttpError(error, logger));
  };
}

/** Maps anything thrown at the boundary to an HttpError, logging the unexpected ones. */
export function toHttpError(error: unknown, logger: Logger): HttpError {
  if (error instanceof HttpError) return error;
  const status = (error as { status?: unknown }).status;
  const type = (error as { type?: unknown }).type;
  if (typeof status === "number" && status >= 400 && status < 500) {
    // body-parser and friends: malformed JSON, body too large, bad encoding.
    const code = typeof type === "string" ? type.replace(/\./g, "_") : "bad_request";
    const message = type === "entity.parse.failed" ? "The request body is not valid JSON." : String((error as Error).message);
    return new HttpError(status, code, message);
  }
  logger.error({ err: error }, "unhandled error");
  return new HttpError(500, "internal", "Internal error; see the gateway's log.");
}

/** Refuses a WebSocket upgrade with the HTTP status of an HttpError, then closes the socket. */
export function refuseUpgrade(socket: Duplex, error: HttpError): void {
  const body = JSON.stringify(errorBody({ code: error.code, message: scrubText(error.message) }));
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Error"}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
