import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HIGH_WATERMARK } from "../../src/sessions/flow-control.js";
import { MAX_BATCH_BYTES } from "../../src/sessions/output-batcher.js";
import { isAlive } from "../../src/sessions/process-tree.js";
import { startGateway, type TerminalClient, type TestGateway } from "../helpers/gateway.js";
import { until } from "../helpers/until.js";

// The real pause and resume (pause-gate.ts) through a real gateway, PTY and producer. A client that does not
// acknowledge stops the stream near the window: the gateway stops reading, the PTY's small kernel buffer
// fills, and the producer blocks in write(), which /proc/<pid>/io shows as a write count that stands still.

/** `seq 1 N` sends about 2.9 MiB through the PTY (digits and "\r\n"): nearly three windows. */
const N = 400_000;
/** Sent past the window before the pause takes hold: the frame that crossed it and one gathered meanwhile. */
const OVERSHOOT = 2 * MAX_BATCH_BYTES + 64 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("flow control through a real session", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startGateway();
  });
  afterEach(async () => {
    await gw.dispose();
  });

  /** A session whose process becomes `command` (exec), so that the session's pid is the producer's. */
  async function produce(command: string, ...clients: Array<{ ack: boolean }>): Promise<{ pid: number; clients: TerminalClient[] }> {
    const id = await gw.createSession();
    const connected: TerminalClient[] = [];
    for (const options of clients) connected.push(await gw.connect(id, options));
    await Promise.all(connected.map((client) => client.waitForEvent("restored")));
    const pid = (await gw.api("GET", "/api/sessions")).body.find((s: { id: string }) => s.id === id).pid as number;
    connected[0]!.input(`exec ${command}\r`);
    return { pid, clients: connected };
  }

  it("a client that does not acknowledge stops the producer at the window; its acks let the rest through, every line once", async () => {
    const { pid, clients } = await produce(`seq 1 ${N}`, { ack: false });
    const client = clients[0]!;
    await client.until(() => client.received > HIGH_WATERMARK, "the first window", 30_000);
    const held = await stalled(pid, [client]);
    expect(isAlive(pid), "the producer still runs, blocked").toBe(true);
    expect(held.received[0]).toBeGreaterThan(HIGH_WATERMARK);
    expect(held.received[0]).toBeLessThan(HIGH_WATERMARK + OVERSHOOT);

    // Acknowledging what arrived, as the page does, resumes it to the end.
    let acked = 0;
    const acker = setInterval(() => {
      const received = client.received;
      if (received > acked) client.send({ type: "ack", bytes: received - acked });
      acked = received;
    }, 5);
    try {
      expect((await client.waitForEvent("exit", 60_000)).code).toBe(0);
    } finally {
      clearInterval(acker);
    }
    expectRun(seqNumbers(client.text), N);
  }, 120_000);

  it("one slow client holds every client of the session; when it detaches the others get the rest, every line once", async () => {
    const { pid, clients } = await produce(`seq 1 ${N}`, { ack: true }, { ack: false });
    const [fast, slow] = clients as [TerminalClient, TerminalClient];
    await slow.until(() => slow.received > HIGH_WATERMARK, "the first window", 30_000);
    const held = await stalled(pid, [fast, slow]);
    expect(isAlive(pid)).toBe(true);
    expect(held.received[0]).toBeLessThan(HIGH_WATERMARK + OVERSHOOT);
    expect(held.received[1]).toBeLessThan(HIGH_WATERMARK + OVERSHOOT);

    slow.close();
    expect((await fast.waitForEvent("exit", 60_000)).code).toBe(0);
    expectRun(seqNumbers(fast.text), N);
    // What the slow one got before it left is the start of the same stream, nothing skipped.
    const prefix = seqNumbers(slow.text);
    expect(prefix.length).toBeGreaterThan(100_000);
    expectRun(prefix, prefix.length);
  }, 120_000);

  it("a program that exits while its output is held back loses none of it", async () => {
    // Lines of 10 bytes on the wire: quickly up to 128 KiB below the window, then 4 KB every 30 ms (a frame
    // each) until 8 KiB past it; all but the last few KB go out before the pause, and those fit the PTY's
    // buffer, so the program finishes writing while paused. It exits when the test says so.
    const fast = Math.floor((HIGH_WATERMARK - 128 * 1024) / 10);
    const total = Math.ceil((HIGH_WATERMARK + 8 * 1024) / 10);
    const flag = path.join(gw.home, "exit-now");
    const script = path.join(gw.home, "producer.py");
    writeFileSync(script, PRODUCER);
    const { pid, clients } = await produce(`python3 ${script} ${flag} ${fast} ${total}`, { ack: false });
    const client = clients[0]!;
    // Its count includes what the shell wrote before the exec (the prompt): less than one of its writes.
    await until(() => written(pid) >= total * 9, () => `the producer's last line (wrote ${written(pid)} of ${total * 9})`, 30_000);
    const held = await stalled(pid, [client]);
    expect(isAlive(pid)).toBe(true);
    expect(held.received[0], "output held back").toBeLessThan(total * 10);

    writeFileSync(flag, "");
    await client.waitForEvent("exit", 20_000);
    expectRun(printed(client.text, /^L(\d{7})$/), total);
  }, 90_000);
});

