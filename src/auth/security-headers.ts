import type { RequestHandler } from "express";

/**
 * The page's content security policy: its own ES modules and /vendor/ files only, no inline or eval'd
 * script, sockets back to the same host. Inline styles stay allowed because xterm.js writes its own
 * <style> elements and the error page carries one.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join("; ");

export interface SecurityHeadersOptions {
  /** Path prefixes that bring their own policy (the /ide/ proxy serves code-server's pages). */
  readonly cspExempt?: readonly string[];
}

/** Headers on every response: the CSP, no framing by other origins, no MIME sniffing, no referrer leaks. */
export function createSecurityHeaders({ cspExempt = [] }: SecurityHeadersOptions = {}): RequestHandler {
  return (req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "SAMEORIGIN");
    res.setHeader("Referrer-Policy", "same-origin");
    if (!cspExempt.some((prefix) => req.path === prefix || req.path.startsWith(prefix + "/"))) {
      res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    }
    next();
  };
}
