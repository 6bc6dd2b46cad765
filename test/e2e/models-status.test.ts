import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide)\)$/];

describe("the model route in the status bar", () => {
  let gw: TestGateway;
  let browser: TestBrowser;

  beforeAll(async () => {
    browser = await launchBrowser({ ignoreConsole: OPTIONAL_ENDPOINTS });
    gw = await startGateway({ env: { DATABRICKS_HOST: "http://127.0.0.1:9", GEMINI_MODEL: "my-gemini" } });
  });
  afterAll(async () => {
    await gw?.dispose();
    await browser?.close();
  });

  it("names the route and, on hover, where model calls go", async () => {
    const page = await browser.context.newPage();
    await page.goto(gw.url + "/");
    const models = page.locator("#status-models");
    await expect.poll(() => models.locator(".status-value").innerText()).toBe("serving endpoints");
    const title = await models.getAttribute("title");
    expect(title).toContain("http://127.0.0.1:9");
    expect(title).toContain("Gemini my-gemini");
    expect(title).not.toContain(gw.gateway.models.proxy.localKey);
    await page.close();
    expect(browser.errors).toEqual([]);
  });
});
