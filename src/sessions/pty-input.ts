import { writeSync } from "node:fs";

/** Input waiting for a program that does not read it is capped: past this, input is refused. */
export const MAX_QUEUED_INPUT = 4 * 1024 * 1024;
/** How soon to try again when the PTY's input buffer is full. */
const RETRY_MS = 1;

export interface PtyInputOptions {
  /** The PTY master, non-blocking (node-pty opens it so). */
  readonly fd: number;
  /** A write failed for another reason than a full buffer (the PTY is gone); queued input is dropped. */
  readonly onError: (error: Error) => void;
}

/**
 * A terminal's input, written straight to the PTY master from the event loop. node-pty writes through
 * fs.write, a round trip through libuv's thread pool for every keystroke, which also queues behind any file
 * work in that pool (four threads, shared with DNS and zlib): that hop was most of a keystroke's echo time.
 * A write that does not fit (a large paste into a program that reads slowly) keeps its rest, in order, and
 * tries again shortly; nothing blocks, since the descriptor is non-blocking.
 */
export class PtyInput {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: PtyInputOptions) {}

  /** Writes the input (UTF-8); false when refused because MAX_QUEUED_INPUT is already waiting. */
  write(data: string): boolean {
    if (this.closed) return true;
    const bytes = Buffer.from(data, "utf8");
    if (bytes.length === 0) return true;
    if (this.queue.length > 0) {
      if (this.queued + bytes.length > MAX_QUEUED_INPUT) return false;
      this.enqueue(bytes);
      return true;
    }
    const rest = this.tryWrite(bytes);
    if (rest) this.enqueue(rest);
    return true;
  }

  /** Drops queued input and stops retrying. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.retry = undefined;
    this.queue.length = 0;
    this.queued = 0;
  }

  /** Writes what fits; returns the rest, or undefined when all was written (or the write failed). */
  private tryWrite(bytes: Buffer): Buffer | undefined {
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(this.options.fd, bytes, offset);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") return bytes.subarray(offset);
      this.options.onError(error as Error);
      this.close();
      return undefined;
    }
  }

  private enqueue(bytes: Buffer): void {
    this.queue.push(bytes);
    this.queued += bytes.length;
    this.retry ??= setTimeout(this.drain, RETRY_MS);
  }

  private readonly drain = (): void => {
    this.retry = undefined;
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0]!;
      const rest = this.tryWrite(head);
      if (this.closed) return;
      if (rest) {
        this.queued -= head.length - rest.length;
        this.queue[0] = rest;
        this.retry = setTimeout(this.drain, RETRY_MS);
        return;
      }
      this.queue.shift();
      this.queued -= head.length;
    }
  };
}
