import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks, type FakeRequest } from "../fakes/databricks.js";
import { startFakeModelServing, type FakeModelServing } from "../fakes/model-serving.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { until } from "../helpers/until.js";

// Short enough to see several rotations in a test, long enough for a 2-core machine under load.
const ROTATION = { TOKEN_ROTATION_INTERVAL_SECONDS: "2", TOKEN_LIFETIME_SECONDS: "6" };
const OWNER = "owner@example.com";
const CREATE = "/api/2.0/token/create";

/** Every process's command line and environment on this machine that can be read, as one text. */
function processTexts(): string {
  const texts: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    for (const file of ["cmdline", "environ"]) {
      try {
        texts.push(readFileSync(`/proc/${pid}/${file}`, "latin1"));
      } catch {
        // Gone, or another user's.
      }
    }
  }
  return texts.join("\n");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("token rotation against the fake workspace", () => {
  let fake: FakeDatabricks;
  let models: FakeModelServing;
  let gw: TestGateway;
  let seen: (string | undefined)[];
  const responses: string[] = [];

  const creates = (): FakeRequest[] => fake.requests.filter((r) => r.method === "POST" && r.path === CREATE);
  const minted = () => fake.tokens.filter((t) => t.comment.includes("agent-terminal-gateway"));
  const cfg = () => readFileSync(path.join(gw.home, ".databrickscfg"), "utf8");
  async function status() {
    const res = await gw.api("GET", "/api/token");
    responses.push(JSON.stringify(res.body));
    return res.body;
  }
  /** Everything the gateway said: no token value may be in it. */
  function expectNoTokenLeaked(): void {
    const said = [...responses, ...gw.logs.lines].join("\n");
    for (const token of fake.tokens) expect(said).not.toContain(token.value);
  }

  async function start(env: Record<string, string> = {}, file?: { path: string; text: string }) {
    gw = await startGateway({ env: { DATABRICKS_HOST: models.url, ...ROTATION, ...env }, file, overrides: { callTimeoutMs: 1500 } });
    seen = [];
    gw.gateway.tokens.subscribe((token) => seen.push(token));
  }

  beforeEach(async () => {
    fake = await startFakeDatabricks();
    // One DATABRICKS_HOST, as in a real workspace: model calls here, the REST API passed on to the fake.
    const live = (value: string) => fake.tokens.some((t) => t.value === value && !t.revoked && t.expiresAt > Date.now());
    models = await startFakeModelServing({ forwardTo: fake.url, authorize: live });
    responses.length = 0;
  });
  afterEach(async () => {
    await gw?.dispose();
    await models.close();
    await fake.close();
  });

  /** A model call as an agent CLI makes it, through the gateway's model proxy with its local key. */
  async function askModel(): Promise<{ status: number; bearer: string | undefined }> {
    const { proxy } = gw.gateway.models;
    const before = models.calls.length;
    const res = await fetch(`${proxy.url}/anthropic/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${proxy.localKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "ping-x" }] }),
    });
    await res.text();
    return { status: res.status, bearer: models.calls.slice(before)[0]?.authorization };
  }

  it("rotates only while a session lives, switches every user, and revokes what it replaced", async () => {
    await start();
    const pasted = fake.issueToken(OWNER);
    const paste = await gw.api("POST", "/api/token", { token: pasted });
    responses.push(JSON.stringify(paste.body));
    expect(paste.status).toBe(200);
    await sleep(2500);
    expect(creates()).toHaveLength(0); // no session: no rotation

    const id = await gw.createSession();
    // A pasted token's age is unknown: the first rotation comes at once, made with the pasted token.
    await until(() => minted().length >= 1 && gw.gateway.tokens.current() === minted()[0]!.value, "first rotation", 5000);
    expect(creates()[0]!.authorization).toBe(`Bearer ${pasted}`);
    const early = await askModel();
    expect(early.status).toBe(200);
    expect(early.bearer).toBe(`Bearer ${minted()[0]!.value}`);
    await until(() => minted().length >= 3 && !minted()[2]!.revoked && gw.gateway.tokens.current() === minted()[2]!.value, "two more rotations", 8000);

    const all = minted();
    const current = gw.gateway.tokens.current()!;
    expect(all[all.length - 1]!.value).toBe(current);
    // Each rotation was made with the token it replaced; each replaced minted token was revoked.
    const bearers = creates().map((r) => r.authorization);
    expect(bearers.slice(0, 3)).toEqual([`Bearer ${pasted}`, `Bearer ${all[0]!.value}`, `Bearer ${all[1]!.value}`]);
    await until(() => all.slice(0, -1).every((t) => t.revoked), "superseded tokens revoked", 3000);
    // Each was revoked by the token that replaced it, the way the owner would do it by hand.
    const deletes = fake.requests.filter((r) => r.path === "/api/2.0/token/delete");
    expect(deletes[0]).toMatchObject({ body: { token_id: all[0]!.tokenId }, authorization: `Bearer ${all[1]!.value}` });
    expect(fake.tokens.find((t) => t.value === pasted)!.revoked).toBe(false); // not the gateway's to revoke
    expect(all[0]!.expiresAt - all[0]!.createdAt).toBe(6000);
    // Every user switched: subscribers got each token in order; ~/.databrickscfg holds the live one, 0600.
    expect(seen.slice(0, 4)).toEqual([pasted, all[0]!.value, all[1]!.value, all[2]!.value]);
    // (A rotation may land between two reads: the file is written just before memory switches.)
    await until(() => cfg().includes(`token = ${gw.gateway.tokens.current()}\n`), "~/.databrickscfg in step", 2000);
    // Model requests carry the live token: a new one after each rotation, never a revoked one.
    const before = gw.gateway.tokens.current();
    const later = await askModel();
    const after = gw.gateway.tokens.current();
    expect(later.status).toBe(200);
    expect(later.bearer).not.toBe(early.bearer);
    expect([`Bearer ${before}`, `Bearer ${after}`]).toContain(later.bearer);
    expect(statSync(path.join(gw.home, ".databrickscfg")).mode & 0o777).toBe(0o600);
    // No token in any process's arguments or environment (the session's shell included).
    const [session] = (await gw.api("GET", "/api/sessions")).body;
    expect(readFileSync(`/proc/${session.pid}/environ`, "latin1")).toContain("TERM_PROGRAM=agent-terminal-gateway"); // readable
    const processes = processTexts();
    for (const token of fake.tokens) expect(processes).not.toContain(token.value);
    const body = await status();
    expect(body.state).toMatch(/active|rotating/);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());

    // The session ends: rotations stop.
    expect((await gw.api("DELETE", `/api/sessions/${id}`)).status).toBe(204);
    await until(() => gw.gateway.tokens.status().state !== "rotating", "rotation settled", 5000);
    const count = creates().length;
    await sleep(2500);
    expect(creates()).toHaveLength(count);
    expectNoTokenLeaked();
  });

  it("recovers from 503, a hung call and 429 without losing the working token", async () => {
    // A longer lifetime here: on a loaded machine a fault round (hung call, backoff) must not outlast the token.
    await start({ DATABRICKS_TOKEN: fake.issueToken(OWNER), TOKEN_LIFETIME_SECONDS: "30" });
    expect(cfg()).toContain(`token = ${gw.gateway.tokens.current()}`);
    await gw.createSession();
    await until(() => minted().length === 1 && gw.gateway.tokens.current() === minted()[0]!.value, "first rotation", 5000);
    for (const fault of [{ status: 503 }, "hang", { status: 429 }] as const) {
      const before = minted().length;
      const failedBefore = gw.logs.lines.filter((l) => l.includes("token rotation failed")).length;
      fake.fault({ method: "POST", path: CREATE }, fault);
      await until(() => minted().length > before && gw.gateway.tokens.current() === minted()[before]!.value, `rotation after ${JSON.stringify(fault)}`, 8000);
      if (fault !== "hang" && fault.status === 429) continue; // the SDK itself retries a 429
      expect(gw.logs.lines.filter((l) => l.includes("token rotation failed")).length).toBeGreaterThan(failedBefore);
    }
    // The token never went missing, and nothing but the live token is left unrevoked.
    expect(seen).not.toContain(undefined);
    const live = minted().filter((t) => !t.revoked);
    await until(() => minted().filter((t) => !t.revoked).length === 1, "one live minted token", 3000);
    expect(live.map((t) => t.value)).toContain(gw.gateway.tokens.current());
    expect((await status()).lastError).toBeNull();
    expectNoTokenLeaked();
  });

  it("marks the token expired when rotation keeps failing, and an agent tab says so", async () => {
    const catalogue = { path: "/virtual/gateway.yaml", text: "agents:\n  - id: waiter\n    command: sleep\n    args: ['60']\n" };
    await start({}, catalogue);
    expect((await gw.api("POST", "/api/token", { token: fake.issueToken(OWNER) })).status).toBe(200);
    await gw.createSession();
    await until(() => minted().length === 1 && gw.gateway.tokens.current() === minted()[0]!.value, "first rotation", 5000);
    const last = minted()[0]!;
    fake.fault({ method: "POST", path: CREATE }, { status: 503 }, 1000);
    await until(() => gw.gateway.tokens.status().state === "expired", "expired state", 10_000);
    // It expired when the workspace said it would, not before.
    expect(Date.now()).toBeGreaterThanOrEqual(last.expiresAt);
    expect(creates().length).toBeGreaterThan(2);
    expect(gw.gateway.tokens.current()).toBeUndefined();
    expect(seen[seen.length - 1]).toBeUndefined();
    expect(cfg()).not.toContain("token");
    const body = await status();
    expect(body).toMatchObject({ state: "expired", expiresAt: null, lastError: expect.any(String) });

    const id = await gw.createSession({ agent: "waiter" });
    const client = await gw.connect(id);
    await client.waitFor("token expired");
    expect(client.events.find((e) => e.type === "notice")?.message ?? client.text).toMatch(/Paste a new personal access token/);
    // A shell tab is not told.
    const shell = await gw.connect(await gw.createSession());
    shell.input("echo shell-$((1+1))\r");
    await shell.waitFor("shell-2");
    expect(shell.text).not.toContain("[gateway]");
    expectNoTokenLeaked();
  });

  it("revokes its own current token on close, never a pasted one", async () => {
    await start();
    const pasted = fake.issueToken(OWNER);
    expect((await gw.api("POST", "/api/token", { token: pasted })).status).toBe(200);
    await gw.createSession();
    await until(() => minted().length === 1 && gw.gateway.tokens.current() === minted()[0]!.value, "first rotation", 5000);
    const mine = minted()[0]!;
    await gw.gateway.close();
    expect(mine.revoked).toBe(true);
    expect(fake.tokens.find((t) => t.value === pasted)!.revoked).toBe(false);
    expect(cfg()).not.toContain("token");
    expectNoTokenLeaked();
  });
});
