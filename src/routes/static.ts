import path from "node:path";
import express, { Router } from "express";

/** Vendor paths: each package's own distributed files, served as they are (no bundler). */
const VENDOR: Readonly<Record<string, string>> = {
  xterm: "@xterm/xterm",
  "addon-fit": "@xterm/addon-fit",
  "addon-web-links": "@xterm/addon-web-links",
  "addon-search": "@xterm/addon-search",
  "addon-unicode11": "@xterm/addon-unicode11",
  "addon-clipboard": "@xterm/addon-clipboard",
};

/** The page (public/) and xterm's files under /vendor/. */
export function createStaticRoutes({ root }: { root: string }): Router {
  const router = Router();
  for (const [name, pkg] of Object.entries(VENDOR)) {
    router.use(`/vendor/${name}`, express.static(path.join(root, "node_modules", pkg), { index: false, fallthrough: false }));
  }
  router.use(express.static(path.join(root, "public"), { index: "index.html" }));
  return router;
}
