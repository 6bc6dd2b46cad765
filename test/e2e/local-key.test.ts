import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startChildGateway, type ChildGateway } from "../helpers/gateway-process.js";
import { openTab, run, waitForScreen } from "../helpers/ui.js";

// The status bar polls endpoints other issues add; until they exist the browser logs their 404s.
const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide|models)\)$/, /status of 401 \(Unauthorized\) \(http:\/\/127\.0\.0\.1:\d+\/\)$/];

describe("the printed URL in Chromium", { timeout: 90_000 }, () => {
  let gw: ChildGateway;
  let browser: TestBrowser;
  let page: Page;
  let printed: string;

  beforeAll(async () => {
    // GATEWAY_TOKEN empty: a fresh key that only the printed line tells, as for a person starting it.
    gw = await startChildGateway({ GATEWAY_TOKEN: "" });
    for (let i = 0; i < 100 && !printed; i++) {
      printed = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(gw.output())?.[0] ?? "";
      if (!printed) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    browser = await launchBrowser({ key: false, ignoreConsole: OPTIONAL_ENDPOINTS });
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it("without it the page is refused with a page saying where the URL is", async () => {
    const response = await page.goto(gw.url + "/");
    expect(response!.status()).toBe(401);
    expect(await page.locator("body").innerText()).toMatch(/printed when it started[^]*\/\?token=/);
    expect(await page.locator(".start-agent").count()).toBe(0);
    // The refused page asks for nothing else (no /favicon.ico refused in turn).
    expect(browser.errors).toEqual([]);
  });

  it("opening it sets an HttpOnly, SameSite=Strict cookie, lands on the clean URL and the terminal works", async () => {
    expect(printed).toMatch(/\?token=/);
    const response = await page.goto(printed);
    expect(response!.status()).toBe(200);
    expect(page.url()).toBe(gw.url + "/");
    const cookies = await browser.context.cookies(gw.url);
    const key = new URL(printed).searchParams.get("token");
    const cookie = cookies.find((c) => c.value === key);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    // The page's own scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain(key!);
    await openTab(page, "Shell");
    await run(page, "echo printed-$((6 * 7))");
    await waitForScreen(page, "printed-42");
    // A reload, and a new tab of the same browser, need no key in the address any more.
    await page.reload();
    await expect.poll(() => page.locator("[role=tab]").count()).toBeGreaterThan(0);
    expect(browser.errors).toEqual([]);
  });
});
