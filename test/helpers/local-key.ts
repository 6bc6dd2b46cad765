import { randomBytes } from "node:crypto";
import http from "node:http";

/**
 * Local mode's key for every gateway the helpers start (GATEWAY_TOKEN), one per test process. The helpers send
 * it by themselves, so a test written against a local gateway needs no change for it:
 * - api(), connect(), TerminalClient.open() and rawRequest() add `Authorization: Bearer <key>`;
 * - global fetch, http.request (and so the ws client) add it for a registered gateway's origin when the request
 *   carries no Authorization of its own;
 * - launchBrowser() gives its browser the key cookie of every registered gateway.
 * A test that needs a request without the key uses `fetchWithoutKey`, rawRequest's `{ key: false }` or
 * `launchBrowser({ key: false })`.
 */
export const TEST_KEY = `test-${randomBytes(18).toString("base64url")}`;

/** The environment that gives a gateway the test key; tests may override it. */
export const KEY_ENV = { GATEWAY_TOKEN: TEST_KEY } as const;

/** A registered gateway: its origin and the key it expects. */
export interface KeyedGateway {
  readonly origin: string;
  readonly key: string;
}

const gateways = new Map<string, string>();
/**
 * The registry also lives in the environment, so that worker threads (which start with a copy of it and none of
 * this module's state) send the keys too.
 */
const ENV_REGISTRY = "AGENT_TERMINAL_GATEWAY_TEST_KEYS";

function syncEnv(): void {
  process.env[ENV_REGISTRY] = JSON.stringify(Object.fromEntries(gateways));
}
const listeners = new Set<(gateway: KeyedGateway) => Promise<void>>();

/** Registers a gateway's base URL and key; resolves once every browser helper has its cookie. */
export async function registerGateway(url: string, key: string | undefined = TEST_KEY): Promise<void> {
  if (key === undefined) return;
  installKeyedClients();
  const origin = new URL(url).origin;
  gateways.set(origin, key);
  syncEnv();
  await Promise.all([...listeners].map((listener) => listener({ origin, key })));
}

/** The key a gateway started with `env` expects: undefined in app mode and with GATEWAY_AUTH=none. */
export function keyOf(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.APP_OWNER || env.DATABRICKS_APP_NAME || env.GATEWAY_AUTH === "none") return undefined;
  // GATEWAY_TOKEN set empty: the gateway draws its own key, which only its printed URL tells.
  return ("GATEWAY_TOKEN" in env ? env.GATEWAY_TOKEN : TEST_KEY) || undefined;
}

/** Forgets a gateway (its port may be reused by an unrelated server). */
export function unregisterGateway(url: string): void {
  gateways.delete(new URL(url).origin);
  syncEnv();
}

/** Every registered gateway, for a browser launched after they started. */
export function registeredGateways(): KeyedGateway[] {
  return [...gateways].map(([origin, key]) => ({ origin, key }));
}

/** Calls `listener` for each gateway registered from now on; returns the unsubscribe function. */
export function onGateway(listener: (gateway: KeyedGateway) => Promise<void>): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The key header for a URL of a registered gateway, else nothing: the one place tests take it from. */
export function keyHeaders(url: string | URL): Record<string, string> {
  const key = keyFor(url);
  return key === undefined ? {} : { authorization: `Bearer ${key}` };
}

/** `headers` plus the key header when `url` is a registered gateway's and `headers` has no Authorization of any case. */
export function withKey(url: string | URL, headers: Record<string, string> = {}): Record<string, string> {
  if (Object.keys(headers).some((name) => name.toLowerCase() === "authorization")) return headers;
  return { ...keyHeaders(url), ...headers };
}

function keyFor(url: string | URL): string | undefined {
  try {
    const origin = new URL(String(url)).origin.replace(/^ws/, "http");
    if (gateways.has(origin)) return gateways.get(origin);
    const inherited = process.env[ENV_REGISTRY];
    return inherited ? (JSON.parse(inherited) as Record<string, string>)[origin] : undefined;
  } catch {
    return undefined;
  }
}

/** The fetch without the key: for tests that prove a request without it is refused. */
export const fetchWithoutKey: typeof fetch = globalThis.fetch.bind(globalThis);

let installed = false;

/** Wraps global fetch and http.request so that requests to a registered gateway carry its key. */
function installKeyedClients(): void {
  if (installed) return;
  installed = true;
  const plainFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const key = keyFor(url);
    if (key === undefined) return plainFetch(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${key}`);
    return plainFetch(input, { ...init, headers });
  };
  // The ws client calls http.request when it connects: wrapping it covers `new WebSocket(url)` too.
  const plainRequest = http.request;
  const keyed = ((...args: any[]) => {
    const [first, second] = args;
    const options = typeof first === "string" || first instanceof URL ? (typeof second === "object" && second !== null && typeof second !== "function" ? second : undefined) : first;
    const target =
      typeof first === "string" || first instanceof URL
        ? String(first)
        : `http://${options?.hostname ?? options?.host ?? "localhost"}:${options?.port ?? 80}`;
    const key = keyFor(target);
    if (key !== undefined) {
      if (options === undefined) {
        args.splice(1, 0, { headers: { authorization: `Bearer ${key}` } });
      } else {
        const headers = options.headers ?? {};
        const has = Array.isArray(headers)
          ? headers.some((h: unknown, i: number) => i % 2 === 0 && String(h).toLowerCase() === "authorization")
          : Object.keys(headers).some((h) => h.toLowerCase() === "authorization");
        if (!has && !Array.isArray(headers)) options.headers = { ...headers, authorization: `Bearer ${key}` };
      }
    }
    return (plainRequest as any)(...args);
  }) as typeof http.request;
  http.request = keyed;
  http.get = ((...args: any[]) => {
    const req = (keyed as any)(...args);
    req.end();
    return req;
  }) as typeof http.get;
}
