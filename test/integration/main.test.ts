import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sessionProcesses } from "../../src/sessions/process-tree.js";
import { TerminalClient } from "../helpers/gateway.js";
import { startMain } from "../helpers/gateway-process.js";


describe("main", () => {
  const homes: string[] = [];
  const temp = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gw-main-"));
    homes.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("stops with exit code 2 and names an invalid setting", async () => {
    const run = startMain({ HOME: temp(), PORT: "not-a-port" });
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain("PORT");
    expect(run.output()).toContain("not-a-port");
  });

  it("refuses a public BIND_HOST in local mode", async () => {
    const run = startMain({ HOME: temp(), BIND_HOST: "0.0.0.0" });
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain("BIND_HOST");
  });

  it("on SIGTERM tells clients, ends every session's processes, and exits within 10 s", async () => {
    const run = startMain({ HOME: temp(), PORT: "0" });
    const url = await run.listening;
    const pids: number[] = [];
    const clients: TerminalClient[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${url}/api/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent: "shell" }),
      });
      const { id, pid } = (await res.json()) as { id: string; pid: number };
      pids.push(pid);
      const client = await TerminalClient.open(`${url.replace(/^http/, "ws")}/api/sessions/${id}/ws`);
      client.input("sleep 600 & (trap '' HUP TERM; sleep 601) & echo ready-$((2*21))\r");
      await client.waitFor("ready-42");
      clients.push(client);
    }
    const started = Date.now();
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const client of clients) {
      await client.until(() => client.closed, "close", 2000);
      expect(client.events.some((e) => e.type === "shutdown")).toBe(true);
    }
    for (const pid of pids) expect(sessionProcesses(pid)).toEqual([]);
  }, 30_000);
});
