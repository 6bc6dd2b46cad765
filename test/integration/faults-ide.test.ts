import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { isAlive } from "../../src/sessions/process-tree.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const HTML = { accept: "text/html,application/xhtml+xml" };

/**
 * code-server that never becomes healthy, or dies at once, as small CODE_SERVER_BIN scripts (the IDE's own
 * tests crash the real code-server). The owner sees "Starting", then "failed" with the reason and the last log
 * lines; nothing is left running; terminals are untouched; the next visit tries again.
 */
describe("faults: code-server that never becomes healthy or dies at start", () => {
  let bins: string;
  let gw: TestGateway | undefined;
  beforeAll(() => {
    bins = mkdtempSync(path.join(tmpdir(), "gw-fake-code-server-"));
    return () => rmSync(bins, { recursive: true, force: true });
  });
  afterEach(async () => {
    await gw?.dispose();
    gw = undefined;
  });

  const fakeBin = (name: string, body: string) => {
    const file = path.join(bins, name);
    // --version answers like code-server; anything else runs the fault.
    writeFileSync(file, `#!/bin/bash\nif [ "$1" = "--version" ]; then echo "4.100.3 0000000 with Code 1.100.3"; exit 0; fi\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };
  const status = async () => (await gw!.api("GET", "/api/ide")).body;
  const waitFor = async (state: string, ms = 20_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const s = await status();
      if (s.state === state) return s;
      if (Date.now() > end) throw new Error(`IDE never ${state}: ${JSON.stringify(s)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it("never healthy: Starting page, then failed with the reason; its whole process group is ended", async () => {
    const pids = path.join(bins, "pids");
    const bin = fakeBin("hangs", `echo "fake code-server: stuck loading extensions"; sleep 1000 & echo $! >> ${pids}; echo $$ >> ${pids}; wait`);
    gw = await startGateway({ env: { CODE_SERVER_BIN: bin }, overrides: { ide: { startTimeoutMs: 1500 } } });
    const session = await gw.createSession();
    const visit = await fetch(`${gw.url}/ide/`, { headers: HTML });
    expect(visit.status).toBe(503);
    expect(await visit.text()).toContain("Starting the IDE");
    const failed = await waitFor("failed");
    expect(failed.lastError).toMatch(/did not become healthy within 2 s/);
    expect(failed.lastError).toContain("stuck loading extensions");
    const started = readFileSync(pids, "utf8").trim().split("\n").map(Number);
    expect(started.length).toBeGreaterThanOrEqual(2);
    for (const pid of started) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    // The terminal is untouched.
    const client = await gw.connect(session);
    client.input("echo ide-failed-terminal-ok-$((6*7))\r");
    await client.waitFor("ide-failed-terminal-ok-42");
    // The next visit tries again.
    const again = await fetch(`${gw.url}/ide/`, { headers: HTML });
    expect(again.status).toBe(503);
    expect((await status()).state).toMatch(/starting|failed/);
  });

  it("dies at start: failed with its exit code and last lines; an API client that waits gets 502", async () => {
    const bin = fakeBin("dies", 'echo "error: cannot find module @vscode/fs-copyfile" >&2; exit 3');
    gw = await startGateway({ env: { CODE_SERVER_BIN: bin }, overrides: { ide: { startTimeoutMs: 5000 } } });
    const res = await gw.api("POST", "/api/ide/start?wait=1", undefined, { origin: gw.url });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("ide_failed");
    expect(res.body.lastError).toMatch(/exited \(code 3\)/);
    expect(res.body.lastError).toContain("cannot find module @vscode/fs-copyfile");
    expect((await status()).state).toBe("failed");
    expect((await gw.api("GET", "/healthz")).status).toBe(200);
  });
});
