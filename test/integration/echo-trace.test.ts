import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const yaml = ["agents:", "  - id: echo", "    command: /bin/sh", "    args: [-c, 'stty raw -echo; printf READY; exec cat']"].join("\n");

// GATEWAY_ECHO_TRACE (src/sessions/echo-trace.ts): the bench's keystroke timeline; off unless set.
describe("echo trace", () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.dispose();
    gw = undefined;
  });

  it("marks every stage of a keystroke, in order, and writes them when the gateway closes", async () => {
    const file = path.join(process.env.TMPDIR ?? "/tmp", `echo-trace-${process.pid}-${Date.now()}.txt`);
    gw = await startGateway({ file: { path: "gateway.yaml", text: yaml }, env: { GATEWAY_ECHO_TRACE: file } });
    const client = await gw.connect(await gw.createSession({ agent: "echo" }));
    await client.waitFor("READY");
    client.input("Z9");
    await client.waitFor("Z9");
    await gw.dispose();
    gw = undefined;
    const text = readFileSync(file, "utf8");
    rmSync(file);
    const marks = text.trim().split("\n").map((line) => line.split(" "));
    const stages = marks.filter((m) => m[1] !== "gc").map((m) => m[1]);
    const from = stages.indexOf("parsed");
    expect(stages.slice(from, from + 5)).toEqual(["parsed", "pty-written", "pty-read", "flush", "sent"]);
    const times = marks.filter((m) => m[1] !== "gc").map((m) => BigInt(m[0]!));
    for (let i = 1; i < times.length; i++) expect(times[i]! >= times[i - 1]!).toBe(true);
  });

  it("is off unless GATEWAY_ECHO_TRACE names a file", () => {
    expect(loadConfig({ HOME: "/home/u" }).echoTraceFile).toBeUndefined();
    expect(loadConfig({ HOME: "/home/u", GATEWAY_ECHO_TRACE: "" }).echoTraceFile).toBeUndefined();
    expect(loadConfig({ HOME: "/home/u", GATEWAY_ECHO_TRACE: "/tmp/t.txt" }).echoTraceFile).toBe("/tmp/t.txt");
  });
});
