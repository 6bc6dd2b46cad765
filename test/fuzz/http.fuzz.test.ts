import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzCases, random } from "../helpers/random.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const ROUTES = [
  ["POST", "/api/sessions"],
  ["GET", "/api/sessions"],
  ["DELETE", "/api/sessions/"],
  ["GET", "/api/agents"],
  ["POST", "/api/token"],
  ["GET", "/api/token"],
  ["GET", "/api/sync"],
  ["POST", "/api/upload"],
  ["GET", "/api/ide"],
  ["GET", "/healthz"],
  ["GET", "/"],
] as const;

describe("fuzz: HTTP bodies, query strings and headers", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ file: { path: "gateway.yaml", text: "limits:\n  maxSessions: 2\n" } });
  });
  afterAll(async () => {
    await gw.dispose();
  });

  it("answers every malformed request with a 4xx and never a 5xx", async () => {
    const rng = random(Number(process.env.FUZZ_SEED ?? 7));
    const cases = fuzzCases(300);
    const statuses = new Map<number, number>();
    for (let i = 0; i < cases; i++) {
      const [method, route] = rng.pick(ROUTES);
      const query = rng.int(3) === 0 ? `?${encodeURIComponent(rng.text(8))}=${encodeURIComponent(rng.text(8))}` : "";
      const suffix = route.endsWith("/") ? encodeURIComponent(rng.text(rng.int(40))) : "";
      const kind = rng.int(4);
      const body =
        method === "GET" ? undefined : kind === 0 ? rng.bytes(rng.int(300)) : kind === 1 ? JSON.stringify(rng.value(4)) : rng.text(rng.int(200));
      const headers: Record<string, string> = {
        "content-type": rng.pick(["application/json", "text/plain", "application/octet-stream", "multipart/form-data; boundary=x", "application/json; charset=utf-16"]),
      };
      if (rng.int(4) === 0) headers["x-forwarded-email"] = rng.pick(["", "a@b.c", "x,y", "\t"]);
      const res = await fetch(gw.url + route + suffix + query, { method, headers, body });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, `${method} ${route}${suffix}${query}`).toBeLessThan(500);
      // Anything JSON-parseable that got accepted as a session is cleaned up to stay under the limit.
      if (res.status === 201 && route === "/api/sessions") {
        for (const s of (await gw.api("GET", "/api/sessions")).body) await gw.api("DELETE", `/api/sessions/${s.id}`);
      }
    }
    expect((await gw.api("GET", "/healthz")).status).toBe(200);
    console.log(`fuzz: ${cases} HTTP requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 120_000);
});
