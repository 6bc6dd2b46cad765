import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { Worker } from "node:worker_threads";
import type { GatewayProcess } from "./gateway-process.js";
import { packageRoot } from "../src/paths.js";
import { READY } from "./programs.js";
import { BenchClient } from "./terminal-client.js";

/**
 * Where echo is measured: a gateway, the echo ceiling, which speaks the same terminal protocol, or a plain
 * byte pipe (`raw`: websocketd), which the client reaches through its adapter.
 */
export type EchoTarget = Pick<GatewayProcess, "url" | "createSession" | "api"> & { readonly raw?: boolean };

/**
 * Which program types the keystrokes: "node" (BenchClient, in this process) or "python" (echo-client.py, a
 * raw WebSocket client on Python's standard library, its own process: a client that is not Node, so that the
 * client's share of the tail is not charged to the server).
 */
export type EchoClient = "node" | "python";

/**
 * Keystroke echo round trips in milliseconds, one keystroke at a time, through a session running `cat` in raw
 * mode. `gapMs` (Python client only) waits that long after each echo, as a person types.
 */
export async function echoLatencies(gateway: EchoTarget, keystrokes: number, by: EchoClient = "node", gapMs = 0): Promise<number[]> {
  const id = await gateway.createSession("bench-echo");
  if (by === "python") {
    try {
      return await pythonEcho(`${gateway.url.replace(/^http/, "ws")}/api/sessions/${id}/ws`, keystrokes, gateway.raw, gapMs);
    } finally {
      await gateway.api("DELETE", `/api/sessions/${id}`, undefined, 204);
    }
  }
  const client = await BenchClient.open(gateway.url, id, { ack: "receive", raw: gateway.raw });
  try {
    await waitReady(client);
    let echoedAt = 0;
    client.onChunk = () => (echoedAt = performance.now());
    const samples: number[] = [];
    for (let i = 0; i < keystrokes; i++) {
      const expected = client.consumed + 1;
      const sentAt = performance.now();
      client.input(String.fromCharCode(97 + (i % 26)));
      await client.until(() => client.consumed >= expected, 10_000, `the echo of keystroke ${i}`);
      samples.push(echoedAt - sentAt);
    }
    return samples;
  } finally {
    await client.close();
    await gateway.api("DELETE", `/api/sessions/${id}`, undefined, 204);
  }
}

/** echo-client.py against a WebSocket URL; its round trips in ms. */
async function pythonEcho(url: string, keystrokes: number, raw: boolean | undefined, gapMs: number): Promise<number[]> {
  const script = path.join(packageRoot(), "bench/echo-client.py");
  const args = [script, url, String(keystrokes), ...(raw ? ["--raw"] : []), ...(gapMs ? [`--gap-ms=${gapMs}`] : [])];
  const { stdout } = await promisify(execFile)("python3", args, { timeout: 10_000 + keystrokes * (50 + gapMs), maxBuffer: 16 * 2 ** 20 });
  const samples = JSON.parse(stdout) as number[];
  if (samples.length !== keystrokes) throw new Error(`echo-client.py timed ${samples.length} of ${keystrokes} keystrokes`);
  return samples;
}

/** The same keystrokes through the echo ceiling (echo-ceiling.ts: ws and node-pty, nothing else), a fresh process. */
export async function ceilingEchoLatencies(keystrokes: number, by: EchoClient = "node", nodeArgs: readonly string[] = [], warmup = 0): Promise<number[]> {
  const child = spawn(process.execPath, [...nodeArgs, new URL("./echo-ceiling.js", import.meta.url).pathname], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`the echo ceiling exited with ${code}`)));
    });
    const target: EchoTarget = { url, createSession: async () => "ceiling", api: async () => undefined };
    if (warmup > 0) await echoLatencies(target, warmup, "python");
    return await echoLatencies(target, keystrokes, by);
  } finally {
    child.kill();
  }
}

/** A neighbour session flooding output to a fast client on a worker thread; `rate` gives its MB/s so far. */
export async function startFlood(gateway: GatewayProcess): Promise<{ stop(): Promise<{ mbps: number }> }> {
  const id = await gateway.createSession("bench-flood");
  const worker = new Worker(new URL("./flood-worker.js", import.meta.url), { workerData: { url: gateway.url, id } });
  const count = () =>
    new Promise<number>((resolve) => {
      worker.once("message", (m: { bytes: number }) => resolve(m.bytes));
      worker.postMessage("count");
    });
  await new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
  });
  // Let the flood reach full speed before anything is measured.
  while ((await count()) < 4 * 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 20));
  const startBytes = await count();
  const startAt = performance.now();
  return {
    async stop() {
      const bytes = (await count()) - startBytes;
      const mbps = bytes / 1e6 / ((performance.now() - startAt) / 1000);
      worker.postMessage("stop");
      await new Promise((resolve) => worker.once("exit", resolve));
      await gateway.api("DELETE", `/api/sessions/${id}`, undefined, 204);
      return { mbps };
    },
  };
}

/**
 * Ctrl-C during a flood, seen by a client that parses with xterm and acks as the browser does: milliseconds
 * from sending Ctrl-C until the interrupted program's marker has been parsed. Also returns xterm's discards.
 */
export async function interruptLatency(gateway: GatewayProcess, marker: string): Promise<{ ms: number; discarded: number }> {
  const id = await gateway.createSession("bench-interrupt");
  const client = await BenchClient.open(gateway.url, id, { ack: "parse" });
  try {
    await waitReady(client);
    client.input("\r");
    // Flood for a while, so the ack window and every buffer on the way are full.
    const floodFrom = client.consumed;
    await client.until(() => client.consumed - floodFrom >= 4 * 1024 * 1024, 30_000, "the flood");
    let tail = "";
    let seenAt = 0;
    client.onChunk = (chunk) => {
      tail = tail.slice(-marker.length) + chunk.toString("latin1");
      if (!seenAt && tail.includes(marker)) seenAt = performance.now();
    };
    const sentAt = performance.now();
    client.input("\x03");
    await client.until(() => seenAt > 0, 30_000, "the marker after Ctrl-C");
    return { ms: seenAt - sentAt, discarded: client.discarded };
  } finally {
    await client.close();
    await gateway.api("DELETE", `/api/sessions/${id}`, undefined, 204);
  }
}

/** Waits until the program in the session printed READY (restored screen or live output). */
export async function waitReady(client: BenchClient): Promise<void> {
  let tail = client.unwatched;
  let seen = tail.includes(READY);
  client.onChunk = (chunk) => {
    tail = (tail + chunk.toString("latin1")).slice(-2000);
    seen ||= tail.includes(READY);
  };
  try {
    await client.restored();
    await client.until(() => seen, 30_000, "READY");
  } catch (error) {
    throw new Error(`${(error as Error).message}; received ${client.received} bytes ending ${JSON.stringify(tail.slice(-300))}; events ${JSON.stringify(client.events)}`);
  }
  client.onChunk = undefined;
}
