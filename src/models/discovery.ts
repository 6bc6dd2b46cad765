/**
 * The workspace's model services (Unity AI Gateway v2): GET /api/2.1/unity-catalog/model-services, paged with
 * next_page_token. Every answer is checked: a listing is outside input, so garbage, huge pages and token loops
 * end as a failed discovery with a readable reason, never as a crash or unbounded memory.
 */

/** How a discovery ended; "absent" means the workspace has no v2 listing (an older workspace). */
export type DiscoveryState = "ok" | "absent" | "unauthorized" | "forbidden" | "failed";

/** The result of one listing, as a value (expected failures are not thrown). */
export interface Discovery {
  readonly state: DiscoveryState;
  /** Model ids as the agents send them (`system.ai.claude-sonnet-4-6`), in listing order; empty unless ok. */
  readonly models: readonly string[];
  /** Why it is not ok, for the status bar and GET /api/models; null when ok. */
  readonly message: string | null;
}

export interface DiscoveryOptions {
  /** The workspace origin, e.g. https://adb-1.azuredatabricks.net (no trailing slash). */
  readonly host: string;
  /** The Authorization header value (Bearer …). */
  readonly authorization: string;
  readonly fetch?: typeof fetch;
  /** The whole listing, all pages, must end within this time (a hanging workspace must not block tabs). */
  readonly timeoutMs?: number;
}

export const LISTING_PATH = "/api/2.1/unity-catalog/model-services";
/** page_size is required by the service (without it: HTTP 499); 100 is what Databricks' own CLI asks for. */
const PAGE_SIZE = 100;
/** A workspace lists tens of models; more pages than this is a loop or garbage. */
const MAX_PAGES = 20;
/** Per-page body cap: a page of 100 entries is a few tens of kB. */
const MAX_PAGE_BYTES = 2 * 1024 * 1024;
const MAX_MODELS = 1000;
const DEFAULT_TIMEOUT_MS = 8000;
/** A model service name as listed (`model-services/` may be missing); only system.ai models are offered. */
const NAME = /^(?:model-services\/)?(system\.ai\.[A-Za-z0-9][A-Za-z0-9._-]{0,127})$/;

/** Lists the workspace's system.ai model services, every page, within the time and size limits. */
export async function discoverModelServices(options: DiscoveryOptions): Promise<Discovery> {
  const doFetch = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const models: string[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const url = new URL(options.host + LISTING_PATH);
      url.searchParams.set("parent", "schemas/system.ai");
      url.searchParams.set("page_size", String(PAGE_SIZE));
      if (token) url.searchParams.set("page_token", token);
      const get = () => doFetch(url, { headers: { authorization: options.authorization, accept: "application/json" }, signal, redirect: "manual" });
      let res = await get();
      // A page can answer 499 (or a 5xx) now and then although the listing is fine: one retry per page.
      if (res.status === 499 || res.status >= 500) {
        await res.body?.cancel();
        res = await get();
      }
      if (res.status !== 200) {
        const detail = await errorText(res);
        return failure(res.status, detail);
      }
      const body = parsePage(await readCapped(res, MAX_PAGE_BYTES));
      if (typeof body === "string") return { state: "failed", models: [], message: `The model-services listing ${body}.` };
      for (const name of body.names) {
        const id = NAME.exec(name)?.[1];
        if (id && !models.includes(id)) models.push(id);
        if (models.length > MAX_MODELS) return { state: "failed", models: [], message: `The model-services listing has over ${MAX_MODELS} models.` };
      }
      if (!body.next) return { state: "ok", models, message: null };
      if (seen.has(body.next)) return { state: "failed", models: [], message: "The model-services listing repeats a page token." };
      seen.add(body.next);
      token = body.next;
    }
    return { state: "failed", models: [], message: `The model-services listing has over ${MAX_PAGES} pages.` };
  } catch (error) {
    const timedOut = signal.aborted;
    return {
      state: "failed",
      models: [],
      message: timedOut ? "The model-services listing did not answer in time." : `The model-services listing failed: ${(error as Error).message}`,
    };
  }
}

