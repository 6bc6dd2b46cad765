import pino, { type Logger } from "pino";

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

/** The gateway's one logger: pretty in a terminal, JSON otherwise; secrets redacted. */
export function createLogger(options: { level: string; pretty?: boolean }): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  return pino({
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    ...(pretty ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" } } } : {}),
  });
}
