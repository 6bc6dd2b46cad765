import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startFakeModelServing, type FakeModelServing } from "../fakes/model-serving.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { commandLine, environment, processesWithHome, SocketWatch } from "../helpers/processes.js";
import { ScreenMirror } from "../helpers/screen.js";
import { ask, CLI_TIMEOUT_MS, READY } from "../helpers/agent-tab.js";
import { until } from "../helpers/until.js";

const OWNER = "owner@example.com";

/** Each CLI, the wire format it speaks, and the pattern of its command line (not the bash wrapper's). */
const AGENTS = [
  { id: "claude", format: "anthropic", process: /claude-code[^ ]*\/claude( |$)|\/\.bin\/claude( |$)/ },
  { id: "codex", format: "openai", process: /codex/ },
  { id: "gemini", format: "gemini", process: /gemini/ },
] as const;

/** The CLIs' configuration as the gateway writes it under STATE_DIR/agents (the CLIs may add to it). */
const CONFIG_FILES = ["claude/gateway-settings.json", "codex/home/config.toml", "codex/home/.env", "gemini/home/.gemini/settings.json"];
/** The files that hold the key: the per-start local key, never the PAT (Gemini CLI gets it in its environment). */
const KEY_FILES = ["claude/gateway-settings.json", "codex/home/.env"];

