import { lineText } from "./payload.js";
import type { BenchAgent } from "./gateway-process.js";

// The programs the bench runs in terminals, as /bin/sh scripts. Each says READY once its terminal is set up,
// so a client knows every later byte is the program's output, not an echo or a prompt.

/** Printed once a program is ready; the bench waits for it before it measures. */
export const READY = "BENCH-READY";

/** Echo off, READY, wait for Enter, then print the file: every byte after Enter is the file's. */
export function streamScript(file: string): string {
  return `stty -echo; printf ${READY}; read x; exec cat ${quote(file)}`;
}

/** Raw mode, READY, then cat echoes every keystroke back itself (as a shell's line editor does). */
export function echoScript(): string {
  return `stty raw -echo; printf ${READY}; exec cat`;
}

/** Output without end: a neighbour's flood. */
export function floodScript(): string {
  return `exec yes ${quote(lineText(1))}`;
}

/** After Enter, floods until Ctrl-C, then prints the marker and exits. */
export function interruptScript(marker: string): string {
  return `trap 'printf "\\r\\n${marker}\\r\\n"; exit 130' INT; stty -echo; printf ${READY}; read x; yes ${quote(lineText(2))}`;
}

/** The agents the bench adds to each gateway's catalogue. */
export function benchAgents(files: { stream: string; lines1k: string; lines10k: string }, marker: string): BenchAgent[] {
  const sh = (id: string, script: string): BenchAgent => ({ id, command: "/bin/sh", args: ["-c", script] });
  return [
    sh("bench-stream", streamScript(files.stream)),
    sh("bench-echo", echoScript()),
    sh("bench-flood", floodScript()),
    sh("bench-interrupt", interruptScript(marker)),
    sh("bench-lines1k", `exec cat ${quote(files.lines1k)}`),
    sh("bench-lines10k", `exec cat ${quote(files.lines10k)}`),
  ];
}

function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
