import { mkdirSync, symlinkSync, unlinkSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { isAlive, sessionProcesses } from "../../src/sessions/process-tree.js";
import { defaultInstallDir } from "../../src/ide/code-server-bin.js";
import { codeServerBin, pinnedVersion } from "../helpers/code-server.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const HTML = { accept: "text/html,application/xhtml+xml" };

/** Polls GET /api/ide until its state is `state`. */
async function waitForState(tg: TestGateway, state: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = (await tg.api("GET", "/api/ide")).body;
    if (last.state === state) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`IDE never reached ${state}; last status ${JSON.stringify(last)}`);
}

/** Opens a WebSocket the way the workbench does and resolves with the status line's code. */
function upgrade(url: string, origin: string): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { origin }, perMessageDeflate: false });
    ws.once("upgrade", (res) => resolve({ status: res.statusCode ?? 0, ws }));
    ws.once("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once("error", reject);
  });
}

function groupAlive(pid: number): boolean {
  return isAlive(pid) || sessionProcesses(pid).some(isAlive);
}

describe("Open IDE: code-server behind /ide/", () => {
  let tg: TestGateway;
  let firstPid = 0;

  beforeAll(async () => {
    tg = await startGateway({ env: { CODE_SERVER_BIN: codeServerBin() }, overrides: { ide: { upstreamTimeoutMs: 5_000 } } });
  });
  afterAll(async () => {
    await tg?.dispose();
  });

  it("reports the IDE stopped, with the pinned version, before anyone visits", async () => {
    const res = await tg.api("GET", "/api/ide");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: "stopped", version: pinnedVersion(), startedAt: null, lastError: null });
    expect(tg.gateway.ide.manager.pid).toBeUndefined();
  });

  it("refuses a WebSocket to the IDE while it is stopped (502), without starting it", async () => {
    const res = await upgrade(`${tg.url.replace(/^http/, "ws")}/ide/stable-0?reconnectionToken=x`, tg.url);
    expect(res.status).toBe(502);
    expect((await tg.api("GET", "/api/ide")).body.state).toBe("stopped");
  });

  it("redirects /ide to /ide/", async () => {
    const res = await fetch(`${tg.url}/ide?folder=x`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/ide/?folder=x");
  });

  it("cold start: the first visit gets the Starting page, then the workbench through the proxy", async () => {
    const first = await fetch(`${tg.url}/ide/`, { headers: HTML });
    const page = await first.text();
    expect(first.status).toBe(503);
    expect(page).toContain("Starting the IDE");
    expect(page).toContain('src="/ide.js"');
    expect(page).not.toMatch(/<script>(?!<\/script>)/); // no inline script: a strict CSP holds
    expect(first.headers.get("retry-after")).toBe("1");

    const started = await tg.api("POST", "/api/ide/start?wait=1");
    expect(started.status).toBe(200);
    expect(started.body.state).toBe("running");
    expect(Date.parse(started.body.startedAt)).not.toBeNaN();
    firstPid = tg.gateway.ide.manager.pid!;
    expect(firstPid).toBeGreaterThan(0);

    const workbench = await fetch(`${tg.url}/ide/`, { headers: HTML });
    const html = await workbench.text();
    expect(workbench.status).toBe(200);
    expect(html).toContain("vscode-workbench-web-configuration");
    expect(html).toContain("workbench.js");
    const script = await fetch(`${tg.url}/ide/manifest.json`);
    expect(script.status).toBe(200);
  });

  it("answers an API client that waits, and refuses a bad wait value or a cross-origin start", async () => {
    expect((await tg.api("POST", "/api/ide/start?wait=1")).body.state).toBe("running");
    expect((await tg.api("POST", "/api/ide/start?wait=yes")).status).toBe(400);
    const cross = await tg.api("POST", "/api/ide/start", undefined, { origin: "http://evil.example" });
    expect(cross.status).toBe(403);
  });

  it("upgrades the workbench's WebSocket through the proxy (101) and refuses a cross-origin one", async () => {
    const html = await (await fetch(`${tg.url}/ide/`, { headers: HTML })).text();
    const commit = /stable-([0-9a-f]{40})/.exec(html)?.[1] ?? /"commit":"([0-9a-f]{40})"/.exec(html.replace(/&quot;/g, '"'))?.[1];
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    const wsUrl = `${tg.url.replace(/^http/, "ws")}/ide/stable-${commit}?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=false`;

    const own = await upgrade(wsUrl, tg.url);
    expect(own.status).toBe(101);
    own.ws!.close();

    const cross = await upgrade(wsUrl, "http://evil.example");
    expect(cross.status).toBe(403);
  });

  it("passes neither the gateway's auth headers nor its cookies to code-server", async () => {
    // code-server's own /proxy/<port>/ forwards to a loopback port: an echo server there shows what code-server got.
    const echo = http.createServer((req, res) => res.end(JSON.stringify(req.headers)));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    try {
      const port = (echo.address() as AddressInfo).port;
      const res = await fetch(`${tg.url}/ide/proxy/${port}/`, {
        headers: {
          authorization: "Bearer dapi-not-for-the-ide",
          "x-forwarded-email": "owner@example.com",
          "x-forwarded-access-token": "not-for-the-ide",
          cookie: "gateway-session=secret; code-server-session=kept",
        },
      });
      expect(res.status).toBe(200);
      const seen = await res.json();
      expect(seen["x-forwarded-email"]).toBeUndefined();
      expect(seen["x-forwarded-access-token"]).toBeUndefined();
      expect(seen.authorization).toBeUndefined();
      expect(String(seen.cookie ?? "")).not.toContain("gateway-session");
      expect(JSON.stringify(seen)).not.toContain("secret");
    } finally {
      echo.close();
    }
  });

  it("answers 502, not a hang, when code-server hangs", async () => {
    process.kill(-firstPid, "SIGSTOP");
    try {
      const res = await fetch(`${tg.url}/ide/manifest.json`, { headers: HTML, signal: AbortSignal.timeout(20_000) });
      expect(res.status).toBe(502);
      expect(await res.text()).toContain("The IDE did not answer");
    } finally {
      process.kill(-firstPid, "SIGCONT");
    }
    expect((await fetch(`${tg.url}/ide/manifest.json`)).status).toBe(200);
  });

  it("answers 502, not a hang, when code-server does not answer", async () => {
    unlinkSync(tg.gateway.ide.manager.socketPath); // code-server runs on, but nothing listens where the proxy goes
    const res = await fetch(`${tg.url}/ide/`, { headers: HTML, signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(502);
    expect(await res.text()).toContain("The IDE did not answer");
    const api = await fetch(`${tg.url}/ide/manifest.json`, { signal: AbortSignal.timeout(10_000) });
    expect(api.status).toBe(502);
    expect((await api.json()).error.code).toBe("ide_unreachable");
  });

  it("marks a crash as failed with the last log lines, and the next visit starts it again", async () => {
    process.kill(-firstPid, "SIGKILL");
    const failed = await waitForState(tg, "failed", 20_000);
    expect(failed.lastError).toMatch(/code-server exited \(signal SIGKILL\)/);
    expect(failed.lastError).toMatch(/Last lines:\n.*\S/);
    expect(groupAlive(firstPid)).toBe(false);

    const visit = await fetch(`${tg.url}/ide/`, { headers: HTML });
    expect(visit.status).toBe(503);
    expect(await visit.text()).toContain("Starting the IDE");
    await waitForState(tg, "running");
    const pid = tg.gateway.ide.manager.pid!;
    expect(pid).not.toBe(firstPid);
    const workbench = await fetch(`${tg.url}/ide/`, { headers: HTML });
    expect(workbench.status).toBe(200);
    firstPid = pid;
  });

  it("leaves no process behind after the gateway shuts down", async () => {
    expect(groupAlive(firstPid)).toBe(true);
    await tg.gateway.close();
    expect(groupAlive(firstPid)).toBe(false);
  });
});

describe("Open IDE: idle stop", () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startGateway({ env: { CODE_SERVER_BIN: codeServerBin() }, overrides: { ide: { idleMs: 2_000 } } });
  });
  afterAll(async () => {
    await tg?.dispose();
  });

  it("stops code-server after the idle period without activity, and a visit starts it again", async () => {
    expect((await tg.api("POST", "/api/ide/start?wait=1")).body.state).toBe("running");
    const pid = tg.gateway.ide.manager.pid!;
    // Status polls and code-server's /healthz are not activity: the IDE stops while we watch.
    const stopped = await waitForState(tg, "stopped", 20_000);
    expect(stopped.lastError).toBeNull();
    expect(groupAlive(pid)).toBe(false);

    const visit = await fetch(`${tg.url}/ide/`, { headers: HTML });
    expect(visit.status).toBe(503);
    await waitForState(tg, "running");
  });
});

