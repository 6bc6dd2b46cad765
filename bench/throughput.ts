import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "../src/paths.js";
import { startGatewayProcess, type GatewayProcessOptions } from "./gateway-process.js";
import type { Payload } from "./payload.js";
import { waitReady } from "./latency.js";
import { streamScript } from "./programs.js";
import { BenchClient, type AckMode } from "./terminal-client.js";

const run = promisify(execFile);

/** One throughput run. `lost` counts missing bytes; `corrupt` is true when the bytes differ from the file's. */
export interface ThroughputSample {
  readonly mbps: number;
  readonly ms: number;
  readonly bytes: number;
  readonly lost: number;
  readonly corrupt: boolean;
  /** CPU of the reading process (the gateway, or the ceiling's reader) over the stream. */
  readonly cpuMs: number;
  readonly peakRss?: number;
  readonly frames?: number;
  readonly discarded?: number;
}

const MB = 1e6;

/** Streams the payload through a fresh gateway to a client that acks on receipt or after parsing. */
export async function gatewayThroughput(payload: Payload, base: GatewayProcessOptions, ack: AckMode): Promise<ThroughputSample> {
  const gateway = await startGatewayProcess(base);
  try {
    const id = await gateway.createSession("bench-stream");
    const client = await BenchClient.open(gateway.url, id, { ack });
    await waitReady(client);
    // Every byte is compared with the expected stream as it arrives (memcmp: far cheaper for the client, which
    // shares the two cores with the gateway, than a hash), or hashed when the payload did not keep its stream.
    const hash = payload.stream ? undefined : createHash("sha1");
    let counted = 0;
    let frames = 0;
    let endAt = 0;
    let mismatchAt = -1;
    client.onChunk = (chunk) => {
      frames++;
      const take = Math.min(chunk.length, payload.streamBytes - counted);
      if (take <= 0) return;
      if (payload.stream) {
        if (mismatchAt < 0 && payload.stream.compare(chunk, 0, take, counted, counted + take) !== 0) mismatchAt = counted;
      } else {
        hash!.update(take === chunk.length ? chunk : chunk.subarray(0, take));
      }
      counted += take;
      if (counted === payload.streamBytes) endAt = performance.now();
    };
    const startCpu = gateway.cpuMs();
    const startAt = performance.now();
    client.input("\r");
    await client.until(() => counted === payload.streamBytes || client.closed, 600_000, "the whole payload");
    const cpuMs = gateway.cpuMs() - startCpu;
    const ms = (endAt || performance.now()) - startAt;
    const sample: ThroughputSample = {
      mbps: counted / MB / (ms / 1000),
      ms,
      bytes: counted,
      lost: payload.streamBytes - counted,
      corrupt: hash ? hash.digest("hex") !== payload.sha1 : mismatchAt >= 0,
      cpuMs,
      peakRss: gateway.memory().peak,
      frames,
      discarded: client.discarded,
    };
    await client.close();
    return sample;
  } finally {
    await gateway.close();
  }
}

/** The ceilings: node-pty read directly in a Node process of its own, and a plain PTY read loop in Python. */
export async function ceilingThroughput(payload: Payload, reader: "node-pty" | "python"): Promise<ThroughputSample> {
  const root = packageRoot();
  const [file, args] =
    reader === "node-pty"
      ? [process.execPath, [path.join(root, "dist/bench/node-pty-read.js"), payload.file]]
      : ["python3", [path.join(root, "bench/pty-read.py"), streamScript(payload.file)]];
  const { stdout } = await run(file, args, { cwd: root, timeout: 600_000 });
  const result = JSON.parse(stdout.trim().split("\n").pop()!) as { bytes: number; ms: number; cpuMs: number };
  return {
    mbps: result.bytes / MB / (result.ms / 1000),
    ms: result.ms,
    bytes: result.bytes,
    lost: payload.streamBytes - result.bytes,
    // The ceilings count bytes without hashing them, so they stay the upper bound.
    corrupt: false,
    cpuMs: result.cpuMs,
  };
}
