import { describe, expect, it } from "vitest";
import { scrubDeep, scrubText } from "../../src/scrub.js";

const PAT = "dapi0123456789abcdef0123456789abcdef-2";
const SECRET = "dose0123456789abcdef0123456789abcdef";
const BASIC = Buffer.from(`client-id:${SECRET}`).toString("base64");
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2lnbmF0dXJl";

describe("the scrubber", () => {
  it("removes credentials upstreams echo, by shape", () => {
    for (const text of [
      `401: Authorization: Bearer ${PAT} is not valid`,
      `invalid_client (Authorization: Basic ${BASIC})`,
      `{"error":"bad","access_token":"${JWT}"}`,
      `client_secret=${SECRET}&grant_type=client_credentials`,
      `{"token_value": "${PAT}"}`,
      `token ${PAT} expired`,
      `sent ${JWT}`,
      `Bearer%20${PAT}`,
    ]) {
      const out = scrubText(text);
      for (const secret of [PAT, SECRET, BASIC, JWT, PAT.slice(0, 36)]) expect(out, text).not.toContain(secret);
      expect(out).toContain("[redacted]");
    }
  });

  it("removes known values whatever their shape, and leaves ordinary text readable", () => {
    expect(scrubText("the secret is hunter2-hunter2!", { values: () => ["hunter2-hunter2"] })).toBe("the secret is [redacted]!");
    for (const text of ["Bearer authentication failed", "Workspace unavailable (HTTP 503)", "No personal access token: paste one to sync.", "Token rotation failed"]) {
      expect(scrubText(text)).toBe(text);
    }
  });

  it("scrubs every string of a JSON value, nested and in arrays", () => {
    const out = scrubDeep({ a: [{ lastError: `Bearer ${PAT}` }], n: 1, ok: null, when: "2026-01-01" });
    expect(JSON.stringify(out)).not.toContain(PAT);
    expect(out.n).toBe(1);
    expect(out.when).toBe("2026-01-01");
  });
});
