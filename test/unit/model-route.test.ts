import { describe, expect, it } from "vitest";
import { chooseModelRoute, type Probe } from "../../src/models/route.js";

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
