/**
 * Which way model calls leave the gateway: DATABRICKS_GATEWAY_HOST when set; else Unity AI Gateway v2 on the
 * workspace origin when the workspace lists model services; else its serving endpoints (older workspaces,
 * or a listing that failed: then GET /api/models and the status bar say why); else none.
 */
import type { DiscoveryState } from "./discovery.js";

/** gateway: DATABRICKS_GATEWAY_HOST; ai-gateway-v2: <host>/ai-gateway; serving: <host>/serving-endpoints. */
export type RouteKind = "gateway" | "ai-gateway-v2" | "serving" | "none";

/** The upstream base URL per wire format, as each client would use it without the proxy. */
export interface Upstreams {
  /** Anthropic Messages; the client adds /v1/messages. */
  readonly anthropic: string;
  /** OpenAI Responses (Codex); the client adds /responses. */
  readonly openai: string;
  /** Gemini; the client adds /v1beta/models/… */
  readonly gemini: string;
  /** OpenAI chat completions for OpenAI-compatible clients; the client adds /chat/completions. */
  readonly mlflow: string;
}

/** The route in use: GET /api/models reports it. */
export interface ModelRoute {
  readonly kind: RouteKind;
  /** The route's root (a gateway or the workspace), or null when there is none. */
  readonly baseUrl: string | null;
  readonly upstreams: Upstreams | null;
}

/** Chooses the route from the settings and the last model-services discovery (undefined: not run yet). */
export function chooseModelRoute(options: {
  readonly gatewayHost: string | undefined;
  readonly host: string | undefined;
  readonly discovery: DiscoveryState | undefined;
}): ModelRoute {
  if (options.gatewayHost) {
    const root = options.gatewayHost.replace(/\/+$/, "");
    return {
      kind: "gateway",
      baseUrl: root,
      upstreams: { anthropic: `${root}/anthropic`, openai: `${root}/openai/v1`, gemini: `${root}/gemini`, mlflow: `${root}/mlflow/v1` },
    };
  }
  if (!options.host) return { kind: "none", baseUrl: null, upstreams: null };
  const host = options.host.replace(/\/+$/, "");
  if (options.discovery === "ok") {
    const v2 = `${host}/ai-gateway`;
    return {
      kind: "ai-gateway-v2",
      baseUrl: host,
      upstreams: { anthropic: `${v2}/anthropic`, openai: `${v2}/codex/v1`, gemini: `${v2}/gemini`, mlflow: `${v2}/mlflow/v1` },
    };
  }
  const serving = `${host}/serving-endpoints`;
  return {
    kind: "serving",
    baseUrl: host,
    upstreams: { anthropic: `${serving}/anthropic`, openai: serving, gemini: `${serving}/google`, mlflow: serving },
  };
}
