import type { WireFormat } from "./proxy-request.js";

type Json = Record<string, unknown>;

/**
 * Request shapes Databricks' model routes refuse with 400 although the provider's own API accepts them,
 * rewritten in place before the call leaves the proxy; returns the names of the fixes applied (for the log).
 * Each is reproduced by the test fake (test/fakes/model-serving.ts, refusedShape) and listed in the README.
 */
export function fixRequest(format: WireFormat, body: Json): string[] {
  const applied: string[] = [];
  if (format === "anthropic") {
    // "text content blocks must be non-empty": clients leave an empty text block beside a tool call.
    let dropped = false;
    const keepNonEmpty = (blocks: unknown[]) => {
      const kept = blocks.filter((b) => !(isObject(b) && b.type === "text" && b.text === ""));
      if (kept.length === blocks.length || kept.length === 0) return blocks;
      dropped = true;
      return kept;
    };
    if (Array.isArray(body.system)) body.system = keepNonEmpty(body.system);
    for (const message of Array.isArray(body.messages) ? body.messages : []) {
      if (isObject(message) && Array.isArray(message.content)) message.content = keepNonEmpty(message.content);
    }
    if (dropped) applied.push("empty-text-blocks");
    // Fine-grained tool streaming (OpenCode and Pi send it unless told not to): "Extra inputs are not permitted".
    if (removeFromTools(body, (tool) => tool)) applied.push("eager-input-streaming");
  }
  if (format === "mlflow") {
    if ("store" in body) {
      delete body.store;
      applied.push("store");
    }
    if (removeFromTools(body, (tool) => (isObject(tool.function) ? tool.function : undefined), "strict")) applied.push("function-strict");
  }
  return applied;
}

/** Deletes `key` (eager_input_streaming by default) from each tool's part that `pick` selects; true if any had it. */
function removeFromTools(body: Json, pick: (tool: Json) => Json | undefined, key = "eager_input_streaming"): boolean {
  let removed = false;
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    const part = isObject(tool) ? pick(tool) : undefined;
    if (part && key in part) {
      delete part[key];
      removed = true;
    }
  }
  return removed;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
