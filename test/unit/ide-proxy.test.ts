import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { idePage } from "../../src/ide/pages.js";
import { scrub } from "../../src/ide/proxy.js";

function request(headers: Record<string, string>): IncomingMessage {
  return { headers: { ...headers } } as unknown as IncomingMessage;
}

describe("scrub: what the IDE proxy keeps from the gateway's request", () => {
  it("drops the gateway's auth headers and Forwarded, keeps the rest", () => {
    const req = request({
      host: "app.example.com",
      authorization: "Bearer dapi-secret",
      "x-forwarded-email": "owner@example.com",
      "x-forwarded-user": "123@456",
      "x-forwarded-preferred-username": "owner",
      "x-forwarded-access-token": "eyJ-secret",
      "x-forwarded-host": "app.example.com",
      forwarded: "host=evil.example",
      accept: "text/html",
    });
    scrub(req);
    expect(req.headers).toEqual({ host: "app.example.com", "x-forwarded-host": "app.example.com", accept: "text/html" });
  });

  it("keeps only code-server's and the workbench's cookies", () => {
    const req = request({ cookie: "__Host-databricksapps=abc; code-server-session=s1;vscode-tkn=t; gateway_sid=x; other=y" });
    scrub(req);
    expect(req.headers.cookie).toBe("code-server-session=s1; vscode-tkn=t");
    const none = request({ cookie: "databricks-session=abc; =bare" });
    scrub(none);
    expect(none.headers.cookie).toBeUndefined();
  });
});

describe("idePage", () => {
  const base = { version: null, startedAt: null, lastError: null };

  it("says the IDE is starting, continues without inline script, and refreshes without scripts", () => {
    const html = idePage({ ...base, state: "starting" }, { configuredBin: undefined });
    expect(html).toContain("Starting the IDE");
    expect(html).toContain('<script type="module" src="/ide.js"></script>');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('<noscript><meta http-equiv="refresh" content="2"></noscript>');
  });

  it("offers to install when code-server is absent, or names a broken CODE_SERVER_BIN (escaped)", () => {
    const offer = idePage({ ...base, state: "absent" }, { configuredBin: undefined });
    expect(offer).toContain('id="ide-install"');
    expect(offer).not.toContain("http-equiv");
    const broken = idePage({ ...base, state: "absent" }, { configuredBin: "/opt/<cs>" });
    expect(broken).not.toContain('id="ide-install"');
    expect(broken).toContain("/opt/&#60;cs&#62;");
  });
});
