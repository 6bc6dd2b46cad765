import http from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelProxy } from "../../src/models/proxy.js";
import { fuzzCases, random } from "../helpers/random.js";
import { rawRequest } from "../helpers/raw-http.js";

const PAT = "dapi-owner-token-for-the-fuzz";

/**
 * The loopback model proxy is reachable by any local process: only the per-start key may pass, the upstream
 * sees the owner's token and never the key, and no path leaves the route's serving endpoints.
 */
describe("fuzz: the model proxy (keys, paths, methods, bodies)", () => {
  let proxy: ModelProxy;
  let url: string;
  let upstream: http.Server;
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers });
      req.resume();
      req.on("end", () => res.end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const host = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    proxy = new ModelProxy({
      target: async () => ({
        route: {
          kind: "serving",
          baseUrl: host,
          upstreams: {
            anthropic: `${host}/serving-endpoints/anthropic`,
            openai: `${host}/serving-endpoints`,
            gemini: `${host}/serving-endpoints/google`,
            mlflow: `${host}/serving-endpoints`,
          },
        },
        listed: [],
        models: { gemini: { default: "databricks-gemini", flash: "databricks-gemini" } },
      }),
      credential: async () => `Bearer ${PAT}`,
      userAgent: "agent-terminal-gateway/0",
      logger: pino({ level: "silent" }),
    });
    url = await proxy.listen();
  });
  afterAll(async () => {
    await proxy.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it("forwards only requests carrying the key, as the owner, inside the serving endpoints", async () => {
    const rng = random(Number(process.env.FUZZ_SEED ?? 31337));
    const key = proxy.localKey;
    const nearKeys = [key.slice(1), key + "0", key.toUpperCase(), ` ${key.slice(0, 32)}`, "", PAT, "Bearer", key.replace(/.$/, (c) => (c === "0" ? "1" : "0"))];
    const prefixes = ["/anthropic", "/openai", "/gemini", "/", "/anthropic/..", "/openai/%2e%2e", "/gemini/..%2f..", "/ANTHROPIC", "//openai", "//[", "//evil.org/anthropic", "/elsewhere"];
    const tails = ["/v1/messages", "/responses", "/v1beta/models/gemini-2.0-flash-lite:generateContent", "/../../../etc/passwd", "/%2e%2e/%2e%2e/api/2.0/token/create", "/.%2e/x", "/a%2fb", "", "/" + "x".repeat(2000)];
    const cases = fuzzCases(300);
    const statuses = new Map<number, number>();
    let forwarded = 0;
    for (let i = 0; i < cases; i++) {
      const withKey = rng.int(2) === 0;
      const offered = withKey ? key : rng.pick(nearKeys);
      const headers: Array<[string, string]> = [];
      const query: string[] = [];
      switch (rng.int(5)) {
        case 0: headers.push(["Authorization", `Bearer ${offered}`]); break;
        case 1: headers.push(["x-api-key", offered]); break;
        case 2: headers.push(["x-goog-api-key", offered]); break;
        case 3: query.push(`key=${encodeURIComponent(offered)}`); break;
        default: break; // no key at all
      }
      const keyed = withKey && headers.length + query.length > 0;
      if (rng.int(3) === 0) query.push(`${encodeURIComponent(rng.text(4))}=${encodeURIComponent(rng.text(6))}`);
      if (rng.int(4) === 0) headers.push(["Cookie", "session=stolen"]);
      const prefix = rng.int(3) ? rng.pick(["/anthropic", "/openai", "/gemini"]) : rng.pick(prefixes);
      const target = prefix + rng.pick(tails) + (query.length ? `?${query.join("&")}` : "");
      const method = rng.pick(["POST", "GET", "PUT", "DELETE", "OPTIONS"]);
      const body = method === "GET" ? "" : rng.pick(["{}", JSON.stringify(rng.value(3)) ?? "", rng.text(rng.int(300))]);
      const before = seen.length;
      const res = await rawRequest(url, method, target, [...headers, ["Content-Type", "application/json"]], body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const label = `case ${i}: ${method} ${target} ${JSON.stringify(headers)}`;
      expect(res.status, label).toBeLessThan(500);
      if (seen.length > before) {
        forwarded++;
        const call = seen.at(-1)!;
        // Only a request with the exact key went through, and it went as the owner, to a serving endpoint.
        expect(keyed, label).toBe(true);
        expect(call.url, label).toMatch(/^\/serving-endpoints(\/|$|\?)/);
        expect(call.headers.authorization, label).toBe(`Bearer ${PAT}`);
        expect(JSON.stringify(call), label).not.toContain(key);
        expect(call.headers.cookie, label).toBeUndefined();
      } else if (!keyed) {
        expect([401, 404], label).toContain(res.status);
      }
      expect(res.body, label).not.toContain(PAT);
    }
    expect(forwarded).toBeGreaterThan(cases / 10);
    console.log(`fuzz: ${cases} model proxy requests, ${forwarded} forwarded, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 120_000);
});
