import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { openEvents, type EventReader } from "../helpers/events.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { until } from "../helpers/until.js";

describe("activity and the events channel", { timeout: 60_000 }, () => {
  let gw: TestGateway | undefined;
  const readers: EventReader[] = [];
  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await gw?.dispose();
    gw = undefined;
  });

  async function reader(headers?: Record<string, string>): Promise<EventReader> {
    const r = await openEvents(gw!.url, headers);
    readers.push(r);
    return r;
  }

  it("a shell's BEL and OSC 9 set needs-input (with the text), delivered once to each of two readers", async () => {
    gw = await startGateway();
    const [a, b] = [await reader(), await reader()];
    for (const r of [a, b]) {
      expect(r.status).toBe(200);
      await r.until((e) => e.some((x) => x.type === "hello"), "hello", 10_000);
      expect(r.events[0]!.data).toMatchObject({ sessions: [], status: { token: expect.any(Object), sync: [], ide: expect.any(Object), models: expect.any(Object) } });
    }
    const id = await gw.createSession();
    const term = await gw.connect(id);
    await term.until(() => term.events.some((e) => e.type === "restored"));
    await term.waitFor(/[$#] /);

    term.input("printf '\\a'\r");
    const needs = (r: EventReader, message?: string) =>
      r.of("activity").filter((e) => e.data.id === id && e.data.state === "needs-input" && e.data.message === message);
    for (const r of [a, b]) await r.until(() => needs(r).length > 0, "needs-input from BEL", 15_000);
    let listed = (await gw.api("GET", "/api/sessions")).body[0];
    expect(listed.activity).toMatchObject({ state: "needs-input", since: expect.any(String) });
    expect(listed.activity.message).toBeUndefined();

    term.input("printf '\\e]9;done\\a'\r");
    for (const r of [a, b]) await r.until(() => needs(r, "done").length > 0, "needs-input with text", 15_000);
    listed = (await gw.api("GET", "/api/sessions")).body[0];
    expect(listed.activity).toMatchObject({ state: "needs-input", message: "done" });

    // Typing answers it; output and quiet then make it working, then idle.
    term.input("echo answered\r");
    const after = (r: EventReader) => r.of("activity").slice(r.of("activity").indexOf(needs(r, "done")[0]!) + 1).map((e) => e.data.state);
    for (const r of [a, b]) await r.until(() => after(r).join(",").endsWith("working,idle"), "working then idle", 15_000);
    expect(after(a)[0]).toBe("idle");

    await gw.api("DELETE", `/api/sessions/${id}`);
    for (const r of [a, b]) await r.until(() => r.of("session-removed").length > 0, "removed", 15_000);
    // Each change once per reader: the two saw the same sequence, no duplicates of the created/removed events.
    const summary = (r: EventReader) => r.events.filter((e) => e.type !== "hello" && !["token", "sync", "ide", "models"].includes(e.type)).map((e) => `${e.type}:${e.data.state ?? ""}:${e.data.message ?? ""}`);
    expect(summary(a)).toEqual(summary(b));
    expect(a.of("session-created")).toHaveLength(1);
    expect(a.of("session-removed")).toHaveLength(1);
    expect(needs(a, "done")).toHaveLength(1);
  });

  it("reports a session's exit and its program's title", async () => {
    gw = await startGateway();
    const r = await reader();
    const id = await gw.createSession();
    const term = await gw.connect(id);
    await term.waitFor(/[$#] /);
    term.input("printf '\\e]0;my title\\a'; exit 3\r");
    await r.until(() => r.of("session-exited").length > 0, "exit", 15_000);
    expect(r.of("session-exited")[0]!.data).toEqual({ id, exitCode: 3 });
    expect(r.of("activity").some((e) => e.data.programTitle === "my title")).toBe(true);
    expect(r.of("activity").at(-1)!.data.state).toBe("exited");
  });

  it("refuses a foreign Origin and takes the page's own", async () => {
    gw = await startGateway();
    const foreign = await reader({ origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    const own = await reader({ origin: gw.url });
    expect(own.status).toBe(200);
    await own.until((e) => e.length > 0);
  });

  it("drops a reader that stops reading, and keeps serving the others", async () => {
    gw = await startGateway({ overrides: { events: { maxBufferedBytes: 64 * 1024 } } });
    const fast = await reader();
    // A reader that never reads: its socket is paused, so the kernel's buffers fill and then the gateway's.
    const slow = await new Promise<http.IncomingMessage>((resolve) => http.get(`${gw!.url}/api/events`, resolve));
    slow.pause();
    const id = await gw.createSession();
    const term = await gw.connect(id);
    await term.waitFor(/[$#] /);
    // Each title is an event of ~300 bytes: 40 MB of them, far more than any socket buffer holds.
    term.input("for i in $(seq 1 150000); do printf '\\e]0;t%d %0180d\\a' $i 0; done; echo flood-$((40+2))\r");
    const dropped = () => gw!.logs.lines.some((l) => l.includes("events reader too slow: dropped"));
    await until(dropped, () => `the slow reader dropped; fast got ${fast.events.length} events; output ${JSON.stringify(term.text.slice(-200))}`, 45_000);
    // Reading again, it finds its stream ended by the gateway (a paused socket would not see the FIN).
    const ended = new Promise((resolve) => slow.socket.once("close", resolve));
    slow.resume();
    await ended;
    await term.waitFor("flood-42", 60_000);
    // A reader keeping up with a 64 KiB bound may be dropped too under this flood; a new one is served.
    const later = await reader();
    await later.until((e) => e.length > 0);
    expect(later.events[0]!.data.sessions[0].activity.programTitle).toMatch(/^t150000 /);
    expect(fast.status).toBe(200);
    expect(process.memoryUsage().rss).toBeLessThan(1024 * 1024 * 1024);
  });
});
