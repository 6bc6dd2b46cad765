import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startFakeModelServing, type FakeModelServing } from "../fakes/model-serving.js";
import { ask } from "../helpers/agent-tab.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { commandLine, environment, processesWithHome, SocketWatch } from "../helpers/processes.js";
import { ScreenMirror } from "../helpers/screen.js";
import { until } from "../helpers/until.js";

const OWNER = "owner@example.com";

/** OpenCode, Pi and Copilot CLI: what each shows once its prompt takes keys, and its own process (not bash). */
const AGENTS = [
  { id: "opencode", ready: /ctrl\+p commands/, process: /opencode/ },
  { id: "pi", ready: /escape interrupt/, process: /pi-coding-agent|^pi( |$)/ },
  { id: "copilot", ready: /\/ commands/, process: /copilot/ },
] as const;
const CLI_TIMEOUT_MS = 60_000;

describe.each(AGENTS)("$id in a terminal tab, through the model proxy", (agent) => {
  let db: FakeDatabricks;
  let fake: FakeModelServing;
  let gw: TestGateway;
  let watch: SocketWatch;
  const screens: ScreenMirror[] = [];

  beforeEach(async () => {
    db = await startFakeDatabricks();
    fake = await startFakeModelServing({
      forwardTo: db.url,
      authorize: (bearer) => db.tokens.some((t) => t.value === bearer && !t.revoked && (t.expiresAt === -1 || t.expiresAt > Date.now())),
    });
    gw = await startGateway({
      env: { DATABRICKS_HOST: fake.url, DATABRICKS_CLIENT_ID: db.clientId, DATABRICKS_CLIENT_SECRET: db.clientSecret },
    });
    watch = new SocketWatch(() => processesWithHome(gw.home));
  });

  afterEach(async () => {
    watch.stop();
    for (const screen of screens.splice(0)) screen.dispose();
    await gw.dispose();
    await fake.close();
    await db.close();
  });

  it(
    "is listed with its version, answers, keeps answering after a token rotation, holds no PAT and stays on loopback",
    async () => {
      const listed = ((await gw.api("GET", "/api/agents")).body as { id: string; available: boolean; version?: string }[]).find(
        (a) => a.id === agent.id,
      );
      expect(listed).toMatchObject({ available: true, source: "bundled" });
      expect(listed?.version).toMatch(/^\d+\.\d+\.\d+/);

      const tokens = gw.gateway.tokens;
      const pasted = db.issueToken(OWNER);
      expect((await gw.api("POST", "/api/token", { token: pasted })).status).toBe(200);
      const client = await gw.connect(await gw.createSession({ agent: agent.id, cols: 120, rows: 40 }));
      const screen = new ScreenMirror(client, 120, 40);
      screens.push(screen);
      await until(() => ![undefined, pasted].includes(tokens.current()), "a rotation after the paste", 30_000);
      const first = tokens.current()!;
      await screen.waitFor(agent.ready, CLI_TIMEOUT_MS);

      await ask(client, screen, "say ping-alpha");
      await screen.waitFor("pong-alpha", CLI_TIMEOUT_MS);
      const switchedAt = fake.calls.length;
      const cli = cliProcesses(gw.home, agent.process);
      expect(cli.length).toBeGreaterThan(0);

      // Rotate under the running CLI: the old token is revoked, so only the new one reaches the models.
      const repasted = db.issueToken(OWNER);
      expect((await gw.api("POST", "/api/token", { token: repasted })).status).toBe(200);
      await until(() => ![first, repasted, undefined].includes(tokens.current()), "a second rotation", 30_000);
      const second = tokens.current()!;
      await until(() => db.tokens.find((t) => t.value === first)?.revoked === true, "the revocation", 15_000);

      await ask(client, screen, "say ping-bravo");
      await screen.waitFor("pong-bravo", CLI_TIMEOUT_MS);
      expect(cliProcesses(gw.home, agent.process)).toEqual(expect.arrayContaining(cli));

      const posts = (from: number, to: number, word: string) =>
        fake.calls.slice(from, to).filter((c) => c.method === "POST" && c.format === "anthropic" && JSON.stringify(c.body).includes(word));
      const alpha = posts(0, switchedAt, "ping-alpha");
      const bravo = posts(switchedAt, fake.calls.length, "ping-bravo");
      expect(alpha.length).toBeGreaterThan(0);
      expect(bravo.length).toBeGreaterThan(0);
      for (const call of alpha) expect(call.authorization).toBe(`Bearer ${first}`);
      for (const call of bravo) expect(call.authorization).toBe(`Bearer ${second}`);
      // The workspace's default Claude model, as the model service chose it.
      const claude = (await gw.api("GET", "/api/models")).body.agents.claude.default;
      for (const call of [...alpha, ...bravo]) expect(call.body.model).toBe(claude);

      // No file in HOME (the gateway's agent folders, each CLI's sessions and caches) holds a PAT or the app secret;
      // ~/.databrickscfg is the one that does, for the Databricks CLI and SDKs, by design.
      const patsAndSecret = [...db.tokens.map((t) => t.value), db.clientSecret];
      const files = homeFiles(gw.home);
      expect(files.some((f) => f.includes(`/agents/${agent.id}/`))).toBe(true);
      for (const file of files) {
        const text = readFileSync(file, "latin1");
        for (const secret of patsAndSecret) expect(text, file).not.toContain(secret);
      }
      for (const pid of cli) {
        const env = JSON.stringify(environment(pid));
        for (const secret of patsAndSecret) expect(env).not.toContain(secret);
      }

      watch.sample();
      expect(watch.samples).toBeGreaterThan(5);
      expect([...watch.foreignPeers]).toEqual([]);

      for (const session of (await gw.api("GET", "/api/sessions")).body as { id: string }[]) {
        expect((await gw.api("DELETE", `/api/sessions/${session.id}`)).status).toBe(204);
      }
      await until(
        () => processesWithHome(gw.home).length === 0,
        () => `no process left:\n${processesWithHome(gw.home).map((pid) => `${pid} ${commandLine(pid)}`).join("\n")}`,
        15_000,
      );
    },
    240_000,
  );
});


function cliProcesses(home: string, pattern: RegExp): number[] {
  return processesWithHome(home).filter((pid) => {
    const cmd = commandLine(pid);
    return pattern.test(cmd) && !/^(\/usr)?\/bin\/(ba)?sh /.test(cmd);
  });
}

/** Every small file under HOME. */
function homeFiles(home: string): string[] {
  const files: string[] = [];
  const walk = (entry: string) => {
    if (!existsSync(entry)) return;
    const stat = statSync(entry);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) walk(path.join(entry, name));
    else if (stat.isFile() && stat.size < 5 * 1024 * 1024) files.push(entry);
  };
  for (const name of readdirSync(home)) if (name !== ".databrickscfg") walk(path.join(home, name));
  return files;
}
