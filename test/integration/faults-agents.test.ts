import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

/**
 * Agent CLIs that misbehave, as YAML agents pointing at small scripts: one that exits at once, one that
 * dies by a signal, one that floods output. The owner keeps a working tab, the gateway and other tabs live.
 */
describe("faults: agent CLIs that exit at once, crash or flood", () => {
  let gw: TestGateway;
  let scripts: string;
  beforeAll(async () => {
    scripts = mkdtempSync(path.join(tmpdir(), "gw-agents-"));
    const script = (name: string, body: string) => {
      const file = path.join(scripts, name);
      writeFileSync(file, `#!/bin/sh\n${body}\n`);
      chmodSync(file, 0o755);
      return file;
    };
    const quitter = script("quitter", 'echo "quitter: cannot start (no API key)" >&2; exit 7');
    const crasher = script("crasher", 'echo crasher-up; kill -SEGV $$');
    // Numbered lines as fast as the PTY takes them, forever: awk flushes in large blocks.
    const flooder = script("flooder", `exec awk 'BEGIN { for (i = 0; ; i++) print "F" i }'`);
    const yaml = [
      "agents:",
      `  - { id: quitter, label: Quitter, command: ${quitter} }`,
      `  - { id: crasher, label: Crasher, command: ${crasher} }`,
      `  - { id: flooder, label: Flooder, command: ${flooder} }`,
    ].join("\n");
    gw = await startGateway({ file: { path: "gateway.yaml", text: yaml } });
  });
  afterAll(async () => {
    await gw.dispose();
    rmSync(scripts, { recursive: true, force: true });
  });

  it("an agent that exits at once: the owner sees its message and gets a shell prompt in the same tab", async () => {
    const id = await gw.createSession({ agent: "quitter" });
    const client = await gw.connect(id);
    await client.waitFor("quitter: cannot start (no API key)");
    client.input("echo after-quit-$?-$((20+22))\r");
    await client.waitFor("after-quit-");
    await client.waitFor("42");
    const listed = (await gw.api("GET", "/api/sessions")).body.find((s: any) => s.id === id);
    expect(listed).toMatchObject({ exited: false });
    expect(await gw.api("DELETE", `/api/sessions/${id}`)).toMatchObject({ status: 204 });
  });

  it("an agent killed by a signal: the tab returns to a shell, the gateway is untouched", async () => {
    const id = await gw.createSession({ agent: "crasher" });
    const client = await gw.connect(id);
    await client.waitFor("crasher-up");
    client.input("echo survived-crash-$((6*7))\r");
    await client.waitFor("survived-crash-42");
    expect((await gw.api("GET", "/healthz")).status).toBe(200);
    await gw.api("DELETE", `/api/sessions/${id}`);
  });

  it("a flooding agent: a client that stops acknowledging holds it at the window, others stay responsive, Ctrl-C and close work", async () => {
    const bystanderId = await gw.createSession();
    const bystander = await gw.connect(bystanderId);
    const id = await gw.createSession({ agent: "flooder" });
    const slow = await gw.connect(id, { ack: false });
    await slow.waitFor(/F\d+\r\nF\d+/);
    // Without acks the PTY is paused near the 1 MiB window: memory cannot grow with the flood.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const held = slow.received;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(slow.received - held).toBeLessThan(512 * 1024);
    expect(slow.received).toBeLessThan(3 * 1024 * 1024);

    // Another tab answers at once meanwhile.
    bystander.input("echo bystander-$((5*5))\r");
    await bystander.waitFor("bystander-25");

    // A second, acknowledging client: held too while the stalled one stays (the window is per session);
    // once that one goes, it sees the flood in order, every line once, none missing.
    const fast = await gw.connect(id);
    await fast.waitForEvent("restored");
    const mark = fast.text.length;
    slow.close();
    await fast.until(() => fast.received > 3 * 1024 * 1024, "3 MiB of flood", 20_000);
    const numbers = [...fast.text.slice(mark).matchAll(/(?:^|\n)F(\d+)\r(?=\n)/g)].map((m) => Number(m[1]));
    expect(numbers.length).toBeGreaterThan(1000);
    const gap = numbers.findIndex((n, i) => i > 0 && n !== numbers[i - 1]! + 1);
    expect(gap, gap > 0 ? `F${numbers[gap - 1]} then F${numbers[gap]}` : "").toBe(-1);

    // Ctrl-C ends the flood and the tab is a shell again.
    fast.input("\u0003");
    fast.input("echo flood-stopped-$((7*6))\r");
    await fast.waitFor("flood-stopped-42", 20_000);
    const pid = (await gw.api("GET", "/api/sessions")).body.find((s: any) => s.id === id);
    expect(pid).toMatchObject({ exited: false });
    expect(await gw.api("DELETE", `/api/sessions/${id}`)).toMatchObject({ status: 204 });
    await gw.api("DELETE", `/api/sessions/${bystanderId}`);
  }, 60_000);

  it("a flood nobody watches is closed cleanly: DELETE ends its whole tree", async () => {
    const created = await gw.api("POST", "/api/sessions", { agent: "flooder" });
    expect(created.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const attach = await gw.connect(created.body.id);
    await attach.waitForEvent("restored");
    expect(await gw.api("DELETE", `/api/sessions/${created.body.id}`)).toMatchObject({ status: 204 });
    expect(() => process.kill(created.body.pid, 0)).toThrow();
  });
});
