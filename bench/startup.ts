import { startGatewayProcess, type GatewayProcess, type GatewayProcessOptions } from "./gateway-process.js";
import { lineText, type Payload } from "./payload.js";
import { BenchClient } from "./terminal-client.js";

/** Milliseconds from running `npm start` (its prestart build included) to a 200 from /healthz. */
export async function npmStartMs(base: GatewayProcessOptions): Promise<number> {
  const gateway = await startGatewayProcess({ ...base, command: ["npm", "start", "--silent"] });
  await gateway.close();
  return gateway.startMs;
}

/** Milliseconds from POST /api/sessions to a shell prompt on an attached client. */
export async function promptMs(gateway: GatewayProcess): Promise<number> {
  const startAt = performance.now();
  const id = await gateway.createSession("shell");
  const client = await BenchClient.open(gateway.url, id, { ack: "receive" });
  let text = client.unwatched;
  client.onChunk = (chunk) => (text += chunk.toString("latin1"));
  // The prompt ends in "$ " or "# ", maybe followed by cursor moves and mode switches (bracketed paste on).
  const prompt = () => /[$#] $/.test(text.replace(/\x1b\[[?\d;]*[a-zA-Z]|\r/g, ""));
  await client.until(prompt, 30_000, "a shell prompt");
  const ms = performance.now() - startAt;
  await client.close();
  await gateway.api("DELETE", `/api/sessions/${id}`, undefined, 204);
  return ms;
}

/**
 * Re-attach times in milliseconds for a session holding the payload's lines in its scrollback: from opening
 * the WebSocket to the restored event, with its last line and one 9,000 lines before it checked on each restored screen.
 */
export async function reattachMs(gateway: GatewayProcess, payload: Payload, times: number): Promise<number[]> {
  const id = await gateway.createSession("bench-lines10k");
  const first = await BenchClient.open(gateway.url, id, { ack: "receive" });
  let seen = first.unwatched;
  first.onChunk = (chunk) => (seen = (seen + chunk.toString("latin1")).slice(-200_000));
  await first.until(() => seen.includes(payload.lastLine), 60_000, "the last line");
  await first.close();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const startAt = performance.now();
    const client = await BenchClient.open(gateway.url, id, { ack: "receive" });
    let text = client.unwatched;
    client.onChunk = (chunk) => (text += chunk.toString("latin1"));
    await client.restored();
    samples.push(performance.now() - startAt);
    if (!text.includes(payload.lastLine) || !text.includes(lineText(Math.max(1, payload.lines - 9_000)))) {
      throw new Error("re-attach: the restored screen lacks the scrollback's first or last line");
    }
    await client.close();
  }
  await gateway.api("DELETE", `/api/sessions/${id}`, undefined, 204);
  return samples;
}
