import type { Express } from "express";

/** One request that must reach a registered route. */
export interface Probe {
  readonly method: string;
  readonly path: string;
}

/** Paths that need no owner: the health check only. */
const OPEN_PATHS = new Set(["/healthz"]);

/**
 * Every route and mounted middleware of the app, read from Express's router stack, as a request to send:
 * route parameters become "probe", mount points get a file name. A route added later shows up here by
 * itself, so the guard test covers it without being edited.
 */
export function guardedRequests(app: Express): Probe[] {
  const probes: Probe[] = [{ method: "GET", path: "/" }, { method: "GET", path: "/index.html" }];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "", probes);
  const seen = new Set<string>();
  return probes.filter((p) => {
    const key = `${p.method} ${p.path}`;
    if (seen.has(key) || OPEN_PATHS.has(p.path)) return false;
    seen.add(key);
    return true;
  });
}

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

function walk(stack: Layer[], prefix: string, out: Probe[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const path of paths(layer.route.path)) {
        for (const method of Object.keys(layer.route.methods)) {
          if (method !== "_all") out.push({ method: method.toUpperCase(), path: prefix + concrete(path) });
        }
      }
    } else if (layer.handle.stack) {
      for (const path of paths(layer.rawPath ?? "/")) walk(layer.handle.stack, prefix + (path === "/" ? "" : concrete(path)), out);
    } else {
      for (const path of paths(layer.rawPath ?? "/")) {
        if (path !== "/") out.push({ method: "GET", path: `${prefix}${concrete(path)}/probe` });
      }
    }
  }
}

function paths(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw.flat(Infinity) : [raw];
  return list.map((p) => {
    if (typeof p !== "string") throw new Error(`route path ${String(p)} is not a string: teach the route walk to probe it`);
    return p;
  });
}

/** "/api/sessions/:id" -> "/api/sessions/probe"; "/ide/*rest" -> "/ide/probe"; optional parts kept. */
function concrete(path: string): string {
  return path.replace(/[{}]/g, "").replace(/[:*][A-Za-z0-9_]+/g, "probe");
}
