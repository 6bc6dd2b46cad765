/**
 * The raw output of a session, kept for screen restore. Appending is the only work on the hot path; the
 * screen is rebuilt from these bytes by a headless xterm only when a client attaches (see screen.ts), which
 * keeps throughput and idle memory where a mirror fed inline would halve one and multiply the other.
 *
 * Old chunks fall off the front once the ring is full. The private modes they set (alternate screen,
 * application cursor keys, bracketed paste, mouse reporting) are tracked as they fall off, so a restore
 * still puts the terminal in the right mode.
 */

/** Private modes whose state outlives the bytes that set them. Value: the mode's default. */
const TRACKED_MODES: ReadonlyMap<number, boolean> = new Map([
  [1, false], // application cursor keys
  [25, true], // cursor visible
  [47, false], // alternate screen (old form)
  [1047, false], // alternate screen
  [1049, false], // alternate screen, saving the cursor
  [1000, false], // mouse: click
  [1002, false], // mouse: drag
  [1003, false], // mouse: any motion
  [1006, false], // mouse: SGR encoding
  [2004, false], // bracketed paste
]);

// eslint-disable-next-line no-control-regex
const DECSET = /\x1b\[\?([\d;]+)([hl])/g;

export class Scrollback {
  private chunks: Buffer[] = [];
  private head = 0;
  private size = 0;
  /** The kept output starts mid-line: the last evicted chunk did not end with a newline. */
  private startsMidLine = false;
  private readonly modes = new Map<number, boolean>();
  /** The tail of the last evicted chunk: a mode sequence may straddle two chunks. */
  private evictedTail = "";

  constructor(private readonly capacity: number) {}

  /** Bytes held. */
  get byteLength(): number {
    return this.size;
  }

  /** Keeps a chunk of output; the caller must not modify it afterwards. */
  append(chunk: Buffer): void {
    if (this.capacity === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.capacity && this.chunks.length - this.head > 1) this.evict();
  }

  /**
   * The bytes to replay into a fresh terminal: a prefix restoring the modes of evicted output, then the kept
   * output from the first line boundary when the start was cut off.
   */
  snapshot(): Buffer[] {
    const kept = this.chunks.slice(this.head);
    if (this.startsMidLine && kept.length > 0) {
      const first = kept[0]!;
      const newline = first.indexOf(0x0a);
      kept[0] = newline >= 0 ? first.subarray(newline + 1) : first.subarray(first.length);
    }
    const prefix = this.modePrefix();
    return prefix ? [Buffer.from(prefix, "latin1"), ...kept] : kept;
  }

  private evict(): void {
    const chunk = this.chunks[this.head]!;
    this.chunks[this.head] = EMPTY;
    this.head++;
    this.size -= chunk.length;
    this.startsMidLine = chunk.length > 0 && chunk[chunk.length - 1] !== 0x0a;
    // Compact the array now and then rather than shifting it on every eviction.
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    if (chunk.includes(ESC_BRACKET_QUESTION) || this.evictedTail) this.trackModes(chunk);
  }

  private trackModes(chunk: Buffer): void {
    const text = this.evictedTail + chunk.toString("latin1");
    for (const match of text.matchAll(DECSET)) {
      const on = match[2] === "h";
      for (const param of match[1]!.split(";")) {
        const mode = Number(param);
        if (TRACKED_MODES.has(mode)) this.modes.set(mode, on);
      }
    }
    const lastEsc = text.lastIndexOf("\x1b");
    this.evictedTail = lastEsc >= 0 && text.length - lastEsc < 32 && !/[hl]/.test(text.slice(lastEsc + 3)) ? text.slice(lastEsc) : "";
  }

  private modePrefix(): string {
    let prefix = "";
    for (const [mode, on] of this.modes) {
      if (on !== TRACKED_MODES.get(mode)) prefix += `\x1b[?${mode}${on ? "h" : "l"}`;
    }
    return prefix;
  }
}

const EMPTY = Buffer.alloc(0);
const ESC_BRACKET_QUESTION = Buffer.from("\x1b[?", "latin1");
