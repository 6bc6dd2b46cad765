import type { GatewayProcess } from "./gateway-process.js";
import { BenchClient } from "./terminal-client.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS once it has settled: the lowest of a few readings a little apart. */
async function settledRss(gateway: GatewayProcess): Promise<number> {
  let low = Infinity;
  for (let i = 0; i < 5; i++) {
    await sleep(200);
    low = Math.min(low, gateway.memory().rss);
  }
  return low;
}

/** Attaches a client, waits for the restored screen, checks it holds `expect`, detaches. */
async function view(gateway: GatewayProcess, id: string, expect?: string): Promise<void> {
  const client = await BenchClient.open(gateway.url, id, { ack: "receive" });
  let text = client.unwatched;
  client.onChunk = (chunk) => (text += chunk.toString("latin1"));
  await client.restored();
  await client.close();
  if (expect && !text.includes(expect)) throw new Error(`session ${id}: "${expect}" is not on the restored screen`);
}

/** What sessions cost the gateway, in bytes of RSS per session. */
export interface SessionMemory {
  /** Kept per session while no client is attached. */
  readonly perSession: number;
  /** After every session was attached once and detached: the restores' garbage, which V8 keeps for a while. */
  readonly perSessionViewed: number;
  /** Gateway RSS with all of them open. */
  readonly total: number;
}

/**
 * Gateway memory per session: RSS before and after opening `count` sessions of an agent, divided by the
 * count. One session is opened, viewed and closed first, so that code and caches warm up outside the
 * measurement. Each session is then viewed once: `expect`, when given, must be on each restored screen (it
 * proves the scrollback was there to be measured).
 */
export async function memoryPerSession(
  gateway: GatewayProcess,
  options: { agent: string; count: number; expect?: string },
): Promise<SessionMemory> {
  const warm = await gateway.createSession(options.agent);
  await sleep(500);
  await view(gateway, warm, options.expect);
  await gateway.api("DELETE", `/api/sessions/${warm}`, undefined, 204);
  const before = await settledRss(gateway);
  const ids: string[] = [];
  for (let i = 0; i < options.count; i++) ids.push(await gateway.createSession(options.agent));
  // Let every program print its output and every shell reach its prompt.
  await sleep(1000);
  const opened = await settledRss(gateway);
  for (const id of ids) await view(gateway, id, options.expect);
  const viewed = await settledRss(gateway);
  return { perSession: (opened - before) / options.count, perSessionViewed: (viewed - before) / options.count, total: viewed };
}
