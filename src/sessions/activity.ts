import { StreamScanner, type StreamSignal } from "./stream-scanner.js";

/** What a session's program is doing, as the gateway sees it from its output. */
export type ActivityState = "working" | "needs-input" | "idle" | "exited";

/** A session's activity as the API and the events channel show it. */
export interface ActivityInfo {
  readonly state: ActivityState;
  /** When it entered the state (ISO 8601). */
  readonly since: string;
  /** The program's own words when it asked for attention (OSC 9/777/99 text); absent for a bare BEL. */
  readonly message?: string;
  /** The window title the program set (OSC 0/2); absent until it sets one. */
  readonly programTitle?: string;
}

/**
 * Input the terminal emulator sends by itself, not the user: focus in/out (CSI I, CSI O), cursor position and
 * device attribute reports, OSC and DCS replies. Switching tabs sends a focus report; it answers nothing.
 */
// eslint-disable-next-line no-control-regex
const TERMINAL_REPORT = /^(?:\x1b\[[IO]|\x1b\[[?>=]?[\d;$]*[Rcnyt]|\x1b[\]P_][^]*)+$/;

/** Quiet for this long after output, a working session is idle (an agent's spinner redraws every ~100 ms). */
export const IDLE_AFTER_MS = 1500;

export interface ActivityOptions {
  /** Called on each change of state, message or title. */
  readonly onChange: (info: ActivityInfo) => void;
  readonly idleAfterMs?: number;
  readonly now?: () => number;
}

/**
 * One session's activity: output makes it `working`, quiet makes it `idle`, a bell or a desktop
 * notification makes it `needs-input` until the user types, the end of the process makes it `exited`.
 * output() runs on every chunk: it records a time and lets the scanner look; the idle check is one timer
 * per quiet period, not one per chunk.
 */
export class Activity {
  private state: ActivityState = "idle";
  private since: number;
  private message: string | undefined;
  private programTitle: string | undefined;
  private lastOutput = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly scanner = new StreamScanner((signal) => this.onSignal(signal));
  private readonly idleAfterMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ActivityOptions) {
    this.idleAfterMs = options.idleAfterMs ?? IDLE_AFTER_MS;
    this.now = options.now ?? Date.now;
    this.since = this.now();
  }

  info(): ActivityInfo {
    return {
      state: this.state,
      since: new Date(this.since).toISOString(),
      ...(this.message !== undefined ? { message: this.message } : {}),
      ...(this.programTitle !== undefined ? { programTitle: this.programTitle } : {}),
    };
  }

  /** A chunk of the program's output. */
  output(chunk: Buffer): void {
    if (this.state === "exited") return;
    this.lastOutput = this.now();
    this.scanner.scan(chunk);
    if (this.state === "idle") this.enter("working");
    if (this.state === "working" && this.idleTimer === undefined) this.armIdle(this.idleAfterMs);
  }

  /** The client sent input: when the user typed it, an answered request for attention is over. */
  input(data: string): void {
    if (this.state === "needs-input" && !TERMINAL_REPORT.test(data)) this.enter("idle");
  }

  exited(): void {
    this.clearIdle();
    if (this.state !== "exited") this.enter("exited");
  }

  dispose(): void {
    this.clearIdle();
  }

  private onSignal(signal: StreamSignal): void {
    if (signal.kind === "title") {
      if (signal.text === this.programTitle) return;
      this.programTitle = signal.text || undefined;
      this.options.onChange(this.info());
      return;
    }
    this.clearIdle();
    const text = signal.kind === "notify" && signal.text ? signal.text : undefined;
    // A bare bell after a notification keeps the notification's words.
    this.enter("needs-input", text ?? (this.state === "needs-input" ? this.message : undefined));
  }

  private enter(state: ActivityState, message?: string): void {
    if (state === this.state && message === this.message) return;
    // A second bell while already waiting keeps the first time (the agent has been waiting since then).
    if (state !== this.state) this.since = this.now();
    this.state = state;
    this.message = message;
    this.options.onChange(this.info());
  }

  private armIdle(ms: number): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.state !== "working") return;
      const quiet = this.now() - this.lastOutput;
      if (quiet >= this.idleAfterMs) this.enter("idle");
      else this.armIdle(this.idleAfterMs - quiet);
    }, ms);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
