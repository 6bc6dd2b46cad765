import type http from "node:http";

/** The wire formats the proxy serves, by its path prefix. */
export const FORMATS = ["anthropic", "openai", "gemini", "mlflow"] as const;
export type WireFormat = (typeof FORMATS)[number];

/** A request body larger than this is refused (413): long conversations are a few MB, never this much. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** The request body, or undefined when it is larger than `max` (the rest is drained, not kept). */
export async function readBody(req: http.IncomingMessage, max = MAX_BODY_BYTES): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) tooLarge = true;
    if (!tooLarge) chunks.push(chunk);
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}

/** A JSON object body, or undefined (empty, not JSON, or not an object: forwarded as it came). */
export function jsonBody(body: Buffer, contentType: string | undefined): Record<string, unknown> | undefined {
  if (body.length === 0 || !/json/i.test(contentType ?? "application/json")) return undefined;
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The model a call asks for: Gemini's is in the path (…/models/<model>:method), the others' in the body. */
export function requestedModel(format: WireFormat, tail: string, body: Record<string, unknown> | undefined): string | undefined {
  if (format === "gemini") {
    const raw = /\/models\/([^/:]+):/.exec(tail)?.[1];
    if (raw === undefined) return undefined;
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return typeof body?.model === "string" ? body.model : undefined;
}

/**
 * Gemini CLI calls some fixed Google models of its own (a "flash-lite" for summaries and routing, its
 * default "pro"), which a workspace does not serve under those names: a Google model name (gemini-…) goes
 * to the served flash model when it names a flash, else to the tab's default model. Workspace names
 * (system.ai.gemini-…, databricks-gemini-…, or any other) pass unchanged, so /model still works.
 */
export function geminiPath(tail: string, models: { readonly default: string; readonly flash: string }): string {
  return tail.replace(/\/models\/(gemini-[^/:]*)(?=:)/, (_match, name: string) =>
    `/models/${encodeURIComponent(/flash/.test(name) ? models.flash : models.default)}`,
  );
}
