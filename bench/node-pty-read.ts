/**
 * Ceiling: node-pty read directly, in a process of its own, no WebSocket. Runs the same stream script as the
 * gateway's session, sends Enter after READY, and counts the bytes that follow until the PTY closes.
 * Usage: node node-pty-read.js <file>; prints {"bytes","ms","cpuMs"} as JSON.
 */
import * as pty from "@lydell/node-pty";
import { READY, streamScript } from "./programs.js";

const file = process.argv[2];
if (!file) throw new Error("usage: node-pty-read.js <file>");
const term = pty.spawn("/bin/sh", ["-c", streamScript(file)], { name: "xterm-256color", cols: 80, rows: 24, encoding: null });
let started = 0;
let startCpu = 0;
let bytes = 0;
let lastAt = 0;
let head = "";
term.onData((data) => {
  const chunk = data as unknown as Buffer;
  if (started === 0) {
    head += chunk.toString("latin1");
    if (head.includes(READY)) {
      started = performance.now();
      startCpu = cpuMs();
      term.write("\r");
    }
    return;
  }
  bytes += chunk.length;
  lastAt = performance.now();
});
// node-pty may deliver data after the exit event (its issue #72): give it time before counting.
term.onExit(() => {
  setTimeout(() => process.stdout.write(JSON.stringify({ bytes, ms: lastAt - started, cpuMs: cpuMs() - startCpu }) + "\n"), 500);
});

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
