// Typing before streaming (issue 20): while the owner types in one session, a session streaming output beside
// it pauses its PTY for YIELD_MS after every YIELD_BYTES read, which leaves the two CPUs to the keystroke's
// echo. Measured under a neighbour's `yes` flood (echo-compare.js --flood, 3 x 3 runs): echo p50 0.23-0.27 to
// 0.16-0.18 ms, p99 1.6-1.9 to 1.1-1.3 ms; the flood 46-49 to 40-47 MB/s, still above ttyd's 37-41. Pausing
// every 32 KiB, or for 2 ms, took the flood under ttyd's pace for no better p99.
/** A streaming session yields after every this many bytes read... */
export const YIELD_BYTES = 64 * 1024;
/** ...for this long... */
export const YIELD_MS = 1;
/** ...while another session had input this recently. */
export const TYPING_MS = 1000;

/**
 * One gateway's sessions as the priority sees them: which one was typed into last and when. Sessions are
 * opaque keys here; the last one typed into is held until another is (one reference, not a list).
 */
export class TypingPriority {
  private typedInto: object | undefined;
  private typedAt = -Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** `session` got input from a client. */
  input(session: object): void {
    this.typedInto = session;
    this.typedAt = this.now();
  }

  /** Whether another session than `session` was typed into in the last TYPING_MS. */
  typingElsewhere(session: object): boolean {
    return this.typedInto !== undefined && this.typedInto !== session && this.now() - this.typedAt < TYPING_MS;
  }
}
