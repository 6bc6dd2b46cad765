import http from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelCatalog, REFRESH_MS } from "../../src/models/catalog.js";
import { discoverModelServices, discoverServingEndpoints } from "../../src/models/discovery.js";
import { chooseAgentModels, FALLBACK_MODELS, newestFirst } from "../../src/models/families.js";
import { chooseModelRoute } from "../../src/models/model-route.js";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";

describe("chooseModelRoute", () => {
  it("uses DATABRICKS_GATEWAY_HOST first, whatever the listing said", () => {
    expect(chooseModelRoute({ gatewayHost: "https://gw.example.com/", host: "https://ws", discovery: "ok" })).toEqual({
      kind: "gateway",
      baseUrl: "https://gw.example.com",
      upstreams: {
        anthropic: "https://gw.example.com/anthropic",
        openai: "https://gw.example.com/openai/v1",
        gemini: "https://gw.example.com/gemini",
        mlflow: "https://gw.example.com/mlflow/v1",
      },
    });
  });

  it("uses Unity AI Gateway v2 on the workspace origin when the workspace lists model services", () => {
    expect(chooseModelRoute({ gatewayHost: undefined, host: "https://ws.example.com", discovery: "ok" })).toEqual({
      kind: "ai-gateway-v2",
      baseUrl: "https://ws.example.com",
      upstreams: {
        anthropic: "https://ws.example.com/ai-gateway/anthropic",
        openai: "https://ws.example.com/ai-gateway/codex/v1",
        gemini: "https://ws.example.com/ai-gateway/gemini",
        mlflow: "https://ws.example.com/ai-gateway/mlflow/v1",
      },
    });
  });

  it("uses the serving endpoints without a listing, and nothing without a workspace", () => {
    for (const discovery of [undefined, "absent", "failed", "unauthorized", "forbidden"] as const) {
      expect(chooseModelRoute({ gatewayHost: undefined, host: "https://ws", discovery })).toEqual({
        kind: "serving",
        baseUrl: "https://ws",
        upstreams: {
          anthropic: "https://ws/serving-endpoints/anthropic",
          openai: "https://ws/serving-endpoints",
          gemini: "https://ws/serving-endpoints/google",
          mlflow: "https://ws/serving-endpoints",
        },
      });
    }
    expect(chooseModelRoute({ gatewayHost: undefined, host: undefined, discovery: "ok" })).toEqual({ kind: "none", baseUrl: null, upstreams: null });
  });
});

