import type { GatewayProcess } from "./gateway-process.js";
import { BenchClient } from "./terminal-client.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS once it has settled: the lowest of a few readings a little apart (a GC may just have run or not). */
async function settledRss(gateway: GatewayProcess): Promise<number> {
  let low = Infinity;
  for (let i = 0; i < 5; i++) {
    await sleep(200);
    low = Math.min(low, gateway.memory().rss);
  }
  return low;
}

/**
 * Gateway memory per session: RSS before and after opening `count` sessions of an agent, each attached and
 * detached once (a tab viewed, then left), divided by the count. `expect`, when given, must be on each
 * restored screen: it proves the scrollback was there to be measured.
 */
export async function memoryPerSession(
  gateway: GatewayProcess,
  options: { agent: string; count: number; expect?: string },
): Promise<{ perSession: number; total: number; ids: string[] }> {
  const before = await settledRss(gateway);
  const ids: string[] = [];
  for (let i = 0; i < options.count; i++) ids.push(await gateway.createSession(options.agent));
  // Let every program print its output and every shell reach its prompt.
  await sleep(1000);
  for (const id of ids) {
    const client = await BenchClient.open(gateway.url, id, { ack: "receive" });
    let text = "";
    client.onChunk = (chunk) => (text += chunk.toString("latin1"));
    await client.restored();
    if (options.expect && !text.includes(options.expect)) {
      throw new Error(`session ${id}: "${options.expect}" is not on the restored screen`);
    }
    await client.close();
  }
  const after = await settledRss(gateway);
  return { perSession: (after - before) / options.count, total: after, ids };
}
