/** Which way model calls leave the gateway. */
export type RouteKind = "gateway" | "ai-gateway" | "serving" | "none";

/** The upstream base URL per wire format, as each CLI would use it without the proxy. */
export interface Upstreams {
  readonly anthropic: string;
  readonly openai: string;
  readonly gemini: string;
}

/** The route in use: GET /api/models reports it. */
export interface ModelRoute {
  readonly kind: RouteKind;
  /** The route's root (a gateway or the workspace), or null when there is none. */
  readonly baseUrl: string | null;
  readonly upstreams: Upstreams | null;
}

/** Whether a URL answers at all within the signal's time; injectable so tests never leave loopback. */
export type Probe = (url: string, signal: AbortSignal) => Promise<boolean>;

/** How long the AI Gateway probe may take before the direct serving endpoints are used. */
export const PROBE_TIMEOUT_MS = 2000;

export interface RouteOptions {
  readonly gatewayHost: string | undefined;
  readonly workspaceId: string | undefined;
  readonly host: string | undefined;
  readonly probe: Probe;
  readonly timeoutMs?: number;
}

/**
 * Chooses the model route: DATABRICKS_GATEWAY_HOST when set; else the workspace's AI Gateway when a quick probe
 * reaches it; else the direct serving endpoints under DATABRICKS_HOST; else none.
 */
export async function chooseModelRoute(options: RouteOptions): Promise<ModelRoute> {
  if (options.gatewayHost) return gatewayRoute("gateway", options.gatewayHost);
  if (options.workspaceId && /^[0-9A-Za-z-]{1,64}$/.test(options.workspaceId)) {
    const url = `https://${options.workspaceId}.ai-gateway.cloud.databricks.com`;
    const signal = AbortSignal.timeout(options.timeoutMs ?? PROBE_TIMEOUT_MS);
    const reached = await Promise.race([
      options.probe(url, signal).catch(() => false),
      new Promise<false>((resolve) => signal.addEventListener("abort", () => resolve(false), { once: true })),
    ]);
    if (reached) return gatewayRoute("ai-gateway", url);
  }
  if (options.host) {
    const serving = `${options.host}/serving-endpoints`;
    return {
      kind: "serving",
      baseUrl: options.host,
      upstreams: { anthropic: `${serving}/anthropic`, openai: serving, gemini: `${serving}/google` },
    };
  }
  return { kind: "none", baseUrl: null, upstreams: null };
}

function gatewayRoute(kind: "gateway" | "ai-gateway", base: string): ModelRoute {
  const root = base.replace(/\/+$/, "");
  return {
    kind,
    baseUrl: root,
    upstreams: { anthropic: `${root}/anthropic`, openai: `${root}/openai/v1`, gemini: `${root}/gemini` },
  };
}

/** The real probe: any HTTP answer below 500 means the gateway exists; network errors and timeouts do not. */
export const httpProbe: Probe = async (url, signal) => {
  const res = await fetch(url, { method: "HEAD", signal, redirect: "manual" });
  await res.body?.cancel();
  return res.status < 500;
};
