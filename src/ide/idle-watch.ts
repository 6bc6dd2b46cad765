/**
 * Tells when the IDE has been idle for a period: activity is a proxied request or an open WebSocket (a window
 * that is open counts, like code-server's own heartbeat); health checks never count.
 */
export class IdleWatch {
  private lastActivity = Date.now();
  private openSockets = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: () => void,
  ) {}

  /** Something used the IDE now. */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /** A WebSocket opened: in use until the returned function is called (once). */
  socketOpened(): () => void {
    this.openSockets++;
    this.touch();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.openSockets--;
      this.touch();
    };
  }

  /** Starts watching (again) from now. */
  start(): void {
    this.stop();
    this.touch();
    // Check a few times per period so the stop comes at most a quarter period late.
    const every = Math.max(250, Math.min(this.idleMs / 4, 30_000));
    this.timer = setInterval(() => {
      if (this.openSockets > 0) this.touch();
      if (Date.now() - this.lastActivity >= this.idleMs) {
        this.stop();
        this.onIdle();
      }
    }, every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
