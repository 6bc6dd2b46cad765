import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { Guard } from "./auth/guard.js";
import { HttpError, refuseUpgrade, toHttpError } from "./http-error.js";
import { parseTarget } from "./request-target.js";

/** A WebSocket endpoint; the server checks the guard before calling `handle`. */
export interface UpgradeRoute {
  /** True when this route serves the path (without query). */
  matches(pathname: string): boolean;
  /** One path this route serves: the test that proves the guard covers every upgrade knocks on it. */
  readonly probePath: string;
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}


/** The path of a request target without its query, or undefined when it is not an origin-form path. */
export function targetPath(target: string | undefined): string | undefined {
  return parseTarget(target)?.pathname;
}

/**
 * The server's "upgrade" listener: a bad target is 400, then the guard decides, then an unknown path is 404;
 * only a route the guard let through sees the socket. Refusals use the same status mapping as HTTP errors.
 */
export function createUpgradeDispatcher({ routes, guard, logger }: {
  routes: readonly UpgradeRoute[];
  guard: Pick<Guard, "checkUpgrade">;
  logger: Logger;
}): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    try {
      const pathname = targetPath(req.url);
      if (pathname === undefined) {
        refuseUpgrade(socket, new HttpError(400, "bad_path", "Not a valid request path."));
        return;
      }
      const route = routes.find((r) => r.matches(pathname));
      const refusal = guard.checkUpgrade(req) ?? (route ? undefined : new HttpError(404, "not_found", "No WebSocket here."));
      if (refusal) {
        logger.info({ path: pathname, status: refusal.status }, "upgrade refused");
        refuseUpgrade(socket, refusal);
        return;
      }
      route!.handle(req, socket, head);
    } catch (error) {
      refuseUpgrade(socket, toHttpError(error, logger));
    }
  };
}
