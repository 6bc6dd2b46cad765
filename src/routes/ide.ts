import { Router, type Request } from "express";
import { HttpError, wantsHtml } from "../http-error.js";
import type { IdeManager } from "../ide/ide-manager.js";
import type { Installer } from "../ide/installer.js";
import { IDE_PAGE_HEADERS, idePage } from "../ide/pages.js";
import { IDE_PREFIX, isPortPreview, type IdeProxy } from "../ide/proxy.js";

/** How often a client without scripts should come back while the IDE starts, in seconds. */
const RETRY_AFTER_SECONDS = "1";

/**
 * /ide and everything under it: proxied to code-server while it runs; otherwise the first visit starts it and
 * a browser gets the "Starting the IDE" page (or the offer to install it). /ide must be exempt from the page's
 * Content-Security-Policy: the workbench brings its own, and the page's would break it.
 */
export function createIdeProxyRoutes({ manager, proxy }: { manager: IdeManager; proxy: Pick<IdeProxy, "web"> }): Router {
  const router = Router();
  router.use(IDE_PREFIX, (req, res, next) => {
    const refusal = foreignRequest(req);
    if (refusal) return next(refusal);
    if (req.originalUrl === IDE_PREFIX || req.originalUrl.startsWith(`${IDE_PREFIX}?`)) {
      res.redirect(301, `${IDE_PREFIX}/${req.originalUrl.slice(IDE_PREFIX.length)}`);
      return;
    }
    if (manager.current === "running") {
      proxy.web(req, res);
      return;
    }
    const absent = manager.bin() === undefined;
    if (!absent) void manager.start();
    void manager.status().then((status) => {
      if (!absent && status.state === "running") return proxy.web(req, res);
      res.setHeader("retry-after", RETRY_AFTER_SECONDS);
      if (wantsHtml(req)) {
        const shown = absent ? status : { ...status, state: "starting" as const };
        res.status(503).set(IDE_PAGE_HEADERS).type("html").send(idePage(shown, { configuredBin: manager.configuredBin }));
      } else {
        next(absent ? absentError(manager) : new HttpError(503, "ide_starting", "The IDE is starting; try again in a moment."));
      }
    }, next);
  });
  return router;
}

/**
 * GET /api/ide, POST /api/ide/start[?wait=1], POST /api/ide/stop, POST /api/ide/install. Mounted after the
 * guard, whose checkOrigin refuses a state-changing request from another site: these routes have no check of
 * their own.
 */
export function createIdeApiRoutes({ manager, installer }: { manager: IdeManager; installer: Installer }): Router {
  const router = Router();
  router.get("/api/ide", async (_req, res) => {
    res.set("cache-control", "no-store").json({ ...(await manager.status()), install: installer.status() });
  });
  router.post("/api/ide/start", async (req, res) => {
    if (manager.bin() === undefined) throw absentError(manager);
    const wait = req.query.wait;
    if (wait !== undefined && wait !== "1" && wait !== "0") throw new HttpError(400, "bad_wait", "wait must be 1 or 0.");
    const started = manager.start();
    if (wait !== "1") {
      void started.catch(() => undefined);
      res.status(202).json(await manager.status());
      return;
    }
    const status = await started;
    if (status.state === "running") res.json(status);
    else res.status(502).json({ ...status, error: { code: "ide_failed", message: status.lastError ?? "The IDE did not start." } });
  });
  router.post("/api/ide/stop", async (_req, res) => {
    await manager.stop("asked to stop");
    res.json(await manager.status());
  });
  router.post("/api/ide/install", (_req, res) => {
    if (manager.configuredBin !== undefined) {
      throw new HttpError(409, "ide_bin_configured", "CODE_SERVER_BIN is set: install code-server there, or unset it.");
    }
    void installer.run();
    res.status(202).json(installer.status());
  });
  return router;
}

/**
 * code-server's own routes (its file routes above all: vscode-remote-resource reads any file) answer only the
 * gateway's and the workbench's own pages: a request a browser marks as made by another site, or by an opaque
 * origin (a sandboxed port preview: `Origin: null`, `Sec-Fetch-Site: cross-site`), is refused unless it is a
 * top-level navigation (whose page the other site cannot read); a frame is no exception. Port previews
 * themselves are exempt: their pages load their own files that way.
 */
function foreignRequest(req: Request): HttpError | undefined {
  if (isPortPreview(req.originalUrl)) return undefined;
  const site = req.headers["sec-fetch-site"];
  const navigation = req.headers["sec-fetch-mode"] === "navigate" && req.headers["sec-fetch-dest"] === "document";
  if (req.headers.origin === "null" || ((site === "cross-site" || site === "same-site") && !navigation)) {
    return new HttpError(403, "cross_origin", "The IDE answers only its own pages.");
  }
  return undefined;
}

function absentError(manager: IdeManager): HttpError {
  return manager.configuredBin !== undefined
    ? new HttpError(503, "ide_absent", "CODE_SERVER_BIN is not an executable file.")
    : new HttpError(503, "ide_absent", "code-server is not installed; POST /api/ide/install installs it.");
}
