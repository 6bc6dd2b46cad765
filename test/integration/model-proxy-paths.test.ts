import http from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelProxy } from "../../src/models/proxy.js";
import { rawRequest } from "../helpers/raw-http.js";

const PAT = "dapi-owner-token-for-path-tests";

describe("the model proxy forwards only its wire formats' paths (issue 14)", () => {
  let proxy: ModelProxy;
  let url: string;
  let upstream: http.Server;
  const seen: string[] = [];

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      seen.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
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
        models: { gemini: { default: "databricks-gemini-2-5-pro", flash: "databricks-gemini-2-5-flash" } },
      }),
      userAgent: "agent-terminal-gateway/test",
      credential: async () => `Bearer ${PAT}`,
      logger: pino({ level: "silent" }),
    });
    url = await proxy.listen();
  });
  afterAll(async () => {
    await proxy.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it("refuses encoded separators, dot segments and foreign paths, never sending the owner's token elsewhere", async () => {
    const key = [["Authorization", `Bearer ${proxy.localKey}`], ["Content-Type", "application/json"]] as const;
    for (const path of [
      "/openai/%2e%2e/%2e%2e/api/2.0/token/create",
      "/openai/%2E%2e/api/2.0/token/list",
      "/anthropic/v1/messages%2f..%2f..%2f..%2fapi%2f2.0%2ftoken%2fcreate",
      "/gemini/v1beta/models/m%5c..%5c..%5capi:generateContent",
      "/anthropic/v1/../../../api/2.0/token/create",
      "/openai/api/2.0/workspace/export",
    ]) {
      const res = await rawRequest(url, "POST", path, key, "{}");
      // 400 from the path check; 404 where URL parsing already resolved the dots out of the format's prefix.
      expect([400, 404], path).toContain(res.status);
    }
    expect(seen).toEqual([]);
    // The formats' own paths still go through.
    expect((await rawRequest(url, "POST", "/openai/responses", key, "{}")).status).toBe(200);
    expect((await rawRequest(url, "POST", "/anthropic/v1/messages?beta=true", key, "{}")).status).toBe(200);
    expect(seen).toEqual(["/serving-endpoints/responses", "/serving-endpoints/anthropic/v1/messages?beta=true"]);
  });
});
