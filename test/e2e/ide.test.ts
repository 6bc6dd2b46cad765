import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { defaultInstallDir } from "../../src/ide/code-server-bin.js";
import { codeServerBin, pinnedVersion } from "../helpers/code-server.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { runInIdeTerminal } from "../helpers/ide-terminal.js";

/** The workbench on 2 busy cores: code-server's cold start plus VS Code's first paint can take a while. */
const WORKBENCH_MS = 120_000;

describe("Open IDE in Chromium", () => {
  let gw: TestGateway;
  let browser: TestBrowser;

  beforeAll(async () => {
    gw = await startGateway({ env: { CODE_SERVER_BIN: codeServerBin() } });
    // Endpoints of other issues the status bar polls may 404 on this gateway; the workbench's own console is not ours.
    browser = await launchBrowser({ viewport: { width: 1400, height: 900 }, ignoreConsole: [/status of 404/, /\/ide\//] });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.dispose();
  });

  it("clicking Open IDE shows Starting, then the workbench, whose terminal runs a command", { timeout: 240_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(gw.url + "/");
    const button = page.locator("#open-ide");
    await expect.poll(() => button.isEnabled(), { timeout: 20_000 }).toBe(true);

    const [ide] = await Promise.all([browser.context.waitForEvent("page"), button.click()]);
    // The first visit starts code-server: the tab shows the small Starting page, which continues by itself.
    await ide.waitForSelector("h1:has-text('Starting the IDE')", { timeout: 20_000 });
    await browser.screenshot(ide, "ide-starting");
    await ide.waitForSelector(".monaco-workbench", { timeout: WORKBENCH_MS });
    expect(new URL(ide.url()).pathname).toBe("/ide/");
    // The workbench opened on PROJECTS_DIR: the Explorer names the folder.
    await ide.waitForSelector(".explorer-folders-view, .explorer-viewlet", { timeout: WORKBENCH_MS });
    expect((await gw.api("GET", "/api/ide")).body.state).toBe("running");

    const marker = path.join(gw.home, "projects", "ide-terminal-marker.txt");
    await runInIdeTerminal(ide, `echo "ran in the IDE: $((6 * 7))" > ide-terminal-marker.txt`);
    await expect.poll(() => existsSync(marker) && readFileSync(marker, "utf8"), { timeout: 30_000 }).toBe("ran in the IDE: 42\n");
    // No first-run dialog over the workbench (the gateway's first settings turn VS Code's AI onboarding off).
    expect(await ide.locator(".onboarding-a-overlay").count()).toBe(0);
    await browser.screenshot(ide, "ide-workbench");
  });
});

describe("Installing the IDE from the page in Chromium", () => {
  let gw: TestGateway;
  let browser: TestBrowser;

  beforeAll(async () => {
    gw = await startGateway({ env: { PATH: "/usr/bin:/bin" } });
    browser = await launchBrowser({ ignoreConsole: [/status of 404/, /status of 503/, /\/ide\//] });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.dispose();
  });

  it("offers the install, shows the script's output, then continues into the workbench", { timeout: 240_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/ide/`);
    const install = page.getByRole("button", { name: "Install code-server" });
    await install.waitFor({ timeout: 20_000 });
    await browser.screenshot(page, "ide-install-offer");
    // The real script runs; this HOME's cache points at the suite's install, so it reuses it instead of building.
    const cache = defaultInstallDir(gw.home, pinnedVersion());
    mkdirSync(path.dirname(cache), { recursive: true });
    symlinkSync(path.dirname(path.dirname(codeServerBin())), cache);
    await install.click();
    await page.waitForSelector(".monaco-workbench", { timeout: WORKBENCH_MS });
    const status = (await gw.api("GET", "/api/ide")).body;
    expect(status.state).toBe("running");
    expect(status.install.lines.join("\n")).toContain("is already installed");
  });
});