function failure(status: number, detail: string): Discovery {
  // The REST API answers an unknown or revoked PAT with 403 "Invalid access token": that is a refused token too.
  if (status === 401 || ((status === 400 || status === 403) && /invalid (access )?token/i.test(detail))) {
    return { state: "unauthorized", models: [], message: "The workspace refused the token when listing model services (401)." };
  }
  if (status === 403) {
    return {
      state: "forbidden",
      models: [],
      message: "Listing model services was forbidden (403): the token's user needs USE CATALOG on system and USE SCHEMA and EXECUTE on system.ai.",
    };
  }
  if (status === 404) return { state: "absent", models: [], message: "This workspace lists no model services (no Unity AI Gateway v2)." };
  return { state: "failed", models: [], message: `The model-services listing answered HTTP ${status}.` };
}

/** A page's names and next token, or what is wrong with it. */
function parsePage(text: string | undefined): { names: string[]; next: string | undefined } | string {
  if (text === undefined) return `page is larger than ${MAX_PAGE_BYTES} bytes`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "answered something that is not JSON";
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return "answered JSON that is not an object";
  const { model_services: list, next_page_token: next } = body as Record<string, unknown>;
  if (list !== undefined && !Array.isArray(list)) return "has a model_services that is not a list";
  if (next !== undefined && next !== null && (typeof next !== "string" || next.length > 4096)) return "has a bad next_page_token";
  const names: string[] = [];
  for (const entry of (list ?? []) as unknown[]) {
    const name = entry && typeof entry === "object" ? (entry as Record<string, unknown>).name : undefined;
    if (typeof name === "string") names.push(name);
  }
  return { names, next: next || undefined };
}

export const SERVING_PATH = "/api/2.0/serving-endpoints";
/** A serving endpoint name, as the agents send it (databricks-claude-sonnet-4-5, or the owner's own). */
const ENDPOINT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** The serving-endpoints list is one page holding every endpoint's config: larger than a model-services page. */
const MAX_SERVING_BYTES = 8 * 1024 * 1024;

/**
 * The workspace's serving endpoints (GET /api/2.0/serving-endpoints), for workspaces without v2: their names
 * are the models the agents send there. Endpoints that say they are not ready are left out. A failure is an
 * empty list (the documented defaults are used then).
 */
export async function discoverServingEndpoints(options: DiscoveryOptions): Promise<readonly string[]> {
  const doFetch = options.fetch ?? fetch;
  try {
    const res = await doFetch(options.host + SERVING_PATH, {
      headers: { authorization: options.authorization, accept: "application/json" },
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      redirect: "manual",
    });
    const text = res.status === 200 ? await readCapped(res, MAX_SERVING_BYTES) : (await res.body?.cancel(), undefined);
    const body: unknown = text === undefined ? undefined : JSON.parse(text);
    const endpoints = body && typeof body === "object" ? (body as Record<string, unknown>).endpoints : undefined;
    if (!Array.isArray(endpoints)) return [];
    const names: string[] = [];
    for (const entry of endpoints.slice(0, MAX_MODELS)) {
      if (!entry || typeof entry !== "object") continue;
      const { name, state } = entry as Record<string, unknown>;
      const ready = state && typeof state === "object" ? (state as Record<string, unknown>).ready : undefined;
      if (typeof name === "string" && ENDPOINT.test(name) && (ready === undefined || ready === "READY") && !names.includes(name)) names.push(name);
    }
    return names;
  } catch {
    return [];
  }
}

/** The body as text, or undefined past `max` bytes (the rest is not read). */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function errorText(res: Response): Promise<string> {
  return ((await readCapped(res, 16 * 1024).catch(() => "")) ?? "").slice(0, 500);
}
