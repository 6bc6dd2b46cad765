// Microbenchmark of the stream scanner (src/sessions/stream-scanner.ts) against the gateway's stream rate:
// how long it spends per MB of output of three kinds, in 4 KiB reads (what a PTY hands out) and 64 KiB reads.
// Run: npx tsx bench/scanner.ts
import { Activity } from "../src/sessions/activity.js";

const MB = 1024 * 1024;
const TOTAL = 256 * MB;

function payload(kind: string): Buffer {
  const line =
    kind === "plain"
      ? "the quick brown fox jumps over the lazy dog 0123456789 lorem ipsum dolor sit amet\r\n"
      : kind === "colour"
        ? "\x1b[38;5;203mred\x1b[0m \x1b[1mbold\x1b[22m \x1b[2K\x1b[12;4H\x1b[38;2;10;20;30mtruecolour\x1b[0m text\r\n"
        : "see \x1b]8;;https://example.com/a\x1b\\a link\x1b]8;;\x1b\\ and \x1b]0;✳ title\x07 more text here\r\n";
  return Buffer.from(line.repeat(Math.ceil((64 * 1024) / line.length)).slice(0, 64 * 1024), "latin1");
}

function run(kind: string, readBytes: number): number {
  const block = payload(kind);
  const reads: Buffer[] = [];
  for (let at = 0; at < block.length; at += readBytes) reads.push(block.subarray(at, at + readBytes));
  const activity = new Activity({ onChange: () => {} });
  const rounds = TOTAL / block.length;
  for (let r = 0; r < 64; r++) for (const read of reads) activity.output(read); // warm-up
  const started = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const read of reads) activity.output(read);
  const ns = Number(process.hrtime.bigint() - started);
  activity.dispose();
  return ns / 1e6 / (TOTAL / MB); // ms per MB
}

for (const kind of ["plain", "colour", "osc-heavy"]) {
  for (const read of [4096, 65536]) {
    const msPerMb = run(kind, read);
    console.log(`${kind.padEnd(9)} reads of ${String(read).padStart(5)} B: ${msPerMb.toFixed(3)} ms/MB (${(1000 / msPerMb).toFixed(0)} MB/s)`);
  }
}
