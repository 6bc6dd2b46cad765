import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import type { HttpError } from "../http-error.js";

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
  close(): void;
}

/** Local mode: the gateway listens on loopback only and every request is its user's. */
export function createLocalGuard(): Guard {
  return {
    http: (_req, _res, next) => next(),
    checkUpgrade: () => undefined,
    health: () => ({ mode: "local" }),
    user: () => undefined,
    close: () => {},
  };
}