describe("chooseAgentModels", () => {
  const LISTING = [
    "system.ai.claude-sonnet-4-5",
    "system.ai.claude-opus-4-5",
    "system.ai.claude-opus-4-7",
    "system.ai.claude-sonnet-4-6",
    "system.ai.claude-haiku-4-5",
    "system.ai.claude-3-7-sonnet",
    "system.ai.gpt-5",
    "system.ai.gpt-5-5-mini",
    "system.ai.gpt-5-5",
    "system.ai.gpt-5-1-codex-max",
    "system.ai.gpt-oss-120b",
    "system.ai.gemini-2-5-flash",
    "system.ai.gemini-3-1-pro",
    "system.ai.gemini-2-5-pro",
    "system.ai.gemini-3-flash",
    "system.ai.llama-4-maverick",
  ];

  it("picks the newest of each family, the Claude tiers and Gemini's flash", () => {
    const chosen = chooseAgentModels(LISTING);
    expect(chosen.claude.default).toBe("system.ai.claude-opus-4-7");
    expect(chosen.claude.tiers).toEqual({ opus: "system.ai.claude-opus-4-7", sonnet: "system.ai.claude-sonnet-4-6", haiku: "system.ai.claude-haiku-4-5" });
    expect(chosen.claude.offered[0]).toBe("system.ai.claude-opus-4-7");
    expect(chosen.claude.offered).toHaveLength(6);
    expect(chosen.codex.default).toBe("system.ai.gpt-5-5");
    expect(chosen.codex.offered).not.toContain("system.ai.gpt-oss-120b");
    expect(chosen.codex.offered).toEqual(["system.ai.gpt-5-5", "system.ai.gpt-5-5-mini", "system.ai.gpt-5-1-codex-max", "system.ai.gpt-5"]);
    expect(chosen.gemini.default).toBe("system.ai.gemini-3-1-pro");
    expect(chosen.gemini.flash).toBe("system.ai.gemini-3-flash");
    expect(JSON.stringify(chosen)).not.toContain("llama");
  });

  it("puts every tier on a served model when the workspace lacks one", () => {
    const chosen = chooseAgentModels(["system.ai.claude-sonnet-4-6"]);
    expect(chosen.claude.tiers).toEqual({ opus: "system.ai.claude-sonnet-4-6", sonnet: "system.ai.claude-sonnet-4-6", haiku: "system.ai.claude-sonnet-4-6" });
    expect(chosen.claude.default).toBe("system.ai.claude-sonnet-4-6");
    expect(chooseAgentModels(["system.ai.gemini-2-5-pro"]).gemini.flash).toBe("system.ai.gemini-2-5-pro");
  });

  it("falls back to the documented defaults when nothing is listed, and lets the environment win", () => {
    const none = chooseAgentModels([]);
    expect([none.claude.default, none.codex.default, none.gemini.default]).toEqual([
      "databricks-claude-opus-4-7",
      "databricks-gpt-5-5",
      "databricks-gemini-2-5-pro",
    ]);
    expect(none.claude.offered).toEqual([FALLBACK_MODELS.claude]);
    const overridden = chooseAgentModels(LISTING, { anthropic: "my-claude", codex: "system.ai.gpt-5", gemini: "g" });
    expect(overridden.claude.default).toBe("my-claude");
    expect(overridden.claude.offered[0]).toBe("my-claude");
    expect(overridden.codex.default).toBe("system.ai.gpt-5");
    expect(overridden.codex.offered).toHaveLength(4);
    expect(overridden.gemini.default).toBe("g");
  });

  it("orders versions numerically and serving endpoint names like listed ones", () => {
    expect(newestFirst(["databricks-claude-sonnet-4-5", "databricks-claude-sonnet-4-10", "databricks-claude-sonnet-4"])).toEqual([
      "databricks-claude-sonnet-4-10",
      "databricks-claude-sonnet-4-5",
      "databricks-claude-sonnet-4",
    ]);
    expect(newestFirst(["x.y.gemini-2.5-pro", "x.y.gemini-3-pro"])).toEqual(["x.y.gemini-3-pro", "x.y.gemini-2.5-pro"]);
  });
});

