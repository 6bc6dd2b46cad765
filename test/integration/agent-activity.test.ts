import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startFakeModelServing, type FakeModelServing } from "../fakes/model-serving.js";
import { openEvents, type EventReader } from "../helpers/events.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { ScreenMirror } from "../helpers/screen.js";
import { READY } from "../helpers/agent-tab.js";
import { agentHomes } from "../../src/agents/homes.js";

const OWNER = "owner@example.com";
const CLI_TIMEOUT_MS = 60_000;

/**
 * What each real CLI announces when it has answered and waits for the next prompt (README "The page"):
 * Claude Code through the gateway's Stop hook, Codex through its OSC 7501 state report, Gemini CLI through
 * its own OSC 777 notification once general.enableNotifications is on.
 */
const AGENTS = [
  { id: "claude", finished: "Claude Code finished" },
  { id: "codex", finished: "Codex finished" },
  { id: "gemini", finished: "Gemini CLI session complete: Run finished | Gemini CLI finished responding." },
] as const;

describe.each(AGENTS)("$id's activity", (agent) => {
  let db: FakeDatabricks;
  let fake: FakeModelServing;
  let gw: TestGateway;
  let events: EventReader;

  beforeEach(async () => {
    db = await startFakeDatabricks();
    fake = await startFakeModelServing({ forwardTo: db.url, authorize: () => true });
    gw = await startGateway({ env: { DATABRICKS_HOST: fake.url, DATABRICKS_CLIENT_ID: db.clientId, DATABRICKS_CLIENT_SECRET: db.clientSecret } });
    expect((await gw.api("POST", "/api/token", { token: db.issueToken(OWNER) })).status).toBe(200);
    events = await openEvents(gw.url);
  });
  afterEach(async () => {
    events?.close();
    await gw?.dispose();
    await fake?.close();
    await db?.close();
  });

  it("is working while it answers, then needs-input with its message until the user types", { timeout: 120_000 }, async () => {
    const id = await gw.createSession({ agent: agent.id, cols: 120, rows: 40 });
    const client = await gw.connect(id);
    const screen = new ScreenMirror(client, 120, 40);
    try {
      await screen.waitFor(READY, CLI_TIMEOUT_MS);
      const states = () => events.of("activity").filter((e) => e.data.id === id).map((e) => e.data);
      await events.until(() => states().some((s) => s.state === "working"), "working while it starts", CLI_TIMEOUT_MS);
      client.input("say ping-alpha");
      await screen.waitFor("say ping-alpha", 10_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = states().length;
      client.input("\r");
      await screen.waitFor("pong-alpha", CLI_TIMEOUT_MS);
      await events.until(() => states().slice(before).some((s) => s.state === "needs-input"), "needs-input after the answer", CLI_TIMEOUT_MS);
      const waiting = states().slice(before).find((s) => s.state === "needs-input")!;
      expect(waiting.message).toBe(agent.finished);
      // Quiet redraws and the terminal's focus report leave it waiting; the user's key answers it.
      client.input("\x1b[O");
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect((await gw.api("GET", "/api/sessions")).body[0].activity).toMatchObject({ state: "needs-input", message: agent.finished });
      client.input("x");
      await events.until(() => states().at(-1)?.state !== "needs-input", "answered", 15_000);
    } finally {
      screen.dispose();
    }
  });
});

describe("Claude Code's Notification hook", () => {
  it("says in Claude's own words that it waits for input", { timeout: 150_000 }, async () => {
    const db = await startFakeDatabricks();
    const fake = await startFakeModelServing({ forwardTo: db.url, authorize: () => true });
    const gw = await startGateway({ env: { DATABRICKS_HOST: fake.url, DATABRICKS_CLIENT_ID: db.clientId, DATABRICKS_CLIENT_SECRET: db.clientSecret } });
    const events = await openEvents(gw.url);
    try {
      expect((await gw.api("POST", "/api/token", { token: db.issueToken(OWNER) })).status).toBe(200);
      // A first tab writes the gateway's Claude settings; then its idle notice is shortened from 60 s to 1 s.
      const first = await gw.createSession({ agent: "claude" });
      const file = path.join(agentHomes(gw.gateway.config).claude.configDir, ".claude.json");
      const state = JSON.parse(readFileSync(file, "utf8"));
      writeFileSync(file, JSON.stringify({ ...state, messageIdleNotifThresholdMs: 1000 }));
      await gw.api("DELETE", `/api/sessions/${first}`);
      const id = await gw.createSession({ agent: "claude", cols: 120, rows: 40 });
      const client = await gw.connect(id);
      const screen = new ScreenMirror(client, 120, 40);
      try {
        await screen.waitFor(READY, CLI_TIMEOUT_MS);
        client.input("say ping-alpha");
        await screen.waitFor("say ping-alpha", 10_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
        client.input("\r");
        await screen.waitFor("pong-alpha", CLI_TIMEOUT_MS);
        await events.until(
          () => events.of("activity").some((e) => e.data.id === id && e.data.state === "needs-input" && e.data.message === "Claude is waiting for your input"),
          "the Notification hook's message",
          CLI_TIMEOUT_MS,
        );
      } finally {
        screen.dispose();
      }
    } finally {
      events.close();
      await gw.dispose();
      await fake.close();
      await db.close();
    }
  });
});
