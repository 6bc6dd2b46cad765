import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "../http-error.js";

/** The query parameter of the printed URL, as Jupyter names it. */
export const KEY_PARAM = "token";

/** 24 random bytes: 32 URL-safe characters, beyond guessing over a loopback port. */
export function randomLocalKey(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * The cookie holding the key. Cookies are not kept apart by port, so two gateways on one host would overwrite
 * each other's: the name carries the port the browser addressed (Jupyter does the same).
 */
export function keyCookieName(req: Pick<IncomingMessage, "headers">): string {
  const host = req.headers.host ?? "";
  const port = /:(\d{1,5})$/.exec(host)?.[1] ?? "80";
  return `agent-terminal-gateway-key-${port}`;
}

/** The URL to print at start: opening it once sets the cookie. */
export function keyedUrl(baseUrl: string, key: string): string {
  return `${baseUrl}/?${KEY_PARAM}=${encodeURIComponent(key)}`;
}

/** What a refused browser is told: where the key is, never the key. */
export const KEY_MISSING_MESSAGE =
  "This gateway needs its key. Open the address it printed when it started (the line " +
  "\"http://127.0.0.1:<port>/?token=...\" in the terminal or log where you started it), or send " +
  "\"Authorization: Bearer <key>\" from a script.";

/** Checks a request for the local key: an `Authorization: Bearer` header or the key cookie. */
export interface LocalKeyCheck {
  /** undefined when the request carries the key, else the 401 to refuse it with. */
  check(req: IncomingMessage): HttpError | undefined;
  /**
   * A GET of the printed URL: when `?token=` holds the key, sets the cookie, redirects to the same URL without it
   * and returns true (the request is answered). A wrong `?token=` is left for check() to refuse.
   */
  redeem(req: IncomingMessage, res: ServerResponse): boolean;
}

/** The local key's checks, comparing in constant time. */
export function createLocalKeyCheck(key: string): LocalKeyCheck {
  const expected = digest(key);
  const matches = (candidate: string | undefined) =>
    candidate !== undefined && candidate !== "" && timingSafeEqual(digest(candidate), expected);
  return {
    check(req) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
      if (matches(bearer) || matches(cookie(req, keyCookieName(req)))) return undefined;
      return new HttpError(401, "key_required", KEY_MISSING_MESSAGE);
    },
    redeem(req, res) {
      if (req.method !== "GET" && req.method !== "HEAD") return false;
      const url = new URL(req.url ?? "/", "http://x");
      if (!matches(url.searchParams.get(KEY_PARAM) ?? undefined)) return false;
      url.searchParams.delete(KEY_PARAM);
      const clean = url.pathname.startsWith("//") ? "/" : url.pathname + url.search;
      res.statusCode = 302;
      res.setHeader("Set-Cookie", `${keyCookieName(req)}=${key}; Path=/; HttpOnly; SameSite=Strict`);
      res.setHeader("Location", clean);
      res.setHeader("Cache-Control", "no-store");
      // The address with the key stays out of the next page's Referer and the history of this response.
      res.setHeader("Referrer-Policy", "no-referrer");
      res.end();
      return true;
    },
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