describe("Open IDE: code-server missing", () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startGateway({ env: { PATH: "/usr/bin:/bin" } });
  });
  afterAll(async () => {
    await tg?.dispose();
  });

  it("reports absent, offers the install on the page, and refuses to start", async () => {
    expect((await tg.api("GET", "/api/ide")).body).toMatchObject({ state: "absent", version: null, install: { state: "idle" } });
    const page = await fetch(`${tg.url}/ide/`, { headers: HTML });
    expect(page.status).toBe(503);
    const html = await page.text();
    expect(html).toContain("The IDE is not installed");
    expect(html).toContain('id="ide-install"');
    const api = await tg.api("GET", "/ide/");
    expect(api.status).toBe(503);
    expect(api.body.error.code).toBe("ide_absent");
    expect((await tg.api("POST", "/api/ide/start?wait=1")).status).toBe(503);
    expect((await tg.api("POST", "/api/ide/install", undefined, { origin: "http://evil.example" })).status).toBe(403);
  });

  it("runs the install script from the page's API and shows its progress (a cached install is reused)", async () => {
    // The real script, with this HOME's cache pointing at the install the suite uses: it reuses it in a moment.
    const cache = defaultInstallDir(tg.home, pinnedVersion());
    mkdirSync(path.dirname(cache), { recursive: true });
    symlinkSync(path.dirname(path.dirname(codeServerBin())), cache);
    const started = await tg.api("POST", "/api/ide/install");
    expect(started.status).toBe(202);
    expect(started.body.state).toBe("running");
    const deadline = Date.now() + 30_000;
    let status: any;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await tg.api("GET", "/api/ide")).body;
    } while (status.install.state === "running" && Date.now() < deadline);
    expect(status.install).toMatchObject({ state: "done", exitCode: 0 });
    expect(status.install.lines.join("\n")).toContain(`==> code-server ${pinnedVersion()} is already installed`);
    expect(status).toMatchObject({ state: "stopped", version: pinnedVersion() });
  });
});

