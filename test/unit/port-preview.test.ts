import { describe, expect, it } from "vitest";
import { isPortPreview, PORT_PREVIEW_CSP } from "../../src/ide/proxy.js";

describe("which /ide paths are port previews (sandboxed)", () => {
  it("sees every spelling code-server's router could take for its port proxy", () => {
    for (const target of [
      "/proxy/3000/",
      "/absproxy/3000/x",
      "/ide/proxy/3000",
      "/PROXY/3000/",
      "/%70roxy/3000/",
      "//proxy/3000/",
      "/x/../proxy/3000/",
      "/x/%2e%2e/proxy/3000/",
      "/proxy%2f3000/",
      "/%E0%A4%A/",
    ]) {
      expect(isPortPreview(target), target).toBe(true);
    }
  });

  it("leaves the workbench and its resources alone", () => {
    for (const target of ["/", "/?folder=/x", "/stable-abc/static/out/vs/code.js", "/vscode-remote-resource?path=/proxy/1", "/proxyish/3000", "/ide/"]) {
      expect(isPortPreview(target), target).toBe(false);
    }
  });

  it("sandboxes without allow-same-origin or top navigation", () => {
    expect(PORT_PREVIEW_CSP).toMatch(/^sandbox /);
    expect(PORT_PREVIEW_CSP).not.toMatch(/allow-same-origin|allow-top-navigation|allow-popups-to-escape-sandbox/);
  });
});
