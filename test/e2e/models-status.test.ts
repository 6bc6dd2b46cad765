import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startFakeModelServing, type FakeModelServing } from "../fakes/model-serving.js";
import { READY } from "../helpers/agent-tab.js";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { pane, waitForScreen } from "../helpers/ui.js";

const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide)\)$/];
const LISTED = ["system.ai.claude-opus-4-7", "system.ai.claude-sonnet-4-6", "system.ai.gpt-5-5", "system.ai.gemini-3-1-pro"];

describe("the model picker and the status bar's Models item, on a v2 workspace", () => {
  let db: FakeDatabricks;
  let fake: FakeModelServing;
  let gw: TestGateway;
  let browser: TestBrowser;

  beforeAll(async () => {
    browser = await launchBrowser({ ignoreConsole: OPTIONAL_ENDPOINTS });
    db = await startFakeDatabricks();
    db.modelServices = LISTED;
    fake = await startFakeModelServing({ forwardTo: db.url, mode: "v2", models: () => LISTED });
    gw = await startGateway({ env: { DATABRICKS_HOST: fake.url } });
    expect((await gw.api("POST", "/api/token", { token: db.issueToken("owner@example.com") })).status).toBe(200);
  });
  afterAll(async () => {
    await gw?.dispose();
    await fake?.close();
    await db?.close();
    await browser?.close();
  });

  it("names the route and the models; a tab started with another model runs with it, and the choice is remembered", async () => {
    const page = await browser.context.newPage();
    await page.goto(gw.url + "/");
    const models = page.locator("#status-models");
    await expect.poll(() => models.locator(".status-value").innerText()).toBe("AI Gateway v2");
    const title = (await models.getAttribute("title")) ?? "";
    expect(title).toContain(fake.url);
    expect(title).toContain("Claude system.ai.claude-opus-4-7 (2 offered)");
    expect(title).toContain("Gemini system.ai.gemini-3-1-pro");
    expect(title).not.toContain(gw.gateway.models.proxy.localKey);

    await page.getByRole("button", { name: "New tab" }).click();
    const opus = page.locator('[role=menuitem][data-agent=claude][data-model="system.ai.claude-opus-4-7"]');
    const sonnet = page.locator('[role=menuitem][data-agent=claude][data-model="system.ai.claude-sonnet-4-6"]');
    await expect.poll(() => sonnet.count()).toBe(1);
    expect(await opus.innerText()).toContain("default");
    expect(await opus.getAttribute("aria-current")).toBe("true");
    expect(await sonnet.innerText()).not.toContain("default");
    // Codex and Gemini have one model each here: no choice to offer.
    expect(await page.locator("[role=menuitem][data-agent=codex][data-model]").count()).toBe(0);
    await browser.screenshot(page, "model-picker");
    await sonnet.click();

    await expect.poll(() => page.locator("[role=tab]").count()).toBe(1);
    await expect.poll(() => page.locator("[role=tab]").first().innerText()).toContain("claude-sonnet-4-6");
    await waitForScreen(page, READY, 0, 60_000);
    await pane(page, 0).locator(".xterm").click();
    await page.keyboard.type("say ping-picked");
    await page.waitForTimeout(300);
    await page.keyboard.press("Enter");
    await waitForScreen(page, "pong-picked", 0, 60_000);
    const calls = fake.calls.filter((c) => c.method === "POST" && JSON.stringify(c.body).includes("ping-picked"));
    expect(calls.map((c) => c.model)).toEqual(["system.ai.claude-sonnet-4-6"]);

    // Remembered: GET /api/models and the menu now put the sonnet first in use.
    const info = (await gw.api("GET", "/api/models")).body;
    expect(info.agents.claude).toMatchObject({ model: "system.ai.claude-sonnet-4-6", default: "system.ai.claude-opus-4-7" });
    await page.getByRole("button", { name: "New tab" }).click();
    await expect.poll(() => sonnet.getAttribute("aria-current")).toBe("true");
    await page.keyboard.press("Escape");
    await page.close();
    expect(browser.errors).toEqual([]);
  }, 180_000);

  it("refuses a model the agent does not offer, with a 400 that says which ones it does", async () => {
    for (const model of ["system.ai.llama-9", "x".repeat(201), "system.ai.gpt-5-5"]) {
      const res = await gw.api("POST", "/api/sessions", { agent: "claude", model });
      expect(res.status, model.slice(0, 20)).toBe(400);
    }
    const res = await gw.api("POST", "/api/sessions", { agent: "claude", model: "system.ai.llama-9" });
    expect(res.body.error).toMatchObject({ code: "unknown_model", message: expect.stringContaining("system.ai.claude-sonnet-4-6") });
    expect((await gw.api("POST", "/api/sessions", { agent: "shell", model: "system.ai.gpt-5-5" })).status).toBe(400);
    expect((await gw.api("GET", "/api/sessions")).body.filter((s: { agent: string }) => s.agent === "claude")).toHaveLength(1);
  });
});
