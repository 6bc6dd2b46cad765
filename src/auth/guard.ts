import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import type { HttpError } from "../http-error.js";
import { checkLoopbackHost, checkOrigin, isUnsafeMethod } from "./identity.js";
import { createLocalKeyCheck } from "./local-key.js";

/**
 * The one gate in front of everything but /healthz: HTTP routes use `http`, WebSocket upgrades call
 * `checkUpgrade` before any handler sees them.
 */
export interface Guard {
  readonly http: RequestHandler;
  /** The error to refuse an upgrade with, or undefined to let it through. */
  checkUpgrade(req: IncomingMessage): HttpError | undefined;
  /** What /healthz may say about the guard (never the owner's identity). */
  health(): Record<string, unknown>;
  /** The signed-in user's email, for the page's status bar. */
  user(req: IncomingMessage): string | undefined;
  /** Starts background work (the owner lookup); the server calls it from listen(). */
  start?(): void;
  close(): void;
}

/** Local mode's options: the key every request must carry (undefined: GATEWAY_AUTH=none, no key check). */
export interface LocalGuardOptions {
  readonly key?: string;
  /**
   * Requests that need no key: the IDE's port previews while code-server runs. Their pages are sandboxed
   * (opaque origin), so the browser never sends them the SameSite=Strict key cookie, and what they reach, a
   * loopback port, every local user reaches directly anyway. The Host and Origin checks still apply.
   */
  readonly keyExempt?: (req: IncomingMessage) => boolean;
}

/**
 * Local mode: the gateway listens on loopback only, and every local user can reach a loopback port, so each
 * request and upgrade must carry the per-start key (cookie or bearer; see local-key.ts). Also refused: a Host
 * that is not loopback (DNS rebinding) and a cross-site Origin on upgrades and state-changing requests, since
 * any web page the user opens can aim a WebSocket at 127.0.0.1.
 */
export function createLocalGuard({ key, keyExempt = () => false }: LocalGuardOptions = {}): Guard {
  const keyCheck = key !== undefined ? createLocalKeyCheck(key) : undefined;
  const check = (req: IncomingMessage, upgrade: boolean): HttpError | undefined =>
    checkLoopbackHost(req) ??
    (keyExempt(req) ? undefined : keyCheck?.check(req)) ??
    (upgrade || isUnsafeMethod(req.method) ? checkOrigin(req) : undefined);
  return {
    http: (req, res, next) => {
      if (checkLoopbackHost(req) === undefined && keyCheck?.redeem(req, res)) return;
      const refusal = check(req, false);
      if (refusal?.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="agent-terminal-gateway"');
      next(refusal);
    },
    checkUpgrade: (req) => check(req, true),
    health: () => ({ mode: "local" }),
    user: () => undefined,
    close: () => {},
  };
}
