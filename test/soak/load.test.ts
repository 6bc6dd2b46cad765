import { writeFileSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChildGateway, type ChildGateway } from "../helpers/gateway-process.js";
import { TerminalClient } from "../helpers/gateway.js";

/** SOAK_SECONDS sets the length: `npm run soak` runs minutes, the normal suite a few seconds. */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 8);
const SESSIONS = 10; // the default session limit

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

describe(`load: ${SESSIONS} sessions, half flooding and half interactive, ${SECONDS} s`, () => {
  let gw: ChildGateway;
  beforeAll(async () => {
    gw = await startChildGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("keeps echo fast, memory flat, and every flooded line in order", async () => {
    const create = async () => {
      const res = await fetch(`${gw.url}/api/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent: "shell" }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const floodIds = await Promise.all(Array.from({ length: SESSIONS / 2 }, create));
    const typists = await Promise.all(
      Array.from({ length: SESSIONS / 2 }, async () => {
        const client = await TerminalClient.open(`${gw.url.replace(/^http/, "ws")}/api/sessions/${await create()}/ws`);
        await client.waitForEvent("restored");
        return client;
      }),
    );
    // The flooders' clients run on a thread of their own (flood-clients.ts): checking millions of lines here
    // would delay this event loop and be counted as echo latency.
    const entry = new URL("./flood-clients.ts", import.meta.url).href;
    const flooders = new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, {
      eval: true,
      workerData: { url: gw.url, ids: floodIds },
    });
    const fromFlooders = <T>() =>
      new Promise<T>((resolve, reject) => {
        flooders.once("message", resolve);
        flooders.once("error", reject);
      });
    await fromFlooders<string>();
    flooders.postMessage("start");
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
      await typist.until(() => typist.received > before, "echo", 5000);
      latencies.push(performance.now() - started);
      n++;
      if (Date.now() >= sampleAt) {
        rss.push(gw.rss());
        sampleAt += 1000;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const stopped = fromFlooders<{ next: number; bad: number }[]>();
    flooders.postMessage("stop");
    const checkers = await stopped;
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
      // Ten readings spread over the run, to see whether memory levels off or keeps growing.
      rssTrendMb: Array.from({ length: 10 }, (_, i) => +(rss[Math.floor((i * (rss.length - 1)) / 9)]! / 2 ** 20).toFixed(0)),
    };
    console.log(`load: ${JSON.stringify(report)}`);
    if (process.env.SOAK_REPORT) writeFileSync(path.resolve(process.env.SOAK_REPORT), JSON.stringify(report, null, 2));
    expect(report.outOfOrder).toBe(0);
    for (const checker of checkers) expect(checker.next).toBeGreaterThan(1000);
    expect(latencies.length).toBeGreaterThan(SECONDS * 10);
    // No growth trend: the second half of the run holds no more memory than the first half's peak allows.
    const half = Math.floor(rss.length / 2);
    expect(Math.max(...rss.slice(half))).toBeLessThan(Math.max(...rss.slice(0, half)) * 1.5 + 64 * 2 ** 20);
    for (const client of typists) client.close();
  }, (SECONDS + 60) * 1000);
});
