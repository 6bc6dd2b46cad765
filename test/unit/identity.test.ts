import { describe, expect, it } from "vitest";
import { checkLoopbackHost, checkOrigin, signedInEmail } from "../../src/auth/identity.js";
import { HttpError } from "../../src/http-error.js";

const raw = (...pairs: [string, string][]) => ({ rawHeaders: pairs.flat() });
const statusOf = (result: unknown) => (result instanceof HttpError ? result.status : "ok");

describe("signedInEmail", () => {
  it("returns the one header's value, trimmed, whatever the header name's case", () => {
    expect(signedInEmail(raw(["X-Forwarded-Email", "owner@example.com"]))).toBe("owner@example.com");
    expect(signedInEmail(raw(["x-forwarded-email", "  Owner@Example.com \t"]))).toBe("Owner@Example.com");
    expect(signedInEmail(raw(["X-FORWARDED-EMAIL", "owner@example.com"], ["Host", "h"]))).toBe("owner@example.com");
  });

  it("answers 401 for a missing or blank header", () => {
    expect(statusOf(signedInEmail(raw(["Host", "h"])))).toBe(401);
    expect(statusOf(signedInEmail(raw(["X-Forwarded-Email", ""])))).toBe(401);
    expect(statusOf(signedInEmail(raw(["X-Forwarded-Email", "   "])))).toBe(401);
  });

  it("refuses several headers, even identical ones, and comma lists", () => {
    expect(statusOf(signedInEmail(raw(["X-Forwarded-Email", "a@x.io"], ["x-forwarded-email", "a@x.io"])))).toBe(400);
    expect(statusOf(signedInEmail(raw(["X-Forwarded-Email", "a@x.io"], ["X-Forwarded-Email", ""])))).toBe(400);
    expect(statusOf(signedInEmail(raw(["X-Forwarded-Email", "a@x.io, b@x.io"])))).toBe(400);
    expect(statusOf(signedInEmail(raw(["X-Forwarded-Email", "a@x.io,"])))).toBe(400);
  });

  it("refuses an oversized value", () => {
    expect(statusOf(signedInEmail(raw(["X-Forwarded-Email", `${"a".repeat(400)}@x.io`])))).toBe(400);
  });
});

describe("checkOrigin", () => {
  const req = (headers: Record<string, string>) => ({ headers });
  it("lets a request without Origin through, and one whose Origin names the request's host", () => {
    expect(checkOrigin(req({ host: "127.0.0.1:8000" }))).toBeUndefined();
    expect(checkOrigin(req({ host: "127.0.0.1:8000", origin: "http://127.0.0.1:8000" }))).toBeUndefined();
    expect(checkOrigin(req({ host: "10.0.0.1:8000", "x-forwarded-host": "App.Example.com", origin: "https://app.example.com" }))).toBeUndefined();
  });

  it("refuses another host, another port, a suffix trick, 'null' and garbage", () => {
    for (const origin of ["https://evil.org", "http://127.0.0.1:9000", "https://app.example.com.evil.org", "null", "::"]) {
      expect(statusOf(checkOrigin(req({ host: "127.0.0.1:8000", "x-forwarded-host": "app.example.com", origin })))).toBe(403);
    }
  });

  it("prefers X-Forwarded-Host over Host", () => {
    expect(statusOf(checkOrigin(req({ host: "app.example.com", "x-forwarded-host": "proxy.example.com", origin: "https://app.example.com" })))).toBe(403);
  });
});

describe("checkLoopbackHost", () => {
  const req = (host: string) => ({ headers: { host } });
  it("accepts loopback names with or without a port", () => {
    for (const host of ["127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "127.0.0.2"]) {
      expect(checkLoopbackHost(req(host))).toBeUndefined();
    }
  });
  it("refuses anything else (DNS rebinding)", () => {
    for (const host of ["evil.org:8000", "127.0.0.1.evil.org", "10.0.0.1:8000", ""]) {
      expect(statusOf(checkLoopbackHost(req(host)))).toBe(403);
    }
  });
});
