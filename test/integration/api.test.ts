import { mkdirSync, symlinkSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

describe("HTTP API", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startGateway({
      file: {
        path: "gateway.yaml",
        text: "agents:\n  - id: hello\n    label: Hello\n    command: echo\n    args: [hi there]\n  - id: missing\n    command: no-such-cli-xyz\nlimits:\n  maxSessions: 3\n",
      },
    });
  });
  afterEach(async () => {
    await gw.dispose();
  });

  it("answers /healthz without auth", async () => {
    const res = await gw.api("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ok");
  });

  it("lists the built-in agents and the YAML ones, with why one is unavailable", async () => {
    const res = await gw.api("GET", "/api/agents");
    expect(res.status).toBe(200);
    const ids = res.body.map((a: { id: string }) => a.id);
    expect(ids).toEqual(expect.arrayContaining(["shell", "claude", "codex", "gemini", "hello", "missing"]));
    expect(res.body.find((a: { id: string }) => a.id === "shell")).toMatchObject({ label: "Shell", available: true });
    expect(res.body.find((a: { id: string }) => a.id === "hello")).toMatchObject({ label: "Hello", available: true });
    const missing = res.body.find((a: { id: string }) => a.id === "missing");
    expect(missing.available).toBe(false);
    expect(missing.reason).toContain("no-such-cli-xyz");
  });

  it("creates a session with 201 and lists it", async () => {
    const res = await gw.api("POST", "/api/sessions", { agent: "shell", cols: 100, rows: 30 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(String), agent: "shell", pid: expect.any(Number) });
    expect(new Date(res.body.createdAt).getTime()).toBeGreaterThan(0);
    const list = await gw.api("GET", "/api/sessions");
    expect(list.body).toEqual([
      expect.objectContaining({ id: res.body.id, agent: "shell", title: "Shell", clients: 0, exited: false, exitCode: null }),
    ]);
  });

  it("runs a YAML agent and returns to a shell prompt when it exits", async () => {
    const id = await gw.createSession({ agent: "hello" });
    const client = await gw.connect(id);
    await client.waitFor("hi there");
    client.input("echo back-in-shell-$((8*8))\r");
    await client.waitFor("back-in-shell-64");
  });

  it.each([
    ["an unknown agent", { agent: "nope" }, "unknown_agent"],
    ["an unavailable agent", { agent: "missing" }, "agent_unavailable"],
    ["a missing agent", {}, "bad_request"],
    ["cols of 0", { agent: "shell", cols: 0 }, "bad_request"],
    ["rows above 1000", { agent: "shell", rows: 1001 }, "bad_request"],
    ["a fractional size", { agent: "shell", cols: 10.5 }, "bad_request"],
    ["an unknown field", { agent: "shell", colour: "red" }, "bad_request"],
    ["a cwd outside PROJECTS_DIR", { agent: "shell", cwd: "/etc" }, "bad_cwd"],
    ["a cwd climbing out", { agent: "shell", cwd: "../.." }, "bad_cwd"],
    ["a cwd that does not exist", { agent: "shell", cwd: "nope" }, "bad_cwd"],
  ])("refuses %s with 400", async (_what, body, code) => {
    const res = await gw.api("POST", "/api/sessions", body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toEqual(expect.any(String));
  });

  it("refuses a cwd that escapes through a symbolic link", async () => {
    const projects = gw.gateway.config.projectsDir;
    symlinkSync("/etc", path.join(projects, "escape"));
    const res = await gw.api("POST", "/api/sessions", { agent: "shell", cwd: "escape" });
    expect(res.status).toBe(400);
  });

  it("starts in a sub-folder of PROJECTS_DIR", async () => {
    mkdirSync(path.join(gw.gateway.config.projectsDir, "repo", "src"), { recursive: true });
    const id = await gw.createSession({ cwd: "repo/src" });
    const client = await gw.connect(id);
    client.input("pwd\r");
    await client.waitFor(path.join(gw.gateway.config.projectsDir, "repo", "src"));
  });

  it("refuses malformed JSON and a non-JSON body with 400", async () => {
    const bad = await gw.api("POST", "/api/sessions", "{not json", { "content-type": "application/json" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("JSON");
    const none = await gw.api("POST", "/api/sessions", "agent=shell", { "content-type": "text/plain" });
    expect(none.status).toBe(400);
  });

  it("answers 429 above the session limit", async () => {
    for (let i = 0; i < 3; i++) await gw.createSession();
    const res = await gw.api("POST", "/api/sessions", { agent: "shell" });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("too_many_sessions");
  });

  it("answers 404 for an unknown session, route or socket", async () => {
    expect((await gw.api("DELETE", "/api/sessions/0b8f3a56-1111-4222-8333-944455556666")).status).toBe(404);
    const nothing = await gw.api("GET", "/api/nothing");
    expect(nothing.status).toBe(404);
    expect(nothing.body.error.code).toBe("not_found");
    await expect(gw.connect("0b8f3a56-1111-4222-8333-944455556666")).rejects.toThrow(/404/);
  });

  it("serves the page and xterm's files", async () => {
    const page = await fetch(gw.url + "/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    const xterm = await fetch(gw.url + "/vendor/xterm/lib/xterm.mjs");
    expect(xterm.status).toBe(200);
    expect(xterm.headers.get("content-type")).toContain("javascript");
  });

  it("logs one line per request and per session start and exit", async () => {
    const id = await gw.createSession();
    await gw.api("DELETE", `/api/sessions/${id}`);
    const lines = gw.logs.lines.map((line) => JSON.parse(line));
    expect(lines.some((l) => l.msg === "request" && l.path === "/api/sessions" && l.status === 201)).toBe(true);
    expect(lines.some((l) => l.msg === "session started" && l.session === id)).toBe(true);
    expect(lines.some((l) => l.msg === "session exited" && l.session === id)).toBe(true);
  });
});
