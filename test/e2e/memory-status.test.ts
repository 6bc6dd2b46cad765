import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { FakeCgroup } from "../helpers/fake-cgroup.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide)\)$/];

describe("memory use in the status bar", () => {
  let gw: TestGateway;
  let browser: TestBrowser;
  const cgroup = new FakeCgroup().machine(32_768, 30_000).v2(6144, 2048);

  beforeAll(async () => {
    browser = await launchBrowser({ ignoreConsole: OPTIONAL_ENDPOINTS });
    gw = await startGateway({ overrides: { memoryPaths: cgroup.paths } });
  });
  afterAll(async () => {
    await gw?.dispose();
    await browser?.close();
    cgroup.dispose();
  });

  it("shows the container's use of its limit, and warns when little is left", async () => {
    const page = await browser.context.newPage();
    await page.goto(gw.url + "/");
    const memory = page.locator("#status-memory");
    await expect.poll(() => memory.locator(".status-value").innerText()).toBe("2.0 GiB / 6.0 GiB");
    expect(await memory.getAttribute("title")).toContain("4.0 GiB free (the container's limit)");
    expect(await memory.getAttribute("class")).not.toContain("warn");

    cgroup.v2(6144, 5800);
    await page.reload();
    await expect.poll(() => memory.locator(".status-value").innerText()).toBe("5.7 GiB / 6.0 GiB");
    await expect.poll(() => memory.getAttribute("class")).toContain("warn");
    await page.close();
    expect(browser.errors).toEqual([]);
  });
});