describe("discoverModelServices against the fake workspace", () => {
  let db: FakeDatabricks;
  let token: string;
  beforeEach(async () => {
    db = await startFakeDatabricks();
    token = db.issueToken("owner@example.com");
  });
  afterEach(() => db.close());
  const discover = (extra: { timeoutMs?: number; authorization?: string } = {}) =>
    discoverModelServices({ host: db.url, authorization: extra.authorization ?? `Bearer ${token}`, timeoutMs: extra.timeoutMs });
  const listings = () => db.requests.filter((r) => r.path === "/api/2.1/unity-catalog/model-services");

  it("reads every page, with page_size always sent, keeping only system.ai names", async () => {
    db.modelServices = [
      ...Array.from({ length: 230 }, (_, i) => `system.ai.model-${i}`),
      "main.custom.claude-opus-9",
      "system.ai.../etc",
      "system.ai.claude-opus-4-7",
    ];
    const found = await discover();
    expect(found.state).toBe("ok");
    expect(found.models).toHaveLength(231);
    expect(found.models.at(-1)).toBe("system.ai.claude-opus-4-7");
    expect(found.models).not.toContain("main.custom.claude-opus-9");
    expect(listings()).toHaveLength(3);
    for (const r of listings()) expect(new URLSearchParams(r.query).get("page_size")).toBe("100");
    expect(new URLSearchParams(listings()[2]!.query).get("page_token")).toBeTruthy();
  });

  it("tells a workspace without v2, a refused token and a missing grant apart", async () => {
    expect((await discover()).state).toBe("absent");
    db.modelServices = ["system.ai.claude-opus-4-7"];
    const refused = await discover({ authorization: "Bearer dapi-nonsense" });
    // The fake answers an unknown token with 403 "Invalid access token", as the real REST API does: refused, not a grant.
    expect(refused).toMatchObject({ state: "unauthorized", message: expect.stringContaining("refused the token") });
    db.fault({ path: "/api/2.1/unity-catalog/model-services" }, { status: 401, body: { error_code: "UNAUTHENTICATED", message: "no" } });
    expect(await discover()).toMatchObject({ state: "unauthorized", message: expect.stringContaining("refused the token") });
    db.fault({ path: "/api/2.1/unity-catalog/model-services" }, { status: 403, body: { error_code: "PERMISSION_DENIED", message: "no" } });
    expect(await discover()).toMatchObject({ state: "forbidden", message: expect.stringContaining("USE SCHEMA") });
    // One retry per page: a single 503 (or 499) passes, two in a row fail the listing.
    db.fault({ path: "/api/2.1/unity-catalog/model-services" }, { status: 499 });
    expect((await discover()).state).toBe("ok");
    db.fault({ path: "/api/2.1/unity-catalog/model-services" }, { status: 503 }, 2);
    expect(await discover()).toMatchObject({ state: "failed", message: expect.stringContaining("503") });
    expect((await discover()).state).toBe("ok");
  });

  it("lists the serving endpoints of a workspace without v2, leaving out bad names", async () => {
    db.servingEndpoints = ["databricks-claude-sonnet-4-5", "databricks-gpt-5", "bad name", "databricks-gpt-5"];
    expect(await discoverServingEndpoints({ host: db.url, authorization: `Bearer ${token}` })).toEqual(["databricks-claude-sonnet-4-5", "databricks-gpt-5"]);
    db.fault({ path: "/api/2.0/serving-endpoints" }, { status: 500 });
    expect(await discoverServingEndpoints({ host: db.url, authorization: `Bearer ${token}` })).toEqual([]);
    db.fault({ path: "/api/2.0/serving-endpoints" }, { status: 200, body: { endpoints: "nope" } });
    expect(await discoverServingEndpoints({ host: db.url, authorization: `Bearer ${token}` })).toEqual([]);
    db.fault({ path: "/api/2.0/serving-endpoints" }, "hang");
    expect(await discoverServingEndpoints({ host: db.url, authorization: `Bearer ${token}`, timeoutMs: 300 })).toEqual([]);
  });

  it("gives up on a hanging listing within its time", async () => {
    db.modelServices = ["system.ai.claude-opus-4-7"];
    db.fault({ path: "/api/2.1/unity-catalog/model-services" }, "hang");
    const started = Date.now();
    expect(await discover({ timeoutMs: 500 })).toMatchObject({ state: "failed", message: expect.stringContaining("in time") });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("discoverModelServices on bad input", () => {
  let server: http.Server;
  let host: string;
  let reply: (url: URL, res: http.ServerResponse) => void;
  let calls = 0;
  beforeEach(async () => {
    calls = 0;
    server = http.createServer((req, res) => {
      calls++;
      reply(new URL(req.url ?? "/", "http://x"), res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const discover = () => discoverModelServices({ host, authorization: "Bearer t", timeoutMs: 5000 });
  const send = (res: http.ServerResponse, body: string) => res.writeHead(200, { "content-type": "application/json" }).end(body);

  it("refuses garbage, wrong types and bad entries without crashing", async () => {
    for (const [body, expected] of [
      ["<html>", "not JSON"],
      ["[1,2]", "not an object"],
      ['{"model_services": "x"}', "not a list"],
      ['{"model_services": [], "next_page_token": 5}', "bad next_page_token"],
    ] as const) {
      reply = (_url, res) => send(res, body);
      expect(await discover()).toMatchObject({ state: "failed", message: expect.stringContaining(expected) });
    }
    reply = (_url, res) => send(res, JSON.stringify({ model_services: [null, 7, { name: 3 }, { name: "model-services/system.ai.ok-1" }, { name: "system.ai.no-prefix" }, { name: "model-services/main.x.y" }] }));
    expect(await discover()).toEqual({ state: "ok", models: ["system.ai.ok-1", "system.ai.no-prefix"], message: null });
  });

  it("stops at a page-token loop, endless pages and a huge page", async () => {
    reply = (_url, res) => send(res, JSON.stringify({ model_services: [{ name: "model-services/system.ai.a" }], next_page_token: "same" }));
    expect(await discover()).toMatchObject({ state: "failed", message: expect.stringContaining("repeats a page token") });
    expect(calls).toBe(2);
    calls = 0;
    reply = (url, res) => send(res, JSON.stringify({ model_services: [], next_page_token: `t${Number(url.searchParams.get("page_token")?.slice(1) ?? 0) + 1}` }));
    expect(await discover()).toMatchObject({ state: "failed", message: expect.stringContaining("pages") });
    expect(calls).toBe(20);
    reply = (_url, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"model_services": [');
      const chunk = Buffer.alloc(1024 * 1024, " ");
      for (let i = 0; i < 8; i++) res.write(chunk);
      res.end("]}");
    };
    expect(await discover()).toMatchObject({ state: "failed", message: expect.stringContaining("larger than") });
  });
});

describe("ModelCatalog", () => {
  let db: FakeDatabricks;
  beforeEach(async () => {
    db = await startFakeDatabricks();
  });
  afterEach(() => db.close());

  it("lists once per credential, again hourly, and keeps the last good list when a refresh fails", async () => {
    let now = 1_000_000;
    let token = db.issueToken("owner@example.com");
    db.modelServices = ["system.ai.claude-opus-4-7"];
    const catalog = new ModelCatalog({ host: db.url, credential: async () => `Bearer ${token}`, logger: pino({ level: "silent" }), now: () => now });
    const listings = () => db.requests.filter((r) => r.path.endsWith("/model-services")).length;
    const [a, b] = await Promise.all([catalog.current(), catalog.current()]);
    expect(a).toMatchObject({ state: "ok", v2: true, models: ["system.ai.claude-opus-4-7"], stale: false });
    expect(b.state).toBe("ok");
    expect(listings()).toBe(1);
    await catalog.current();
    expect(listings()).toBe(1);
    token = db.issueToken("owner@example.com");
    db.modelServices = ["system.ai.claude-opus-4-7", "system.ai.gpt-5-5"];
    expect((await catalog.current()).models).toHaveLength(2);
    expect(listings()).toBe(2);
    db.fault({ path: "/api/2.1/unity-catalog/model-services" }, { status: 500 }, 2);
    now += REFRESH_MS;
    const failed = await catalog.current();
    expect(listings()).toBe(4);
    expect(failed).toMatchObject({ state: "failed", v2: true, stale: true, models: ["system.ai.claude-opus-4-7", "system.ai.gpt-5-5"] });
    expect(failed.message).toContain("500");
  });

  it("takes a workspace without v2's serving endpoints as its models", async () => {
    const token = db.issueToken("owner@example.com");
    db.servingEndpoints = ["databricks-claude-sonnet-4-5", "databricks-gemini-2-5-pro"];
    const catalog = new ModelCatalog({ host: db.url, credential: async () => `Bearer ${token}`, logger: pino({ level: "silent" }) });
    expect(await catalog.current()).toMatchObject({ state: "absent", v2: false, models: ["databricks-claude-sonnet-4-5", "databricks-gemini-2-5-pro"] });
  });

  it("waits for a token and lists nothing without a workspace", async () => {
    const pending = new ModelCatalog({ host: db.url, credential: async () => undefined, logger: pino({ level: "silent" }) });
    expect(await pending.current()).toMatchObject({ state: "pending", v2: false, models: [] });
    const none = new ModelCatalog({ host: undefined, credential: async () => "Bearer x", logger: pino({ level: "silent" }) });
    expect((await none.current()).state).toBe("skipped");
    expect(db.requests).toEqual([]);
  });
});
