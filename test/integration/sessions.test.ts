import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sessionProcesses } from "../../src/sessions/process-tree.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

describe("terminal sessions", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startGateway();
  });
  afterEach(async () => {
    await gw.dispose();
  });

  it("echoes a command's output over the WebSocket", async () => {
    const id = await gw.createSession();
    const client = await gw.connect(id);
    client.input("echo hello-$((6*7))\r");
    await client.waitFor("hello-42");
  });

  it("starts in PROJECTS_DIR with TERM=xterm-256color and COLORTERM=truecolor", async () => {
    const id = await gw.createSession();
    const client = await gw.connect(id);
    client.input('echo "at:$PWD:$TERM:$COLORTERM"\r');
    await client.waitFor(`at:${gw.gateway.config.projectsDir}:xterm-256color:truecolor`);
  });

  it("keeps the gateway's folders first on PATH when the login profile sets PATH anew, and the profile's environment", async () => {
    // As Debian's /etc/profile does: without the gateway's folders, `claude` typed in a shell tab is not found.
    writeFileSync(path.join(gw.home, ".profile"), "PATH=/usr/bin:/bin; export PATH; export FROM_PROFILE=yes\n");
    const agentGw = await startGateway({
      home: gw.home,
      file: { path: "gateway.yaml", text: "agents:\n  - id: quick\n    label: Quick\n    command: \"true\"\n" },
    });
    try {
      // A shell tab, and an agent tab after its agent ended (the tab becomes the shell).
      for (const [target, agent] of [[gw, "shell"], [agentGw, "quick"]] as const) {
        const client = await target.connect(await target.createSession({ agent }));
        client.input("printf '%s|%s|%s<END\\n' \"$PATH\" \"$FROM_PROFILE\" \"$-\"\r");
        const shown = /[\r\n]([^|\r\n]*)\|yes\|(\w+)<END/;
        await client.waitFor(shown);
        const [, searchPath, flags] = shown.exec(client.text)!;
        expect(searchPath!.split(":")[0]).toBe(path.resolve("node_modules/.bin"));
        expect(searchPath).toMatch(/:\/usr\/bin:\/bin$/);
        expect(flags).toContain("i"); // an interactive shell
      }
    } finally {
      await agentGw.dispose();
    }
  });

  it("delivers multi-byte characters split across PTY reads intact", async () => {
    const id = await gw.createSession();
    const client = await gw.connect(id);
    // 3000 four-byte emoji and 3000 three-byte CJK characters: PTY reads split some of them.
    client.input(`python3 -c "import sys; sys.stdout.write('BEG'+'IN' + '😀語' * 3000 + 'E'+'ND\\n')"\r`);
    await client.waitFor(/BEGIN.*END/s, 15_000);
    const body = /BEGIN(.*)END/s.exec(client.text)![1]!.replace(/\r\n/g, "");
    expect(body).toBe("😀語".repeat(3000));
    expect(client.text).not.toContain("\ufffd");
  });

  it("sends the last line of `seq 1 200000` before the exit event, 20 runs out of 20", async () => {
    for (let run = 0; run < 20; run++) {
      const res = await gw.api("POST", "/api/sessions", { agent: "shell" });
      expect(res.status).toBe(201);
      const client = await gw.connect(res.body.id);
      await client.waitForEvent("restored");
      // exec: the session's process itself is seq, and exits the moment it has written its last line.
      client.input("exec seq 1 200000\r");
      const exit = await client.waitForEvent("exit", 20_000);
      expect(exit.code).toBe(0);
      expect(client.text.slice(-40)).toMatch(/\r\n199999\r\n200000\r\n$/);
      await gw.api("DELETE", `/api/sessions/${res.body.id}`);
    }
  }, 120_000);

  it("applies a resize that `stty size` sees", async () => {
    const id = await gw.createSession({ cols: 80, rows: 24 });
    const client = await gw.connect(id);
    client.send({ type: "resize", cols: 132, rows: 43 });
    client.input("stty size\r");
    await client.waitFor("43 132");
  });

  it("drains 20 MB of output to a client that acknowledges", async () => {
    const id = await gw.createSession();
    const client = await gw.connect(id, { ack: true });
    client.track("x");
    client.input("head -c 20000000 /dev/zero | tr '\\0' 'x'; echo; echo DONE-$((1+1))\r");
    await client.waitFor("DONE-2", 60_000);
    expect(client.count("x")).toBeGreaterThanOrEqual(20_000_000);
  }, 90_000);

  it("restores the screen and scrollback when a client re-attaches", async () => {
    const id = await gw.createSession();
    const first = await gw.connect(id);
    first.input("for i in $(seq 1 300); do echo row-$i; done\r");
    await first.waitFor("row-300");
    first.close();
    const second = await gw.connect(id);
    await second.waitForEvent("restored");
    expect(second.text).toContain("row-1\r\n");
    expect(second.text).toContain("row-300");
    second.input("echo after-$((3*3))\r");
    await second.waitFor("after-9");
  });

  it("restores a full-screen program on the alternate screen", async () => {
    const id = await gw.createSession();
    const first = await gw.connect(id);
    first.input("echo normal-$((1+1)); printf '\\033[?1049h\\033[HFULLSCREEN-'; echo $((6*7)); sleep 30\r");
    await first.waitFor("FULLSCREEN-42");
    first.close();
    const second = await gw.connect(id);
    await second.waitForEvent("restored");
    const text = second.text;
    expect(text).toContain("\x1b[?1049h");
    expect(text.indexOf("FULLSCREEN-42")).toBeGreaterThan(text.indexOf("\x1b[?1049h"));
    expect(text.indexOf("normal-2")).toBeLessThan(text.indexOf("\x1b[?1049h"));
  });

  it("streams one session to two clients at once", async () => {
    const id = await gw.createSession();
    const a = await gw.connect(id);
    const b = await gw.connect(id);
    await Promise.all([a.waitForEvent("restored"), b.waitForEvent("restored")]);
    a.input("echo from-a-$((1+2))\r");
    await Promise.all([a.waitFor("from-a-3"), b.waitFor("from-a-3")]);
    b.input("echo from-b-$((2+3))\r");
    await Promise.all([a.waitFor("from-b-5"), b.waitFor("from-b-5")]);
    const list = await gw.api("GET", "/api/sessions");
    expect(list.body.find((s: { id: string }) => s.id === id).clients).toBe(2);
  });

  it("answers malformed frames with an error event and keeps the session", async () => {
    const id = await gw.createSession();
    const client = await gw.connect(id);
    const bad = ["not json", "[1,2]", '{"type":"nope"}', '{"type":"resize","cols":0,"rows":5}', '{"type":"input","data":7}'];
    for (const frame of bad) client.send(frame);
    client.ws.send(Buffer.from([0xff, 0x00, 0x13]), { binary: true });
    await client.until(() => client.events.filter((e) => e.type === "error").length === bad.length + 1, "errors", 5000);
    client.input("echo still-alive-$((5*5))\r");
    await client.waitFor("still-alive-25");
    expect(client.closed).toBe(false);
  });

  it("closes a frame over the size limit without ending the session", async () => {
    const id = await gw.createSession();
    const big = await gw.connect(id);
    big.send({ type: "input", data: "x".repeat(gw.gateway.config.limits.maxFrameBytes + 10) });
    await big.until(() => big.closed, "close", 5000);
    expect(big.closeCode).toBe(1009);
    const again = await gw.connect(id);
    again.input("echo survived-$((4*4))\r");
    await again.waitFor("survived-16");
  });

  it("DELETE ends the whole process group, tells clients, and leaves no process behind", async () => {
    const id = await gw.createSession();
    const client = await gw.connect(id);
    const { body: created } = await gw.api("GET", "/api/sessions");
    const pid = created.find((s: { id: string }) => s.id === id).pid as number;
    // A background job in its own group, a nohup'd sleep, and a process that ignores SIGHUP.
    client.input("sleep 300 & nohup sleep 301 >/dev/null 2>&1 & (trap '' HUP; sleep 302) & echo spawned-$((7*7))\r");
    await client.waitFor("spawned-49");
    expect(sessionProcesses(pid).length).toBeGreaterThanOrEqual(4);
    const res = await gw.api("DELETE", `/api/sessions/${id}`);
    expect(res.status).toBe(204);
    expect(sessionProcesses(pid)).toEqual([]);
    await client.until(() => client.closed, "close", 5000);
    expect(client.events.some((e) => e.type === "exit")).toBe(true);
    expect((await gw.api("GET", "/api/sessions")).body).toEqual([]);
  });

  it("reports exit with the code and keeps the session listed as exited", async () => {
    const id = await gw.createSession();
    const client = await gw.connect(id);
    client.input("exit 7\r");
    const exit = await client.waitForEvent("exit");
    expect(exit.code).toBe(7);
    const list = await gw.api("GET", "/api/sessions");
    expect(list.body[0]).toMatchObject({ id, exited: true, exitCode: 7 });
    // A client that attaches later still sees the exit.
    const late = await gw.connect(id);
    expect((await late.waitForEvent("exit")).code).toBe(7);
  });
});
