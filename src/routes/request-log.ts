import type { RequestHandler } from "express";
import type { Logger } from "pino";

/** One structured line per request: method, path (no query), status and duration. */
export function requestLog(logger: Logger): RequestHandler {
  const log = logger.child({ component: "http" });
  return (req, res, next) => {
    const started = performance.now();
    res.on("finish", () => {
      log.info(
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) },
        "request",
      );
    });
    next();
  };
}