describe("Open IDE: CODE_SERVER_BIN pointing nowhere", () => {
  it("is absent, names the setting, and does not offer to install elsewhere", async () => {
    const tg = await startGateway({ env: { CODE_SERVER_BIN: "/nonexistent/code-server" } });
    try {
      expect((await tg.api("GET", "/api/ide")).body.state).toBe("absent");
      const html = await (await fetch(`${tg.url}/ide/`, { headers: HTML })).text();
      expect(html).toContain("/nonexistent/code-server");
      expect(html).not.toContain('id="ide-install"');
      expect((await tg.api("POST", "/api/ide/install")).status).toBe(409);
    } finally {
      await tg.dispose();
    }
  });
});

describe("Open IDE: a code-server left behind by an earlier run", () => {
  it("is ended before a new one starts on the same state directory", async () => {
    const first = await startGateway({ env: { CODE_SERVER_BIN: codeServerBin() } });
    const stateDir = first.gateway.config.stateDir;
    // The second gateway stands for the next run after a crash: same state directory, first one never closed.
    const second = await startGateway({ env: { CODE_SERVER_BIN: codeServerBin(), STATE_DIR: stateDir } });
    try {
      expect((await first.api("POST", "/api/ide/start?wait=1")).body.state).toBe("running");
      const orphan = first.gateway.ide.manager.pid!;
      expect((await second.api("POST", "/api/ide/start?wait=1")).body.state).toBe("running");
      expect(groupAlive(orphan)).toBe(false);
      expect(groupAlive(second.gateway.ide.manager.pid!)).toBe(true);
    } finally {
      await second.dispose();
      await first.dispose();
    }
  });
});
