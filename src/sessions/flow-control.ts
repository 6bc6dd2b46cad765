/**
 * Ack-based flow control for one client, after VS Code's PTY host: unacknowledged output bytes are counted,
 * the PTY pauses above the high watermark and resumes below the low one. The window is wider than VS Code's
 * (100k chars cost 40% throughput here): 1 MiB / 256 KiB keeps full speed and never overruns xterm.js.
 */
export const HIGH_WATERMARK = 1024 * 1024;
export const LOW_WATERMARK = 256 * 1024;

/** One client's count of unacknowledged bytes; PauseGate (pause-gate.ts) acts on its crossings. */
export class FlowControl {
  private unacked = 0;

  constructor(
    readonly high = HIGH_WATERMARK,
    readonly low = LOW_WATERMARK,
  ) {}

  /** Bytes sent and not yet acknowledged. */
  get pending(): number {
    return this.unacked;
  }

  /** True above the high watermark. */
  get blocked(): boolean {
    return this.unacked > this.high;
  }

  /** True at or below the low watermark: this client does not keep a paused PTY paused. */
  get drained(): boolean {
    return this.unacked <= this.low;
  }

  /** Counts bytes sent; returns true when this send crossed the high watermark. */
  sent(bytes: number): boolean {
    const wasBlocked = this.blocked;
    this.unacked += bytes;
    return !wasBlocked && this.blocked;
  }

  /** Counts bytes the client acknowledged (clamped at 0); returns true when the count fell to the low watermark. */
  acked(bytes: number): boolean {
    const before = this.unacked;
    this.unacked = Math.max(0, this.unacked - bytes);
    return before > this.low && this.unacked <= this.low;
  }
}
