import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { chooseModelRoute, httpProbe, type Probe } from "../../src/models/route.js";

const never: Probe = async () => {
  throw new Error("the probe must not run");
};

describe("chooseModelRoute", () => {
  it("uses DATABRICKS_GATEWAY_HOST first, without probing", async () => {
    const route = await chooseModelRoute({ gatewayHost: "https://gw.example.com/", workspaceId: "123", host: "https://ws", probe: never });
    expect(route).toEqual({
      kind: "gateway",
      baseUrl: "https://gw.example.com",
      upstreams: {
        anthropic: "https://gw.example.com/anthropic",
        openai: "https://gw.example.com/openai/v1",
        gemini: "https://gw.example.com/gemini",
      },
    });
  });

  it("uses the workspace's AI Gateway when the probe reaches it", async () => {
    const probed: string[] = [];
    const route = await chooseModelRoute({
      gatewayHost: undefined,
      workspaceId: "6051921418418893",
      host: "https://ws.example.com",
      probe: async (url) => (probed.push(url), true),
    });
    expect(probed).toEqual(["https://6051921418418893.ai-gateway.cloud.databricks.com"]);
    expect(route.kind).toBe("ai-gateway");
    expect(route.upstreams?.openai).toBe("https://6051921418418893.ai-gateway.cloud.databricks.com/openai/v1");
  });

  it("falls back to the serving endpoints when the probe fails, throws or hangs past its bound", async () => {
    const options = { gatewayHost: undefined, workspaceId: "42", host: "https://ws.example.com" };
    const serving = {
      kind: "serving",
      baseUrl: "https://ws.example.com",
      upstreams: {
        anthropic: "https://ws.example.com/serving-endpoints/anthropic",
        openai: "https://ws.example.com/serving-endpoints",
        gemini: "https://ws.example.com/serving-endpoints/google",
      },
    };
    expect(await chooseModelRoute({ ...options, probe: async () => false })).toEqual(serving);
    expect(await chooseModelRoute({ ...options, probe: async () => Promise.reject(new Error("ENOTFOUND")) })).toEqual(serving);
    let aborted = false;
    const hang: Probe = (_url, signal) =>
      new Promise(() => signal.addEventListener("abort", () => (aborted = true), { once: true }));
    expect(await chooseModelRoute({ ...options, probe: hang, timeoutMs: 50 })).toEqual(serving);
    expect(aborted).toBe(true);
  });

  it("does not probe a workspace id that could not be a host name label", async () => {
    const route = await chooseModelRoute({ gatewayHost: undefined, workspaceId: "x.evil.com/", host: "https://ws", probe: never });
    expect(route.kind).toBe("serving");
  });

  it("reports no route without any host", async () => {
    expect(await chooseModelRoute({ gatewayHost: undefined, workspaceId: undefined, host: undefined, probe: never })).toEqual({
      kind: "none",
      baseUrl: null,
      upstreams: null,
    });
  });
});

describe("httpProbe", () => {
  it("counts any answer below 500 as reached, and a 5xx, a refused connection or a timeout as not", async () => {
    let status = 200;
    const server = http.createServer((req, res) => {
      if (req.url === "/hang") return;
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const results: boolean[] = [];
      for (status of [200, 401, 404, 500, 503]) results.push(await httpProbe(url, AbortSignal.timeout(2000)));
      expect(results).toEqual([true, true, true, false, false]);
      await expect(httpProbe(`${url}/hang`, AbortSignal.timeout(100))).rejects.toThrow();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await expect(httpProbe(url, AbortSignal.timeout(2000))).rejects.toThrow();
  });
});
