import type http from "node:http";

/** JSON-RPC 2.0 error codes the MCP proxy answers with (its own refusals; upstream errors pass through). */
export const JSONRPC = { parseError: -32700, invalidRequest: -32600, methodNotFound: -32601, serverError: -32000 } as const;

/**
 * Answers with a JSON-RPC error object (id null: the proxy does not know which request failed), the shape
 * every MCP client shows as a message rather than a transport failure.
 */
export function jsonRpcError(res: http.ServerResponse, status: number, code: number, message: string): void {
  const text = JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message } });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** True for one JSON-RPC 2.0 message, or a non-empty batch of them. */
export function isJsonRpc(value: unknown): boolean {
  const one = (m: unknown) =>
    typeof m === "object" && m !== null && !Array.isArray(m) && (m as { jsonrpc?: unknown }).jsonrpc === "2.0" &&
    (typeof (m as { method?: unknown }).method === "string" || "result" in m || "error" in m);
  return Array.isArray(value) ? value.length > 0 && value.every(one) : one(value);
}
