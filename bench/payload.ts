import { createHash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";

/** A file of deterministic text lines and what a client must receive when a PTY prints it. */
export interface Payload {
  readonly file: string;
  readonly lines: number;
  /** Bytes through a PTY: its line discipline turns each "\n" into "\r\n" (onlcr). */
  readonly streamBytes: number;
  /** SHA-1 of those bytes, hex. */
  readonly sha1: string;
  /** Those bytes themselves, when asked for: a client compares what it receives against them. */
  readonly stream?: Buffer;
  /** The last line's text, to look for on a restored screen. */
  readonly lastLine: string;
}

/** Fits an 80-column terminal: 79 characters and the newline. */
const LINE_CHARS = 79;
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_=+()[]{}<>/";

/** The text of line n (no newline): its number, then characters that differ from line to line. */
export function lineText(n: number): string {
  return `${String(n).padStart(10, "0")} ${BODIES[n % ALPHABET.length]}`;
}

/** The body of a line repeats every ALPHABET.length lines: computed once. */
const BODIES = Array.from({ length: ALPHABET.length }, (_, n) => {
  let body = "";
  for (let i = 11; i < LINE_CHARS; i++) body += ALPHABET[(n * 7 + i * 13) % ALPHABET.length];
  return body;
});

/** Writes a payload of at least `bytes` (whole lines) or exactly `lines` lines to a file; `keep` keeps its stream. */
export function writePayload(file: string, size: { bytes: number } | { lines: number }, keep = false): Payload {
  const lines = "lines" in size ? size.lines : Math.ceil(size.bytes / (LINE_CHARS + 1));
  const hash = createHash("sha1");
  const fd = openSync(file, "w");
  let streamBytes = 0;
  const kept: Buffer[] = [];
  try {
    let text = "";
    let stream = "";
    for (let n = 1; n <= lines; n++) {
      const line = lineText(n);
      text += line + "\n";
      stream += line + "\r\n";
      if (text.length >= 1 << 20 || n === lines) {
        writeSync(fd, text, null, "latin1");
        hash.update(stream, "latin1");
        if (keep) kept.push(Buffer.from(stream, "latin1"));
        streamBytes += stream.length;
        text = stream = "";
      }
    }
  } finally {
    closeSync(fd);
  }
  const stream = keep ? Buffer.concat(kept, streamBytes) : undefined;
  return { file, lines, streamBytes, sha1: hash.digest("hex"), lastLine: lineText(lines), ...(stream ? { stream } : {}) };
}
