import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeModelServing, type FakeModelServing } from "../fakes/model-serving.js";
import { ask, READY } from "../helpers/agent-tab.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { ScreenMirror } from "../helpers/screen.js";
import { until } from "../helpers/until.js";

/** Agents that keep conversations, with what their prompt shows once it takes keys. */
const AGENTS = [
  { id: "claude", ready: READY },
  { id: "codex", ready: READY },
  { id: "gemini", ready: READY },
  { id: "pi", ready: /escape interrupt/ },
  { id: "copilot", ready: /\/ commands/ },
] as const;
const CLI_TIMEOUT_MS = 60_000;

describe.each(AGENTS)("resuming a $id conversation", (agent) => {
  let fake: FakeModelServing;
  let gw: TestGateway;
  const screens: ScreenMirror[] = [];

  beforeEach(async () => {
    fake = await startFakeModelServing();
    gw = await startGateway({ env: { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: "dapi-resume-test" } });
  });

  afterEach(async () => {
    for (const screen of screens.splice(0)) screen.dispose();
    await gw.dispose();
    await fake.close();
  });

  const open = async (body: Record<string, unknown>) => {
    const res = await gw.api("POST", "/api/sessions", { agent: agent.id, cols: 120, rows: 40, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const client = await gw.connect(res.body.id);
    const screen = new ScreenMirror(client, 120, 40);
    screens.push(screen);
    return { id: res.body.id as string, client, screen };
  };

  it("a conversation made in one tab is listed with its first line and opens in another tab", async () => {
    const list = async () => (await gw.api("GET", `/api/agents/${agent.id}/conversations`)).body;
    expect((await list()).conversations).toEqual([]);
    expect((await list()).resumable).toBe(true);

    const first = await open({});
    await first.screen.waitFor(agent.ready, CLI_TIMEOUT_MS);
    await ask(first.client, first.screen, "say ping-alpha");
    await first.screen.waitFor("pong-alpha", CLI_TIMEOUT_MS);
    await until(async () => (await list()).conversations.length > 0, "the conversation listed", 20_000);
    const [conversation] = (await list()).conversations;
    expect(conversation.title).toBe("say ping-alpha");
    expect(Date.parse(conversation.updatedAt)).toBeGreaterThan(Date.now() - 5 * 60_000);
    expect((await gw.api("DELETE", `/api/sessions/${first.id}`)).status).toBe(204);

    const second = await open({ resume: conversation.id });
    await second.screen.waitFor(agent.ready, CLI_TIMEOUT_MS);
    const before = fake.calls.length;
    const asked = () => fake.calls.slice(before).some((c) => c.method === "POST" && (JSON.stringify(c.body) ?? "").includes("ping-bravo"));
    await ask(second.client, second.screen, "say ping-bravo", asked);
    await second.screen.waitFor("pong-bravo", CLI_TIMEOUT_MS);
    // The model saw the earlier turn: the tab went on with that conversation, not a new one.
    const calls = fake.calls.slice(before).filter((c) => c.method === "POST" && JSON.stringify(c.body).includes("ping-bravo"));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.some((c) => JSON.stringify(c.body).includes("pong-alpha"))).toBe(true);
  }, 240_000);

  it("refuses an id it did not list, and a folder outside the projects", async () => {
    for (const resume of ["nope", "--help", "../../etc", "a".repeat(129)]) {
      const res = await gw.api("POST", "/api/sessions", { agent: agent.id, resume });
      expect(res.status, resume).toBe(400);
    }
    expect((await gw.api("GET", `/api/agents/${agent.id}/conversations?cwd=/etc`)).status).toBe(400);
    expect((await gw.api("GET", `/api/agents/${agent.id}/conversations?cwd=a&cwd=b`)).status).toBe(400);
    expect((await gw.api("GET", "/api/agents/shell/conversations")).body).toMatchObject({ resumable: false, conversations: [] });
  });
});

