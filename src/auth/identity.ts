import type { IncomingMessage } from "node:http";
import { HttpError } from "../http-error.js";
import { isLoopback } from "../config.js";

/** The header the Databricks Apps proxy sets to the signed-in user's email. */
export const EMAIL_HEADER = "x-forwarded-email";

/** Longer than any real address (RFC 5321 caps a path at 256); longer values are refused, not echoed. */
const MAX_EMAIL_LENGTH = 320;

/**
 * The signed-in user's email from X-Forwarded-Email, trimmed, or the HttpError to refuse the request with:
 * missing or empty is 401; several headers, a comma list or an oversized value is 400.
 */
export function signedInEmail(req: Pick<IncomingMessage, "rawHeaders">): string | HttpError {
  // Node joins repeated X-Forwarded-* headers with ", ", so count them in the raw list.
  const values: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === EMAIL_HEADER) values.push(req.rawHeaders[i + 1]!);
  }
  if (values.length > 1) {
    return new HttpError(400, "ambiguous_identity", "The request carries several X-Forwarded-Email headers.");
  }
  const email = trimAscii(values[0] ?? "");
  if (email === "") {
    return new HttpError(401, "unauthenticated", "No signed-in user: open this app through its Databricks Apps URL.");
  }
  if (email.includes(",")) {
    return new HttpError(400, "ambiguous_identity", "X-Forwarded-Email must name exactly one user.");
  }
  if (email.length > MAX_EMAIL_LENGTH) {
    return new HttpError(400, "bad_identity", "X-Forwarded-Email is too long.");
  }
  return email;
}

/** The host the browser addressed: X-Forwarded-Host behind the Apps proxy, else Host; lower-cased. */
export function requestHost(req: Pick<IncomingMessage, "headers">): string | undefined {
  const forwarded = single(req.headers["x-forwarded-host"]);
  const host = forwarded !== undefined && forwarded !== "" ? forwarded : req.headers.host;
  return host?.trim().toLowerCase() || undefined;
}

/**
 * Refuses a request made by a page of another site: an Origin header that is present but names a host
 * other than the request's own (cross-site WebSocket hijacking, cross-site form posts).
 */
export function checkOrigin(req: Pick<IncomingMessage, "headers">): HttpError | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  let originHost: string | undefined;
  try {
    const url = new URL(origin);
    // A browser sends scheme://host[:port] and nothing else: userinfo ("http://evil@host"), a path or a query
    // mean the header was written by hand, so it names no page's origin.
    const bare = !url.username && !url.password && (url.pathname === "/" || url.pathname === "") && !url.search && !url.hash;
    originHost = bare && !origin.endsWith("/") ? url.host.toLowerCase() : undefined;
  } catch {
    originHost = undefined; // "null" (sandboxed frames, file://) and garbage are refused below.
  }
  const host = requestHost(req);
  if (!originHost || !host || originHost !== host) {
    return new HttpError(403, "cross_origin", "Cross-site request refused: its Origin does not match this gateway's host.");
  }
  return undefined;
}

/**
 * Local mode only: refuses a Host header that is not a loopback name, so a web page on a hostile DNS
 * name that resolves to 127.0.0.1 (DNS rebinding) cannot reach the gateway as a same-origin page.
 */
export function checkLoopbackHost(req: Pick<IncomingMessage, "headers">): HttpError | undefined {
  const host = req.headers.host?.trim().toLowerCase() ?? "";
  // The whole header: a name, an optional port, nothing after ("[::1]anything" is no loopback host).
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::\d{1,5})?$/.exec(host);
  const name = match?.[1] ?? match?.[2] ?? "";
  if (isLoopback(name)) return undefined;
  return new HttpError(403, "bad_host", "Local mode answers only requests addressed to a loopback host (127.0.0.1 or localhost).");
}

/** Trims spaces and tabs only (HTTP's optional whitespace): U+00A0 and friends are part of the value. */
export function trimAscii(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}

/** True for methods a cross-site page can use to change state. */
export function isUnsafeMethod(method: string | undefined): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes((method ?? "GET").toUpperCase());
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value?.split(",")[0]?.trim();
}
