/**
 * The one scrubber for every text that leaves the gateway from an error path (HTTP answers, /healthz, the
 * sync's, the owner lookup's, the models' and the IDE's statuses, log lines). Upstreams echo what they were sent:
 * an error body may quote `Authorization: Bearer <PAT>` or `Basic <base64 of client id:secret>`, so credentials
 * are recognised by their shape, not only by their value.
 */

const REDACTED = "[redacted]";

/** Shapes of credentials, each replaced whole (or its value part, where a name precedes it). */
const PATTERNS: readonly [RegExp, string][] = [
  // Authorization schemes with their credential: Bearer <token>, Basic <base64>. 16 characters at least, so that
  // "Bearer authentication" stays readable; shorter credentials are caught by their value (KnownSecrets).
  [/\b(Bearer|Basic)(\s+|%20|\+)[A-Za-z0-9._~+/=%-]{16,}/gi, `$1$2${REDACTED}`],
  // Databricks personal access tokens and OAuth secrets.
  [/\bdapi[0-9a-f]{16,}(-\d+)?\b/gi, REDACTED],
  [/\bdose[0-9a-f]{16,}\b/gi, REDACTED],
  // JWTs (OAuth access and id tokens).
  [/\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // name=value (query strings, forms) and "name": "value" (JSON) pairs whose name says secret; a bare
  // "token: ..." in prose is left alone.
  [
    /((?:["'](?:access_token|refresh_token|id_token|client_secret|token_value|password|secret|api_key|token)["']\s*:\s*["']?)|(?:\b(?:access_token|refresh_token|id_token|client_secret|token_value|password|secret|api_key|token)=))[^"'\s&,;}]{4,}/gi,
    `$1${REDACTED}`,
  ],
];

/** Exact values to remove wherever they appear (the current PAT, the client secret); registered at start. */
export interface KnownSecrets {
  values(): Iterable<string>;
}

/** Removes credentials from a text: every known value, then every credential shape. */
export function scrubText(text: string, known?: KnownSecrets): string {
  let out = text;
  for (const value of known?.values() ?? []) {
    // Short values would scrub ordinary words; no real credential is this short.
    if (value.length >= 8) out = out.split(value).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of a JSON-like value with every string scrubbed (depth-limited; cycles end as "[cycle]"). */
export function scrubDeep<T>(value: T, known?: KnownSecrets): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return scrubText(v, known);
    if (v === null || typeof v !== "object" || depth > 20) return v;
    if (seen.has(v)) return "[cycle]";
    seen.add(v);
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    if (v instanceof Date) return v;
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) out[k] = walk(item, depth + 1);
    return out;
  };
  return walk(value, 0) as T;
}
