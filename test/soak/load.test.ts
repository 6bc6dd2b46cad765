import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChildGateway, type ChildGateway } from "../helpers/child-gateway.js";
import { TerminalClient } from "../helpers/gateway.js";

/** SOAK_SECONDS sets the length: `npm run soak` runs minutes, the normal suite a few seconds. */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 8);
const SESSIONS = 10; // the default session limit

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

/** Reads `L<n>` lines as they arrive and checks they count up from 0 with none missing or out of order. */
class SequenceChecker {
  next = 0;
  bad = 0;
  private rest = "";
  feed(text: string): void {
    const lines = (this.rest + text).split("\r\n");
    this.rest = lines.pop()!;
    for (const line of lines) {
      const match = /(?:^|\r)L(\d+)$/.exec(line);
      if (!match) continue;
      if (Number(match[1]) === this.next) this.next++;
      else this.bad++;
    }
  }
}

describe(`load: ${SESSIONS} sessions, half flooding and half interactive, ${SECONDS} s`, () => {
  let gw: ChildGateway;
  beforeAll(async () => {
    gw = await startChildGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("keeps echo fast, memory flat, and every flooded line in order", async () => {
    const open = async () => {
      const res = await fetch(`${gw.url}/api/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent: "shell" }),
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const client = await TerminalClient.open(`${gw.url.replace(/^http/, "ws")}/api/sessions/${id}/ws`);
      await client.waitForEvent("restored");
      return client;
    };
    const flooders = await Promise.all(Array.from({ length: SESSIONS / 2 }, open));
    const typists = await Promise.all(Array.from({ length: SESSIONS / 2 }, open));
    const checkers = flooders.map((client) => {
      const checker = new SequenceChecker();
      client.ws.on("message", (data, isBinary) => isBinary && checker.feed(String(data)));
      client.input(`awk 'BEGIN { for (i = 0; ; i++) print "L" i }'\r`);
      return checker;
    });
    // Raw mode: the line discipline would otherwise hold input until Enter; cat echoes each key.
    for (const typist of typists) typist.input("stty raw -echo; cat\r");
    await new Promise((resolve) => setTimeout(resolve, 500));

    const rss: number[] = [gw.rss()];
    const latencies: number[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    let sampleAt = Date.now() + 1000;
    let n = 0;
    while (Date.now() < deadline) {
      const typist = typists[n % typists.length]!;
      const marker = String.fromCharCode(97 + (n % 26));
      const before = typist.received;
      const started = performance.now();
      typist.input(marker);
      await typist.until(() => typist.received > before, 5000, "echo");
      latencies.push(performance.now() - started);
      n++;
      if (Date.now() >= sampleAt) {
        rss.push(gw.rss());
        sampleAt += 1000;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (const client of flooders) client.input("\x03");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    rss.push(gw.rss());

    const flooded = checkers.reduce((sum, c) => sum + c.next, 0);
    const report = {
      seconds: SECONDS,
      keystrokes: latencies.length,
      echoP50Ms: +percentile(latencies, 0.5).toFixed(2),
      echoP99Ms: +percentile(latencies, 0.99).toFixed(2),
      floodedLines: flooded,
      outOfOrder: checkers.reduce((sum, c) => sum + c.bad, 0),
      rssStartMb: +(rss[0]! / 2 ** 20).toFixed(1),
      rssMaxMb: +(Math.max(...rss) / 2 ** 20).toFixed(1),
      rssEndMb: +(rss.at(-1)! / 2 ** 20).toFixed(1),
    };
    console.log(`load: ${JSON.stringify(report)}`);
    if (process.env.SOAK_REPORT) writeFileSync(path.resolve(process.env.SOAK_REPORT), JSON.stringify(report, null, 2));
    expect(report.outOfOrder).toBe(0);
    for (const checker of checkers) expect(checker.next).toBeGreaterThan(1000);
    expect(latencies.length).toBeGreaterThan(SECONDS * 10);
    // No growth trend: the second half of the run holds no more memory than the first half's peak allows.
    const half = Math.floor(rss.length / 2);
    expect(Math.max(...rss.slice(half))).toBeLessThan(Math.max(...rss.slice(0, half)) * 1.5 + 64 * 2 ** 20);
    for (const client of [...flooders, ...typists]) client.close();
  }, (SECONDS + 60) * 1000);
});