describe.each(AGENTS)("$id in a terminal tab, through the model proxy", (agent) => {
  let db: FakeDatabricks;
  let fake: FakeModelServing;
  let gw: TestGateway;
  let watch: SocketWatch;
  const screens: ScreenMirror[] = [];

  beforeEach(async () => {
    db = await startFakeDatabricks();
    // One host for the workspace API and model serving, as in a real workspace; only live PATs reach the models.
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
    "answers with the current PAT, keeps answering after a token switch, stays on loopback and leaves nothing running",
    async () => {
      const tokens = gw.gateway.tokens;
      const pasted = db.issueToken(OWNER);
      expect((await gw.api("POST", "/api/token", { token: pasted })).status).toBe(200);
      const id = await gw.createSession({ agent: agent.id, cols: 120, rows: 40 });
      // A pasted token's age is unknown: with a session alive the gateway swaps it for one it mints.
      await until(() => ![undefined, pasted].includes(tokens.current()), "a rotation after the paste", 30_000);
      const first = tokens.current()!;
      const client = await gw.connect(id);
      const screen = new ScreenMirror(client, 120, 40);
      screens.push(screen);
      await screen.waitFor(READY, CLI_TIMEOUT_MS);

      await ask(client, screen, "say ping-alpha");
      await screen.waitFor("pong-alpha", CLI_TIMEOUT_MS);
      const switchedAt = fake.calls.length;
      const cli = cliProcesses(gw.home, agent.process);
      expect(cli.length).toBeGreaterThan(0);

      // Switch tokens under the running CLI: paste another, which is swapped for a new minted one; the
      // gateway revokes the token it minted before, so only the new one can reach the models now.
      const repasted = db.issueToken(OWNER);
      expect((await gw.api("POST", "/api/token", { token: repasted })).status).toBe(200);
      await until(() => ![first, repasted, undefined].includes(tokens.current()), "a rotation after the second paste", 30_000);
      const second = tokens.current()!;
      await until(() => db.tokens.find((t) => t.value === first)?.revoked === true, "the first token's revocation", 15_000);

      await ask(client, screen, "say ping-bravo");
      await screen.waitFor("pong-bravo", CLI_TIMEOUT_MS);

      // The same CLI process answered both prompts.
      expect(cliProcesses(gw.home, agent.process)).toEqual(expect.arrayContaining(cli));
      const before = fake.calls.slice(0, switchedAt).filter((c) => c.method === "POST");
      const after = fake.calls.slice(switchedAt).filter((c) => c.method === "POST" && c.format !== "other");
      const alpha = before.filter((c) => c.format === agent.format && JSON.stringify(c.body).includes("ping-alpha"));
      const bravo = after.filter((c) => c.format === agent.format && JSON.stringify(c.body).includes("ping-bravo"));
      expect(alpha.length).toBeGreaterThan(0);
      expect(bravo.length).toBeGreaterThan(0);
      for (const call of alpha) expect(call.authorization).toBe(`Bearer ${first}`);
      for (const call of bravo) expect(call.authorization).toBe(`Bearer ${second}`);
      // Every model call named a workspace endpoint: the one in use (Gemini's own helper models included).
      const endpoints = new Set(fake.calls.filter((c) => c.method === "POST" && c.format === agent.format).map((c) => modelOf(c)));
      const inUse = ((await gw.api("GET", "/api/models")).body as any).models[MODEL_KEY[agent.format]];
      expect([...endpoints]).toEqual([inUse]);
      const secrets = () => [...db.tokens.map((t) => t.value), db.clientSecret, gw.gateway.models.proxy.localKey];
      const patsAndSecret = () => [...db.tokens.map((t) => t.value), db.clientSecret];
      expect(secrets().length).toBeGreaterThan(4);

      // The CLI's environment holds no PAT, no app secret; Claude Code and Codex not even the local key (they read it
      // from their files; Gemini CLI would read the owner's ~/.gemini/.env first, so it gets the key in its environment).
      for (const pid of cli) {
        const env = JSON.stringify(environment(pid));
        for (const secret of agent.id === "gemini" ? patsAndSecret() : secrets()) expect(env).not.toContain(secret);
      }

      // No CLI file holds the PAT (transcripts and state included); every URL configured is the loopback proxy.
      const agentsDir = path.join(gw.gateway.config.stateDir, "agents");
      const files = [...cliFiles(gw.home), ...cliFiles(agentsDir, ["claude", "codex", "gemini"])];
      expect(files.length).toBeGreaterThan(3);
      for (const file of files) {
        const text = readFileSync(file, "utf8");
        for (const secret of patsAndSecret()) expect(text, file).not.toContain(secret);
      }
      const proxyUrl = gw.gateway.models.proxy.url;
      for (const name of CONFIG_FILES.filter((f) => f.startsWith(`${agent.id}/`))) {
        const text = readFileSync(path.join(agentsDir, name), "utf8");
        if (KEY_FILES.includes(name)) expect(text).toContain(gw.gateway.models.proxy.localKey);
        const urls = text.match(/https?:\/\/[^\s"'\]]+/g) ?? [];
        // The model proxy, or the MCP proxy (Gemini's settings list the Databricks MCP servers).
        const mcpUrls = gw.gateway.mcp.entries().map((e) => e.url);
        for (const url of urls) expect(url.startsWith(proxyUrl) || mcpUrls.includes(url), `${name}: ${url}`).toBe(true);
      }

      // Only loopback peers while the CLI ran (sampled), and the fake saw the model traffic.
      watch.sample();
      expect(watch.samples).toBeGreaterThan(5);
      expect([...watch.foreignPeers]).toEqual([]);
      expect([...watch.loopbackPeers].length).toBeGreaterThan(0);

      // A shell tab's `env` shows no app secret and no PAT.
      const shell = await gw.connect(await gw.createSession({ agent: "shell" }));
      shell.input("env; echo ENV-$((40+2))\r");
      await shell.waitFor("ENV-42");
      expect(shell.text).toContain("HOME=");
      for (const secret of secrets()) expect(shell.text).not.toContain(secret);

      // Closing the tabs leaves no process behind: no daemon, no relaunched child.
      for (const session of (await gw.api("GET", "/api/sessions")).body as { id: string }[]) {
        expect((await gw.api("DELETE", `/api/sessions/${session.id}`)).status).toBe(204);
      }
      await until(
        () => processesWithHome(gw.home).length === 0,
        () => `no process of the tab left; still running:\n${processesWithHome(gw.home).map((pid) => `${pid} ${commandLine(pid)}`).join("\n")}`,
        15_000,
      );
    },
    240_000,
  );
});

const MODEL_KEY = { anthropic: "anthropic", openai: "codex", gemini: "gemini" } as const;

/** The model (serving endpoint) a call asked for: in the body, or in Gemini's path. */
function modelOf(call: { path: string; body: any }): string {
  return /\/models\/([^/:]+):/.exec(call.path)?.[1] ?? String(call.body?.model);
}

/** The agent CLI's own processes (not the bash that started it). */
function cliProcesses(home: string, pattern: RegExp): number[] {
  return processesWithHome(home).filter((pid) => {
    const cmd = commandLine(pid);
    return pattern.test(cmd) && !/^(\/usr)?\/bin\/(ba)?sh /.test(cmd);
  });
}

/** Every file the three CLIs keep in HOME (or in the gateway's agent homes). */
function cliFiles(home: string, names = [".claude", ".claude.json", ".codex", ".gemini"]): string[] {
  const files: string[] = [];
  const walk = (entry: string) => {
    if (!existsSync(entry)) return;
    const stat = statSync(entry);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) walk(path.join(entry, name));
    else if (stat.isFile() && stat.size < 5 * 1024 * 1024) files.push(entry);
  };
  for (const name of names) walk(path.join(home, name));
  return files;
}

describe("an agent tab without a token", () => {
  it("shows the proxy's message in the CLI instead of reaching the models", async () => {
    const fake = await startFakeModelServing();
    const gw = await startGateway({ env: { DATABRICKS_HOST: fake.url } });
    const screens: ScreenMirror[] = [];
    try {
      const client = await gw.connect(await gw.createSession({ agent: "claude", cols: 120, rows: 40 }));
      const screen = new ScreenMirror(client, 120, 40);
      screens.push(screen);
      await screen.waitFor(READY, CLI_TIMEOUT_MS);
      await ask(client, screen, "say ping-charlie");
      await screen.waitFor(/No Databricks token: paste a personal access\s+token/, CLI_TIMEOUT_MS);
      expect(fake.calls.filter((c) => c.method === "POST")).toEqual([]);
    } finally {
      for (const screen of screens) screen.dispose();
      await gw.dispose();
      await fake.close();
    }
  }, 120_000);
});
