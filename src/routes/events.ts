import { Router } from "express";
import { checkOrigin } from "../auth/identity.js";
import type { Events } from "../events.js";
import { HttpError } from "../http-error.js";

/**
 * GET /api/events: Server-Sent Events for the page (behind the guard like every route). A GET is not
 * refused for its Origin elsewhere, but this stream carries the session list, so a page of another site
 * must not read it: EventSource sends Origin, and a foreign one is 403.
 */
export function createEventRoutes({ events }: { events: Events }): Router {
  const router = Router();
  router.get("/api/events", async (req, res) => {
    const refusal = checkOrigin(req);
    if (refusal) throw refusal;
    if (!events.hasRoom()) throw new HttpError(429, "too_many_readers", "Too many pages are listening to this gateway's events.");
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      // Proxies (nginx and its kin) would otherwise hold events back to fill a buffer.
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
    let closed = false;
    let remove: (() => void) | undefined;
    res.on("close", () => {
      closed = true;
      remove?.();
    });
    remove = await events.connect({
      write: (text) => void res.write(text),
      buffered: () => res.writableLength,
      close: () => res.destroy(),
      end: () => res.end(),
    });
    if (closed) remove();
  });
  return router;
}
