import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { openTab, waitForScreen } from "../helpers/ui.js";

const OWNER = "owner@example.com";
const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide|models)\)$/];
// An agent whose CLI exists (cat): starting it without a token makes the gateway send a notice.
const CATALOGUE = `agents:\n  - id: echoer\n    label: Echoer\n    command: cat\n`;

describe("the Databricks token in the page", { timeout: 60_000 }, () => {
  let fake: FakeDatabricks;
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser({ ignoreConsole: [...OPTIONAL_ENDPOINTS, /status of 40[13] .*\/api\/token\)$/] });
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    fake = await startFakeDatabricks();
    gw = await startGateway({ env: { DATABRICKS_HOST: fake.url }, file: { path: "gateway.yaml", text: CATALOGUE } });
    page = await browser.context.newPage();
    await page.goto(gw.url + "/");
  });
  afterEach(async () => {
    await page?.close();
    await gw?.dispose();
    await fake?.close();
    expect(browser.errors).toEqual([]);
  });

  it("asks for a token without taking the keyboard when an agent starts without one; Enter submits it", async () => {
    const token = page.locator("#status-token .status-value");
    await expect.poll(() => token.innerText()).toBe("missing");
    expect(await page.getByRole("button", { name: "Set token…" }).isVisible()).toBe(true);

    // The agent tab says why it cannot answer yet; no dialog opens by itself, so keys still go to the agent.
    await openTab(page, "Echoer");
    await waitForScreen(page, "No Databricks token yet");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const dialog = page.getByRole("dialog", { name: "Databricks token" });
    expect(await dialog.count()).toBe(0);
    await page.keyboard.type("typed-for-the-agent");
    await waitForScreen(page, "typed-for-the-agent");

    await page.getByRole("button", { name: "Set token…" }).click();
    await expect.poll(() => dialog.isVisible(), { timeout: 15_000 }).toBe(true);
    const rejected = fake.issueToken(OWNER);
    fake.tokens.find((t) => t.value === rejected)!.revoked = true;
    await dialog.getByRole("textbox", { name: "Personal access token" }).fill(rejected);
    // Enter submits (it used to press Cancel, the form's first button, and throw the token away).
    await page.keyboard.press("Enter");
    await expect.poll(() => dialog.locator(".dialog-error").innerText()).not.toBe("");
    expect(await dialog.isVisible()).toBe(true);
    await browser.screenshot(page, "token-dialog");

    const good = fake.issueToken(OWNER);
    await dialog.getByRole("textbox", { name: "Personal access token" }).fill(good);
    await page.keyboard.press("Enter");
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => token.innerText()).toMatch(/^(active|rotating)/);
    await expect.poll(() => token.innerText(), { timeout: 15_000 }).toMatch(/^active · expires in \d+ (min|h|s)$/);
    expect(await page.getByRole("button", { name: "Set token…" }).isVisible()).toBe(false);
    expect(gw.gateway.tokens.current()).toBeTruthy();

    // The page keeps no token anywhere it could leak from.
    const stored = await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.documentElement.outerHTML);
    expect(stored).not.toContain(good);
    expect(stored).not.toContain(rejected);
  });
});

describe("local mode without a workspace", { timeout: 60_000 }, () => {
  it("says the agents run on their own CLI configuration and asks for no token it would refuse", async () => {
    const browser = await launchBrowser({ ignoreConsole: OPTIONAL_ENDPOINTS });
    const gw = await startGateway({ file: { path: "gateway.yaml", text: CATALOGUE } });
    try {
      const page = await browser.context.newPage();
      await page.goto(gw.url + "/");
      const token = page.locator("#status-token");
      await expect.poll(() => token.locator(".status-value").innerText()).toBe("not used");
      expect(await token.getAttribute("class")).not.toContain("warn");
      expect(await page.getByRole("button", { name: "Set token…" }).isVisible()).toBe(false);
      await expect.poll(() => page.locator('.start-agent[data-agent="echoer"]').innerText()).toContain("own CLI config");
      await openTab(page, "Echoer");
      await waitForScreen(page, "its own CLI configuration");
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await page.getByRole("dialog").count()).toBe(0);
      await browser.screenshot(page, "local-no-workspace");
      expect(browser.errors).toEqual([]);
    } finally {
      await gw.dispose();
      await browser.close();
    }
  });
});