/** Writes numbered lines: `fast` of them at once, the rest paced; then waits for the flag file and exits. */
const PRODUCER = `
import os, sys, time
flag, fast, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def write(a, b):
    data = b"".join(b"L%07d\\n" % i for i in range(a, b + 1))
    while data:
        data = data[os.write(1, data):]
write(1, fast)
time.sleep(0.1)
i = fast + 1
while i <= total:
    j = min(total, i + 399)
    write(i, j)
    i = j + 1
    time.sleep(0.03)
while not os.path.exists(flag):
    time.sleep(0.01)
`;

/** Bytes the process has written so far (0 once it is gone). */
function written(pid: number): number {
  try {
    return Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1]);
  } catch {
    return 0;
  }
}

/**
 * Waits until neither what the clients received nor what the producer wrote grows for half a second, and
 * returns the figures: the stream is held.
 */
async function stalled(pid: number, clients: TerminalClient[]): Promise<{ received: number[]; wrote: number }> {
  const sample = () => ({ received: clients.map((c) => c.received), wrote: written(pid) });
  const end = Date.now() + 30_000;
  let last = sample();
  for (;;) {
    await sleep(500);
    const now = sample();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    if (Date.now() > end) throw new Error(`the stream did not stop: ${JSON.stringify(last)} then ${JSON.stringify(now)}`);
    last = now;
  }
}

/** The numbers `seq` printed, in the order they arrived. */
function seqNumbers(text: string): number[] {
  return printed(text, /^(\d+)$/);
}

/**
 * The number in each whole line that matches `pattern`, as the terminal shows the line (after its last "\r");
 * a line still unfinished at the end is left out.
 */
function printed(text: string, pattern: RegExp): number[] {
  const numbers: number[] = [];
  for (const line of text.split("\r\n").slice(0, -1)) {
    // Bash ends bracketed paste with "\x1b[?2004l\r" before the program's first line.
    const match = pattern.exec(line.slice(line.lastIndexOf("\r") + 1));
    if (match) numbers.push(Number(match[1]));
  }
  return numbers;
}

/** Expects exactly 1, 2, ..., count: nothing lost, repeated or out of order. */
function expectRun(numbers: number[], count: number): void {
  const wrong = numbers.findIndex((n, i) => n !== i + 1);
  expect(wrong, wrong >= 0 ? `line ${wrong}: ${numbers[wrong]} after ${numbers[wrong - 1]}` : "").toBe(-1);
  expect(numbers.length).toBe(count);
}
