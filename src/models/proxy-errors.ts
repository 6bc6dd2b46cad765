import type http from "node:http";
import type { Upstreams } from "./model-route.js";

/**
 * Answers with an error in the caller's own wire format, so each CLI shows the message itself instead of
 * a generic parse failure: Anthropic's {type:"error"}, OpenAI's {error:{message}}, Google's {error:{status}}.
 */
export function proxyError(res: http.ServerResponse, format: keyof Upstreams, status: number, message: string): void {
  const body =
    format === "anthropic"
      ? { type: "error", error: { type: status === 401 ? "authentication_error" : "api_error", message } }
      : format === "gemini"
        ? { error: { code: status, message, status: status === 401 ? "UNAUTHENTICATED" : "UNAVAILABLE" } }
        : { error: { message, type: status === 401 ? "invalid_request_error" : "server_error", code: String(status) } };
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
