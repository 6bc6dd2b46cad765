/**
 * The flooding half of the load test, on a thread of its own: its clients acknowledge and check every line of
 * the flood, and that work must not delay the event loop that times the other sessions' keystrokes.
 * workerData {url, ids}; "start" makes each session flood numbered lines, "stop" interrupts them and answers
 * [{next, bad}] per session.
 */
import { parentPort, workerData } from "node:worker_threads";
import { TerminalClient } from "../helpers/gateway.js";

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

const { url, ids } = workerData as { url: string; ids: string[] };
const clients = await Promise.all(
  // No text kept: minutes of flood would fill the heap.
  ids.map((id) => TerminalClient.open(`${url.replace(/^http/, "ws")}/api/sessions/${id}/ws`, { keepText: false })),
);
await Promise.all(clients.map((client) => client.waitForEvent("restored")));
const checkers = clients.map((client) => {
  const checker = new SequenceChecker();
  client.ws.on("message", (data, isBinary) => isBinary && checker.feed(String(data)));
  return checker;
});

parentPort!.on("message", async (message: string) => {
  if (message === "start") {
    for (const client of clients) client.input(`awk 'BEGIN { for (i = 0; ; i++) print "L" i }'\r`);
  } else if (message === "stop") {
    for (const client of clients) client.input("\x03");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    parentPort!.postMessage(checkers.map(({ next, bad }) => ({ next, bad })));
    for (const client of clients) client.close();
    parentPort!.close();
  }
});
parentPort!.postMessage("ready");
