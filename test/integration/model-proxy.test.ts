import http from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { modelCredential } from "../../src/models/credential.js";
import { ModelProxy } from "../../src/models/proxy.js";
import { geminiPath } from "../../src/models/proxy-request.js";
import type { ModelRoute } from "../../src/models/model-route.js";
import type { TokenSource } from "../../src/token/types.js";
import { startFakeDatabricks } from "../fakes/databricks.js";
import { startFakeModelServing } from "../fakes/model-serving.js";

const PAT = "dapi-current-token-of-the-owner";

/** An upstream whose handler each test sets; records what arrived. */
async function startUpstream(handler: http.RequestListener): Promise<{ url: string; server: http.Server; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function servingRoute(host: string): ModelRoute {
  return {
    kind: "serving",
    baseUrl: host,
    upstreams: {
      anthropic: `${host}/serving-endpoints/anthropic`,
      openai: `${host}/serving-endpoints`,
      gemini: `${host}/serving-endpoints/google`,
      mlflow: `${host}/serving-endpoints`,
    },
  };
}

describe("model proxy", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(options: { route: ModelRoute; token?: () => string | undefined; geminiModel?: string; listed?: string[] }) {
    const gemini = options.geminiModel ?? "databricks-gemini-2-5-pro";
    const proxy = new ModelProxy({
      target: async () => ({
        route: options.route,
        listed: options.listed ?? [],
        models: { gemini: { default: gemini, flash: gemini.replace(/pro$/, "flash") } },
      }),
      userAgent: "agent-terminal-gateway/1.2.3",
      credential: async () => {
        const token = (options.token ?? (() => PAT))();
        return token ? `Bearer ${token}` : undefined;
      },
      logger: pino({ level: "silent" }),
    });
    const url = await proxy.listen();
    cleanups.push(() => proxy.close());
    return { proxy, url };
  }

  async function upstream(handler: http.RequestListener) {
    const up = await startUpstream(handler);
    cleanups.push(() => up.close());
    return up;
  }

  it("listens on loopback only and checks the local key in each CLI's header style", async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const up = await upstream((req, res) => {
      seen.push(req.headers);
      res.end("{}");
    });
    const { proxy, url } = await setup({ route: servingRoute(up.url) });
    expect(new URL(url).hostname).toBe("127.0.0.1");
    const key = proxy.localKey;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const ok = [
      fetch(`${url}/anthropic/v1/messages`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: "{}" }),
      fetch(`${url}/openai/responses`, { method: "POST", headers: { "x-api-key": key }, body: "{}" }),
      fetch(`${url}/gemini/v1beta/models/m:generateContent`, { method: "POST", headers: { "x-goog-api-key": key }, body: "{}" }),
      fetch(`${url}/gemini/v1beta/models/m:generateContent?key=${key}`, { method: "POST", body: "{}" }),
    ];
    for (const res of await Promise.all(ok)) expect(res.status).toBe(200);
    for (const headers of seen) {
      expect(headers.authorization).toBe(`Bearer ${PAT}`);
      expect(headers["x-api-key"]).toBeUndefined();
      expect(headers["x-goog-api-key"]).toBeUndefined();
    }
    const refused = [
      await fetch(`${url}/anthropic/v1/messages`, { method: "POST", body: "{}" }),
      await fetch(`${url}/openai/responses`, { method: "POST", headers: { authorization: `Bearer ${key.slice(1)}x` }, body: "{}" }),
      await fetch(`${url}/gemini/x`, { method: "POST", headers: { authorization: `Bearer ${PAT}` }, body: "{}" }),
    ];
    for (const res of refused) expect(res.status).toBe(401);
    expect(seen).toHaveLength(4);
    expect((await fetch(`${url}/elsewhere`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(404);
  });

  it("maps each wire format to the route's upstream, drops the key from the query and forwards the body", async () => {
    const seen: { url: string; body: string; cookie?: string }[] = [];
    const up = await upstream(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      seen.push({ url: req.url ?? "", body, cookie: req.headers.cookie });
      res.end("{}");
    });
    const gateway: ModelRoute = {
      kind: "gateway",
      baseUrl: up.url,
      upstreams: { anthropic: `${up.url}/anthropic`, openai: `${up.url}/openai/v1`, gemini: `${up.url}/gemini`, mlflow: `${up.url}/mlflow/v1` },
    };
    for (const route of [servingRoute(up.url), gateway]) {
      const { proxy, url } = await setup({ route });
      const post = (path: string) =>
        fetch(url + path, { method: "POST", headers: { authorization: `Bearer ${proxy.localKey}`, cookie: "a=b" }, body: `{"p":"${path}"}` });
      await post("/anthropic/v1/messages?beta=true");
      await post("/openai/responses");
      await post(`/gemini/v1beta/models/gem:streamGenerateContent?alt=sse&key=${proxy.localKey}`);
    }
    expect(seen.map((s) => s.url)).toEqual([
      "/serving-endpoints/anthropic/v1/messages?beta=true",
      "/serving-endpoints/responses",
      "/serving-endpoints/google/v1beta/models/gem:streamGenerateContent?alt=sse",
      "/anthropic/v1/messages?beta=true",
      "/openai/v1/responses",
      "/gemini/v1beta/models/gem:streamGenerateContent?alt=sse",
    ]);
    expect(seen[1]!.body).toBe('{"p":"/openai/responses"}');
    expect(seen.every((s) => s.cookie === undefined)).toBe(true);
  });

  it("sends Gemini CLI's own Google model names to the configured endpoint, and workspace endpoint names unchanged", async () => {
    const models = { default: "system.ai.gemini-3-1-pro", flash: "system.ai.gemini-3-flash" };
    expect(geminiPath("/v1beta/models/gemini-2.5-flash-lite:generateContent", models)).toBe("/v1beta/models/system.ai.gemini-3-flash:generateContent");
    expect(geminiPath("/v1beta/models/gemini-2.5-pro:generateContent", models)).toBe("/v1beta/models/system.ai.gemini-3-1-pro:generateContent");
    expect(geminiPath("/v1beta/models/databricks-gemini-3-pro:streamGenerateContent", models)).toBe(
      "/v1beta/models/databricks-gemini-3-pro:streamGenerateContent",
    );
    const seen: string[] = [];
    const up = await upstream((req, res) => {
      seen.push(req.url ?? "");
      res.end("{}");
    });
    const { proxy, url } = await setup({ route: servingRoute(up.url), geminiModel: "databricks-gemini-x-pro" });
    const post = (path: string) => fetch(url + path, { method: "POST", headers: { authorization: `Bearer ${proxy.localKey}` }, body: "{}" });
    await post("/gemini/v1beta/models/gemini-3.1-flash-lite:generateContent");
    await post("/gemini/v1beta/models/my-endpoint:countTokens");
    expect(seen).toEqual([
      "/serving-endpoints/google/v1beta/models/databricks-gemini-x-flash:generateContent",
      "/serving-endpoints/google/v1beta/models/my-endpoint:countTokens",
    ]);
  });

  it("answers 401 with a clear message in the caller's format when there is no token, and uses each new token at once", async () => {
    const auths: string[] = [];
    const up = await upstream((req, res) => {
      auths.push(req.headers.authorization ?? "");
      res.end("{}");
    });
    let token: string | undefined;
    const { proxy, url } = await setup({ route: servingRoute(up.url), token: () => token });
    const call = (path: string) => fetch(url + path, { method: "POST", headers: { authorization: `Bearer ${proxy.localKey}` }, body: "{}" });
    const anthropic = await call("/anthropic/v1/messages");
    expect(anthropic.status).toBe(401);
    expect(await anthropic.json()).toEqual({ type: "error", error: { type: "authentication_error", message: expect.stringContaining("No Databricks token") } });
    const openai = await call("/openai/responses");
    expect(((await openai.json()) as any).error.message).toContain("paste a personal access token");
    const gemini = await call("/gemini/v1beta/models/m:generateContent");
    expect(((await gemini.json()) as any).error.status).toBe("UNAUTHENTICATED");
    expect(auths).toEqual([]);
    token = "first";
    await call("/openai/responses");
    token = "second";
    await call("/openai/responses");
    expect(auths).toEqual(["Bearer first", "Bearer second"]);
  });

  it("answers 502 when the upstream cannot be reached or there is no route", async () => {
    const gone = await startUpstream(() => undefined);
    await gone.close();
    const { proxy, url } = await setup({ route: servingRoute(gone.url) });
    const res = await fetch(`${url}/openai/responses`, { method: "POST", headers: { authorization: `Bearer ${proxy.localKey}` }, body: "{}" });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error.message).toContain("could not be reached");
    const none = await setup({ route: { kind: "none", baseUrl: null, upstreams: null } });
    const res2 = await fetch(`${none.url}/anthropic/v1/messages`, { method: "POST", headers: { authorization: `Bearer ${none.proxy.localKey}` }, body: "{}" });
    expect(res2.status).toBe(502);
    expect(((await res2.json()) as any).error.message).toContain("DATABRICKS_HOST");
  });

  it("streams SSE through unbuffered: the first event arrives while the upstream is still answering", async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const up = await upstream(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('event: one\ndata: {"n":1}\n\n');
      await finished;
      res.end('event: two\ndata: {"n":2}\n\n');
    });
    const { proxy, url } = await setup({ route: servingRoute(up.url) });
    const res = await fetch(`${url}/anthropic/v1/messages`, { method: "POST", headers: { authorization: `Bearer ${proxy.localKey}` }, body: "{}" });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('data: {"n":1}');
    expect(first).not.toContain("two");
    finish();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toContain('data: {"n":2}');
  });

  it("respects backpressure: a client that stops reading stops the upstream too, and its leaving ends the upstream call", async () => {
    let written = 0;
    let blocked!: () => void;
    const isBlocked = new Promise<void>((resolve) => (blocked = resolve));
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const chunk = Buffer.alloc(64 * 1024, "x");
    const up = await upstream((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.on("close", () => upstreamClosed());
      const pump = () => {
        while (written < 256 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) {
            blocked();
            res.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
    const { proxy, url } = await setup({ route: servingRoute(up.url) });
    const req = http.request(`${url}/openai/responses`, { method: "POST", headers: { authorization: `Bearer ${proxy.localKey}` } });
    const response = await new Promise<http.IncomingMessage>((resolve) => req.on("response", resolve).end("{}"));
    response.pause();
    await isBlocked;
    // Let the pipes settle: with backpressure the upstream stays stuck at a few socket buffers' worth.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(written).toBeLessThan(32 * 1024 * 1024);
    req.destroy();
    await closed;
  });

  it("sends the gateway's User-Agent and, on Claude Code's calls, the coding-agent mode; maps /mlflow", async () => {
    const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];
    const up = await upstream((req, res) => {
      seen.push({ url: req.url ?? "", headers: req.headers });
      res.end("{}");
    });
    const { proxy, url } = await setup({ route: servingRoute(up.url) });
    const post = (path: string, headers: Record<string, string> = {}) =>
      fetch(url + path, { method: "POST", headers: { authorization: `Bearer ${proxy.localKey}`, ...headers }, body: "{}" });
    await post("/anthropic/v1/messages", { "user-agent": "claude-cli/2.1.330" });
    await post("/mlflow/chat/completions");
    expect(seen.map((s) => s.url)).toEqual(["/serving-endpoints/anthropic/v1/messages", "/serving-endpoints/chat/completions"]);
    expect(seen[0]!.headers["user-agent"]).toBe("agent-terminal-gateway/1.2.3 claude-cli/2.1.330");
    expect(seen[0]!.headers["x-databricks-use-coding-agent-mode"]).toBe("true");
    expect(seen[1]!.headers["user-agent"]).toMatch(/^agent-terminal-gateway\/1\.2\.3/);
    expect(seen[1]!.headers["x-databricks-use-coding-agent-mode"]).toBeUndefined();
  });

  it("refuses a model the workspace does not list, readably in each CLI's format, and forwards listed ones", async () => {
    const seen: string[] = [];
    const up = await upstream(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      seen.push(`${req.url} ${body}`);
      res.end("{}");
    });
    const listed = ["system.ai.claude-opus-4-7", "system.ai.gpt-5-5", "system.ai.gemini-3-1-pro"];
    const { proxy, url } = await setup({ route: servingRoute(up.url), listed, geminiModel: "system.ai.gemini-3-1-pro" });
    const post = (path: string, body: unknown) =>
      fetch(url + path, { method: "POST", headers: { authorization: `Bearer ${proxy.localKey}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const claude = await post("/anthropic/v1/messages", { model: "claude-fantasy-9" });
    expect(claude.status).toBe(400);
    expect(((await claude.json()) as any).error.message).toMatch(/"claude-fantasy-9" is not served by this workspace\. Served: system\.ai\.claude-opus-4-7/);
    const codex = await post("/openai/responses", { model: "x".repeat(5000) });
    expect(codex.status).toBe(400);
    expect(((await codex.json()) as any).error.message.length).toBeLessThan(400);
    const gemini = await post("/gemini/v1beta/models/system.ai.unknown:generateContent", {});
    expect(gemini.status).toBe(400);
    expect(((await gemini.json()) as any).error.code).toBe(400);
    expect(seen).toEqual([]);
    expect((await post("/anthropic/v1/messages", { model: "system.ai.claude-opus-4-7" })).status).toBe(200);
    // Gemini CLI's own Google model names are mapped to a served model first, so they pass.
    expect((await post("/gemini/v1beta/models/gemini-2.5-pro:generateContent", {})).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it("rewrites request shapes the Databricks routes refuse: the fake refuses them as sent, the proxy's call passes", async () => {
    const listed = ["system.ai.claude-opus-4-7", "system.ai.gpt-5-5"];
    const fake = await startFakeModelServing({ mode: "v2", models: () => listed });
    cleanups.push(() => fake.close());
    const v2 = `${fake.url}/ai-gateway`;
    const route: ModelRoute = {
      kind: "ai-gateway-v2",
      baseUrl: fake.url,
      upstreams: { anthropic: `${v2}/anthropic`, openai: `${v2}/codex/v1`, gemini: `${v2}/gemini`, mlflow: `${v2}/mlflow/v1` },
    };
    const { proxy, url } = await setup({ route, listed });
    const anthropic = {
      model: "system.ai.claude-opus-4-7",
      max_tokens: 100,
      system: [{ type: "text", text: "" }, { type: "text", text: "You are terse." }],
      messages: [
        { role: "user", content: "say ping-fix" },
        { role: "assistant", content: [{ type: "text", text: "" }, { type: "tool_use", id: "t1", name: "ls", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "ok" }] },
      ],
      tools: [{ name: "ls", description: "list", input_schema: { type: "object" }, eager_input_streaming: true }],
    };
    const chat = {
      model: "system.ai.gpt-5-5",
      store: false,
      messages: [{ role: "user", content: "say ping-chat" }],
      tools: [{ type: "function", function: { name: "ls", parameters: { type: "object" }, strict: true } }],
    };
    const send = (base: string, path: string, body: unknown, key?: string) =>
      fetch(base + path, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key ?? PAT}` },
        body: JSON.stringify(body),
      });
    // As sent by a client, the route refuses both.
    const direct = [await send(v2, "/anthropic/v1/messages", anthropic), await send(v2, "/mlflow/v1/chat/completions", chat)];
    expect(direct.map((r) => r.status)).toEqual([400, 400]);
    expect(((await direct[0]!.json()) as any).message).toContain("non-empty");
    // Through the proxy they pass, and only the refused parts are gone.
    const viaProxy = [
      await send(url, "/anthropic/v1/messages", anthropic, proxy.localKey),
      await send(url, "/mlflow/chat/completions", chat, proxy.localKey),
    ];
    expect(viaProxy.map((r) => r.status)).toEqual([200, 200]);
    expect(((await viaProxy[1]!.json()) as any).choices[0].message.content).toBe("pong-chat");
    const [sentAnthropic, sentChat] = fake.calls.slice(-2).map((c) => c.body);
    expect(sentAnthropic.system).toEqual([{ type: "text", text: "You are terse." }]);
    expect(sentAnthropic.messages[1].content).toEqual([{ type: "tool_use", id: "t1", name: "ls", input: {} }]);
    expect(sentAnthropic.messages[0].content).toBe("say ping-fix");
    expect(sentAnthropic.tools).toEqual([{ name: "ls", description: "list", input_schema: { type: "object" } }]);
    expect(sentChat).toEqual({ model: "system.ai.gpt-5-5", messages: chat.messages, tools: [{ type: "function", function: { name: "ls", parameters: { type: "object" } } }] });
  });

  it("signs with the app's OAuth token when MODEL_AUTH=app", async () => {
    const db = await startFakeDatabricks();
    cleanups.push(() => db.close());
    const config = loadConfig({
      HOME: "/tmp",
      MODEL_AUTH: "app",
      DATABRICKS_HOST: db.url,
      DATABRICKS_CLIENT_ID: db.clientId,
      DATABRICKS_CLIENT_SECRET: db.clientSecret,
    });
    const noTokens: TokenSource = {
      current: () => PAT,
      status: () => ({ state: "active", expiresAt: null, rotatedAt: null, lastError: null }),
      subscribe: () => () => undefined,
    };
    const credential = await modelCredential({ config, tokens: noTokens })();
    expect(credential).toMatch(/^Bearer eyJ/);
    expect(credential).not.toContain(PAT);
    expect(db.requests.some((r) => r.method === "POST" && r.path === "/oidc/v1/token")).toBe(true);
    const wrong = loadConfig({ HOME: "/tmp", MODEL_AUTH: "app", DATABRICKS_HOST: db.url, DATABRICKS_CLIENT_ID: db.clientId, DATABRICKS_CLIENT_SECRET: "wrong" });
    expect(await modelCredential({ config: wrong, tokens: noTokens })()).toBeUndefined();
  });
});
