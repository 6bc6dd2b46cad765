import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OwnerResolver, type OwnerSettings } from "../../src/auth/owner.js";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { until } from "../helpers/until.js";

const OWNER = "Owner@Example.com";
/** Quick retries: tests must not wait for production backoff. */
const FAST = { callTimeoutMs: 500, initialDelayMs: 20, maxDelayMs: 100 };

describe("owner resolution against the fake through the real SDK", () => {
  let fake: FakeDatabricks;
  let resolver: OwnerResolver | undefined;
  let logs: string[];

  beforeEach(async () => {
    fake = await startFakeDatabricks();
    fake.setApp("gateway", OWNER);
    logs = [];
  });
  afterEach(async () => {
    resolver?.close();
    await fake.close();
    // No credential ever reaches a log line.
    for (const line of logs) expect(line).not.toContain(fake.clientSecret);
  });

  const start = (settings: Partial<OwnerSettings> = {}) => {
    const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(line) });
    resolver = new OwnerResolver({
      settings: { appOwner: undefined, appName: "gateway", host: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret, ...settings },
      logger,
      retry: FAST,
    });
    resolver.start();
    return resolver;
  };

  it("resolves the app's creator, lower-cased", async () => {
    const r = start();
    expect(r.owner()).toBeUndefined();
    await until(() => r.owner() !== undefined);
    expect(r.owner()).toBe("owner@example.com");
    expect(r.status()).toEqual({ known: true, attempts: 1, lastError: null });
    expect(fake.requests.some((q) => q.path === "/oidc/v1/token")).toBe(true);
  });

  it("takes APP_OWNER as it is, without asking Databricks", () => {
    const r = start({ appOwner: " Boss@Example.com " });
    expect(r.owner()).toBe("boss@example.com");
    expect(fake.requests).toHaveLength(0);
  });

  it("gets through 429 and then succeeds", async () => {
    fake.fault({ path: "/api/2.0/apps/gateway" }, { status: 429 });
    const r = start();
    await until(() => r.owner() !== undefined);
    expect(fake.requests.filter((q) => q.path === "/api/2.0/apps/gateway").length).toBe(2);
  });

  it("retries 503 until it succeeds, failing closed meanwhile", async () => {
    fake.fault({ path: "/api/2.0/apps/gateway" }, { status: 503 }, 3);
    const r = start();
    await until(() => r.status().attempts >= 2);
    expect(r.owner()).toBeUndefined();
    expect(r.status().lastError).toMatch(/HTTP 503/);
    await until(() => r.owner() !== undefined);
    expect(r.status().attempts).toBe(4);
  });

  it("bounds a request that never answers by the timeout, then retries", async () => {
    fake.fault({ path: "/api/2.0/apps/gateway" }, "hang");
    const r = start();
    await until(() => r.owner() !== undefined);
    expect(r.status().attempts).toBe(2);
    const calls = fake.requests.filter((q) => q.path === "/api/2.0/apps/gateway");
    expect(calls).toHaveLength(2);
  });

  it("bounds a hung OAuth token endpoint too (the SDK gives it no cancellation)", async () => {
    fake.fault({ path: "/oidc/v1/token" }, "hang");
    const r = start();
    await until(() => r.owner() !== undefined);
    expect(r.status().attempts).toBe(2);
  });

  it("retries a dropped connection", async () => {
    fake.fault({ path: "/api/2.0/apps/gateway" }, "close", 2);
    const r = start();
    await until(() => r.owner() !== undefined);
    expect(r.status().attempts).toBe(3);
  });

  it("stays unknown with a wrong client secret, saying why without the secret", async () => {
    const r = start({ clientSecret: "wrong-secret-value" });
    await until(() => r.status().attempts >= 3);
    expect(r.owner()).toBeUndefined();
    expect(r.status().lastError).toMatch(/invalid_client/);
    expect(r.status().lastError).not.toContain("wrong-secret-value");
    for (const line of logs) expect(line).not.toContain("wrong-secret-value");
    expect(fake.requests.some((q) => q.path === "/api/2.0/apps/gateway")).toBe(false);
  });

  it("says why it cannot reach the workspace, without the app's client id", async () => {
    const r = start({ host: "http://127.0.0.1:1" });
    await until(() => r.status().attempts >= 2);
    expect(r.owner()).toBeUndefined();
    expect(r.status().lastError).toMatch(/ECONNREFUSED/);
    expect(r.status().lastError).not.toContain(fake.clientId);
  });

  it("stays unknown for an app that does not exist", async () => {
    const r = start({ appName: "other" });
    await until(() => r.status().attempts >= 2);
    expect(r.owner()).toBeUndefined();
    expect(r.status().lastError).toMatch(/HTTP 404/);
  });

  it("stops retrying on close()", async () => {
    fake.fault({ path: "/api/2.0/apps/gateway" }, { status: 503 }, 1000);
    const r = start();
    await until(() => r.status().attempts >= 2);
    r.close();
    const attempts = r.status().attempts;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.status().attempts).toBe(attempts);
  });

  it("fails closed without credentials to ask with", () => {
    const r = start({ clientSecret: undefined });
    expect(r.owner()).toBeUndefined();
    expect(r.status().lastError).toMatch(/DATABRICKS_CLIENT_SECRET/);
  });
});
