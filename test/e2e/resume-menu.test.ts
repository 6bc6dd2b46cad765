import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeModelServing, type FakeModelServing } from "../fakes/model-serving.js";
import { READY } from "../helpers/agent-tab.js";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { ScreenMirror } from "../helpers/screen.js";
import { until } from "../helpers/until.js";
import { waitForScreen } from "../helpers/ui.js";

// The status bar polls endpoints other issues add; until they exist the browser logs their 404s.
const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide|models)\)$/];

describe("resuming from the + menu in Chromium", { timeout: 180_000 }, () => {
  let fake: FakeModelServing;
  let gw: TestGateway;
  let browser: TestBrowser;

  beforeAll(async () => {
    fake = await startFakeModelServing();
    gw = await startGateway({ env: { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: "dapi-resume-e2e" } });
    browser = await launchBrowser({ ignoreConsole: OPTIONAL_ENDPOINTS });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.dispose();
    await fake?.close();
  });

  it("lists a Claude conversation with its first line and opens it in a new tab", async () => {
    // A conversation made in a tab of its own (through the API, as another browser would).
    const first = await gw.createSession({ agent: "claude", cols: 120, rows: 40 });
    const client = await gw.connect(first);
    const screen = new ScreenMirror(client, 120, 40);
    await screen.waitFor(READY, 60_000);
    client.input("say ping-alpha");
    await screen.waitFor("say ping-alpha", 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.input("\r");
    await screen.waitFor("pong-alpha", 60_000);
    screen.dispose();
    // That tab is closed: what the page shows next can only come from the resumed conversation.
    expect((await gw.api("DELETE", `/api/sessions/${first}`)).status).toBe(204);
    await until(async () => (await gw.api("GET", "/api/agents/claude/conversations")).body.conversations.length === 1, "listed", 20_000);

    const page = await browser.context.newPage();
    await page.goto(gw.url + "/");
    await page.getByRole("button", { name: "New tab" }).click();
    const item = page.getByRole("menuitem", { name: /^Claude: say ping-alpha/ });
    await item.waitFor({ timeout: 15_000 });
    await browser.screenshot(page, "resume-menu");
    await item.click();
    // The resumed tab shows the earlier turn, answered before this tab existed.
    await waitForScreen(page, "pong-alpha", 0, 60_000);
    const sessions = (await gw.api("GET", "/api/sessions")).body as { agent: string }[];
    expect(sessions.map((s) => s.agent)).toEqual(["claude"]);
    await page.close();
    expect(browser.errors).toEqual([]);
  });
});
