/**
 * The neighbour that floods: a fast client on its own thread, so draining the flood does not delay the
 * event loop that times the keystrokes. Posts {bytes} when asked with "count"; closes on "stop".
 */
import { parentPort, workerData } from "node:worker_threads";
import { BenchClient } from "./terminal-client.js";

const { url, id } = workerData as { url: string; id: string };
const client = await BenchClient.open(url, id, { ack: "receive" });
parentPort!.on("message", async (message: string) => {
  if (message === "count") parentPort!.postMessage({ bytes: client.consumed });
  if (message === "stop") {
    await client.close();
    parentPort!.close();
  }
});
parentPort!.postMessage({ ready: true });
