import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

// Input goes straight to the PTY master (src/sessions/pty-input.ts): what does not fit waits, in order.
describe("terminal input", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    const yaml = [
      "agents:",
      "  - id: sink",
      "    command: /bin/sh",
      // Raw mode: every byte reaches the program as sent; head stops after exactly 1,200,000 of them.
      "    args: [-c, 'stty raw -echo; printf READY; head -c 1200000 > \"$HOME/paste.txt\"; printf DONE; sleep 30']",
      "  - id: deaf",
      "    command: /bin/sh",
      "    args: [-c, 'printf READY; sleep 30']",
    ].join("\n");
    gw = await startGateway({ file: { path: "gateway.yaml", text: yaml } });
  });
  afterEach(async () => {
    await gw.dispose();
  });

  it("delivers a paste far larger than the PTY's buffer whole and in order", async () => {
    const id = await gw.createSession({ agent: "sink" });
    const client = await gw.connect(id);
    await client.waitFor("READY");
    const parts = ["a", "b", "c"].map((letter, i) => `${i}:` + letter.repeat(400_000 - 2));
    for (const part of parts) client.input(part);
    await client.waitFor("DONE", 30_000);
    expect(readFileSync(path.join(gw.home, "paste.txt"), "utf8")).toBe(parts.join(""));
    expect(client.events.filter((e) => e.type === "error")).toEqual([]);
  });

  it("refuses input past 4 MiB waiting for a program that does not read, with an error event; the session lives", async () => {
    const id = await gw.createSession({ agent: "deaf" });
    const client = await gw.connect(id);
    await client.waitFor("READY");
    for (let i = 0; i < 12; i++) client.input("x".repeat(400_000));
    await client.waitForEvent("error");
    expect(client.events.find((e) => e.type === "error").message).toMatch(/input dropped/);
    expect(client.closed).toBe(false);
    const list = await gw.api("GET", "/api/sessions");
    expect(list.body.find((s: { id: string }) => s.id === id).exited).toBe(false);
  });
});
