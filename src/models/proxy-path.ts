/**
 * Which request paths the loopback model proxy forwards, with the owner's credential, to the workspace. The
 * proxy joins the path onto a workspace URL, so an encoded separator or dot segment (%2f, %5c, %2e, "..") could
 * aim the owner's token at another workspace API; URL parsing would even resolve "%2e%2e" silently. So the raw
 * path is checked before it is parsed, and for the wire formats the CLIs speak only their own shapes pass.
 */

/** Path shapes per wire format, on the part after the format's prefix (/anthropic, /openai, /gemini, /mlflow). */
const SHAPES: Readonly<Record<string, RegExp>> = {
  // Messages API (Claude Code): messages, token counting, the model list.
  anthropic: /^\/v1\/(messages(\/count_tokens)?|models(\/[A-Za-z0-9._:@-]+)?)$/,
  // Responses and chat completions (Codex and friends), with or without /v1.
  openai: /^(\/v1)?\/(responses(\/[A-Za-z0-9_-]+)?|chat\/completions|completions|embeddings|models(\/[A-Za-z0-9._:@-]+)?)$/,
  // Chat completions on Unity AI Gateway's MLflow route (OpenAI-compatible clients), and its model list.
  mlflow: /^(\/v1)?\/(chat\/completions|models(\/[A-Za-z0-9._:@-]+)?)$/,
  // Gemini's generateContent family: /v1beta/models/<model>:<method>, and the model list.
  gemini: /^\/(v1|v1beta|v1alpha)\/models(\/[A-Za-z0-9._@-]+(:[A-Za-z]+)?)?$/,
};

/** One path segment: what model names and API verbs are made of. */
const SEGMENT = /^[A-Za-z0-9._:@~-]+$/;

/**
 * Why the raw request target `raw` (path and query) must not be forwarded for `format`, or undefined when it may.
 * Formats without a shape here (added later) get the separator and dot-segment checks only.
 */
export function refusedModelPath(format: string, raw: string): string | undefined {
  const path = raw.split("?")[0]!;
  if (/%2f|%5c|%2e|\\/i.test(path)) return "Encoded separators and dots are not allowed in a model path.";
  const [, prefix, ...segments] = path.split("/");
  if (prefix === undefined) return "Not a model path.";
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === "..") return "Empty, . and .. segments are not allowed in a model path.";
    if (!SEGMENT.test(decodeSafely(segment))) return "A model path segment holds a character it may not.";
  }
  const shape = SHAPES[format];
  const tail = segments.length ? `/${segments.join("/")}` : "";
  if (shape && !shape.test(tail)) return `Not a ${format} API path: ${tail.slice(0, 120) || "/"}.`;
  return undefined;
}

function decodeSafely(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "%";
  }
}
