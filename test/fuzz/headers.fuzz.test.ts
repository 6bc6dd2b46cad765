import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzCases, random } from "../helpers/random.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { rawRequest, UPGRADE_HEADERS } from "../helpers/raw-http.js";

const OWNER = "owner@example.com";

/** Identity header values near the owner's: case, spaces, lookalikes, lists, junk. */
const EMAILS = [
  OWNER,
  "OWNER@EXAMPLE.COM",
  ` ${OWNER}\t`,
  `${OWNER}.evil.org`,
  `evil-${OWNER}`,
  `${OWNER},${OWNER}`,
  `${OWNER}, other@example.com`,
  "other@example.com",
  "owner@exаmple.com", // Cyrillic a
  "",
  " ",
  "\t",
  "x".repeat(400) + "@example.com",
  "<script>@x.y",
  "null",
  "owner@example.com\u00a0",
];

const HEADER_NAMES = ["X-Forwarded-Email", "x-forwarded-email", "X-FORWARDED-EMAIL", "X-Forwarded-User", "X-Forwarded-Host", "Origin", "Host", "Accept", "Content-Type", "Cookie", "Authorization", "X-Real-Ip", "X-Request-Id", "Forwarded", "X-Junk"];

describe("fuzz: headers in app mode (APP_OWNER)", () => {
  let gw: TestGateway;
  let session: string;
  beforeAll(async () => {
    gw = await startGateway({ env: { APP_OWNER: OWNER }, headers: { "X-Forwarded-Email": OWNER } });
    session = await gw.createSession();
  });
  afterAll(async () => {
    await gw.dispose();
  });

  it("lets in only one X-Forwarded-Email naming the owner, refuses the rest with a 4xx, never a 5xx", async () => {
    const rng = random(Number(process.env.FUZZ_SEED ?? 4242));
    const { host, origin } = new URL(gw.url);
    const targets = [
      ["GET", "/api/sessions"],
      ["GET", "/api/agents"],
      ["GET", "/api/me"],
      ["GET", "/"],
      ["POST", "/api/sessions"],
      ["DELETE", "/api/sessions/nope"],
      ["UPGRADE", `/api/sessions/${session}/ws`],
    ] as const;
    const cases = fuzzCases(300);
    const statuses = new Map<number, number>();
    let admitted = 0;
    for (let i = 0; i < cases; i++) {
      const [method, route] = rng.pick(targets);
      const headers: Array<[string, string]> = [];
      // Mostly one identity header (as the Apps proxy sends), sometimes none or several.
      const emailCount = rng.pick([0, 1, 1, 1, 1, 1, 2, 3]);
      for (let n = emailCount; n > 0; n--) headers.push(["X-Forwarded-Email", rng.int(2) ? OWNER : rng.pick(EMAILS)]);
      for (let n = rng.int(3); n > 0; n--) {
        const name = rng.pick(HEADER_NAMES);
        const value =
          name === "Origin"
            ? rng.pick([origin, "https://evil.org", "null", "", `http://${host}.evil.org`, rng.text(10)])
            : name === "Host" || name === "X-Forwarded-Host"
              ? rng.pick([host, "evil.org", "", `${host}:1`, "127.0.0.1", rng.text(6)])
              : name === "Content-Type"
                ? rng.pick(["application/json", "text/html", "multipart/form-data", "application/json; charset=utf-32"])
                : printable(rng.text(rng.int(60)));
        headers.push([name, printable(value)]);
      }
      const upgrade = method === "UPGRADE";
      const sent = upgrade ? [...UPGRADE_HEADERS, ...headers] : headers;
      const body = method === "POST" ? rng.pick(['{"agent":"nope"}', "{", JSON.stringify(rng.value(3))]) : "";
      const res = await rawRequest(gw.url, upgrade ? "GET" : method, route, sent, body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const label = `case ${i}: ${method} ${route} ${JSON.stringify(headers)}`;
      expect(res.status, label).toBeLessThan(500);
      const emails = headers.filter(([name]) => name.toLowerCase() === "x-forwarded-email").map(([, v]) => v);
      const isOwner = emails.length === 1 && emails[0]!.trim().toLowerCase() === OWNER;
      if (!isOwner) expect([400, 401, 403], label).toContain(res.status);
      if (res.status < 400) {
        admitted++;
        expect(isOwner, label).toBe(true);
      }
    }
    // The owner, with a clean request, still gets in, and the session lived through it all.
    const client = await gw.connect(session, { headers: { Origin: gw.url } });
    client.input("echo headers-survived-$((2*21))\r");
    await client.waitFor("headers-survived-42");
    expect(admitted).toBeGreaterThan(0);
    console.log(`fuzz: ${cases} header sets in app mode, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 120_000);

  it("answers odd request targets, plain and as upgrades, with a 4xx and never a 5xx", async () => {
    const rng = random(Number(process.env.FUZZ_SEED ?? 99));
    const fixed = ["//", "//[", "//evil.org/api/sessions/x/ws", `//evil.org/api/sessions/${session}/ws`, "/%zz", "/%00", "/api/sessions/%2e%2e/ws", "/api//sessions", "/..", "/api/sessions/x/ws?%", "/" + "a".repeat(8000)];
    const cases = fuzzCases(200);
    const statuses = new Map<number, number>();
    const owner = [["X-Forwarded-Email", OWNER]] as const;
    for (let i = 0; i < cases + fixed.length; i++) {
      const target = i < fixed.length ? fixed[i]! : "/" + [...rng.text(rng.int(30))].map((c) => (rng.int(3) ? encodeURIComponent(c) : c)).join("").replace(/[\s\u0000-\u001f\u007f]/g, "");
      const upgrade = rng.int(2) === 0 || i < fixed.length;
      const res = await rawRequest(gw.url, "GET", target, upgrade ? [...UPGRADE_HEADERS, ...owner] : [...owner]).catch(() => undefined);
      // A target Node's parser refuses ends in a plain 400 or a closed socket: neither reaches the gateway.
      if (!res) continue;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, `${upgrade ? "upgrade" : "GET"} ${JSON.stringify(target)}`).toBeLessThan(500);
      if (i < 4) expect(res.status, `upgrade ${target}`).not.toBe(101);
    }
    console.log(`fuzz: ${cases + fixed.length} request targets, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 60_000);
});

/** Header values on the wire cannot hold CR, LF or NUL (Node's parser would end the request there). */
function printable(value: string): string {
  return value.replace(/[\r\n\u0000]/g, "");
}
