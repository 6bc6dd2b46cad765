import pino, { type Logger, type LoggerOptions } from "pino";
import { scrubDeep, scrubText } from "./scrub.js";

/** Paths that may hold a secret: pino replaces them wherever a log line carries them. */
export const REDACT_PATHS = [
  "token",
  "*.token",
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers[\"x-forwarded-access-token\"]",
  "res.headers[\"set-cookie\"]",
  "headers.authorization",
  "headers.cookie",
  "clientSecret",
  "*.clientSecret",
];

/**
 * What every logger of the gateway does with secrets (tests' loggers too): redacts the named fields, and scrubs
 * credentials an upstream echoed into a message or an error (src/scrub.ts).
 */
export function secretSafeOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === "string" ? scrubText(arg) : arg)) as Parameters<typeof method>);
      },
    },
    formatters: { log: (object) => scrubDeep(serializeErrors(object)) },
  };
}

/** Errors become plain objects first (message and stack are not enumerable), so that the scrubber sees them. */
function serializeErrors(object: Record<string, unknown>): Record<string, unknown> {
  let out = object;
  for (const [key, value] of Object.entries(object)) {
    if (value instanceof Error) out = { ...out, [key]: pino.stdSerializers.err(value) };
  }
  return out;
}

/** The gateway's one logger: pretty in a terminal, JSON otherwise; secrets redacted. */
export function createLogger(options: { level: string; pretty?: boolean }): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  return pino({
    ...secretSafeOptions(options.level),
    ...(pretty ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" } } } : {}),
  });
}
