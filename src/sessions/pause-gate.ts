import type { FlowControl } from "./flow-control.js";
import { isAlive } from "./process-tree.js";

// Server memory guard beside the ack window: a client that acks without reading cannot pile up sends.
/** A client whose socket holds more than this unsent pauses the PTY... */
export const BUFFERED_HIGH = 8 * 1024 * 1024;
/** ...until every client's socket holds at most this. */
export const BUFFERED_LOW = 2 * 1024 * 1024;
/** node-pty destroys a paused PTY socket 200 ms after exit, dropping its last bytes: while paused, watch the child. */
export const PAUSED_EXIT_POLL_MS = 50;

/** What the gate pauses; node-pty's IPty is one. */
export interface Pausable {
  readonly pid: number;
  pause(): void;
  resume(): void;
}

/** A client as the gate sees it: its ack window and its socket's send buffer (a ws WebSocket is such a socket). */
export interface GatedClient {
  readonly flow: FlowControl;
  readonly socket: { readonly bufferedAmount: number };
}

export interface PauseGateOptions {
  readonly target: Pausable;
  /** The session's attached clients, read live when deciding to resume. */
  readonly clients: Iterable<GatedClient>;
  /** Whether the paused program still runs; process-tree's isAlive unless a test passes its own. */
  readonly isAlive?: (pid: number) => boolean;
}

/**
 * Decides when one session's PTY is paused, over all its clients: it pauses when a send takes any client
 * across its high watermark (FlowControl.sent's crossing) or past BUFFERED_HIGH unsent, and resumes only when
 * every client is at or below its low watermark and BUFFERED_LOW; looked at again when a client's acks fall
 * to the low watermark (FlowControl.acked's crossing), a frame was written out, or a client left. While
 * paused it watches the program: one that exited is resumed so that its last bytes are read, not dropped.
 */
export class PauseGate {
  private pausedFlag = false;
  private closed = false;
  private exitWatch: NodeJS.Timeout | undefined;
  private readonly alive: (pid: number) => boolean;

  constructor(private readonly options: PauseGateOptions) {
    this.alive = options.isAlive ?? isAlive;
  }

  /** True while the PTY is paused. */
  get paused(): boolean {
    return this.pausedFlag;
  }

  /** Counts bytes sent to a client; pauses on its crossing of the high watermark or a full send buffer. */
  sent(client: GatedClient, bytes: number): void {
    const crossed = client.flow.sent(bytes);
    if ((crossed || client.socket.bufferedAmount > BUFFERED_HIGH) && !this.pausedFlag && !this.closed) this.setPaused(true);
  }

  /** Counts bytes a client acknowledged; its fall to the low watermark may resume the PTY. */
  acked(client: GatedClient, bytes: number): void {
    if (client.flow.acked(bytes) && this.pausedFlag) this.resumeIfClear();
  }

  /** ws's send callback: a frame went out, so a send buffer shrank. */
  readonly written = (): void => {
    if (this.pausedFlag) this.resumeIfClear();
  };

  /** A client left (call after removing it from `clients`): the ones left may all be clear. */
  detached(): void {
    if (this.pausedFlag) this.resumeIfClear();
  }

  /** The program exited: resumes for good, since node-pty must read its last bytes. */
  close(): void {
    this.closed = true;
    if (this.pausedFlag) this.setPaused(false);
  }

  private resumeIfClear(): void {
    for (const client of this.options.clients) {
      if (!client.flow.drained || client.socket.bufferedAmount > BUFFERED_LOW) return;
    }
    this.setPaused(false);
  }

  private setPaused(paused: boolean): void {
    this.pausedFlag = paused;
    const { target } = this.options;
    if (paused) {
      target.pause();
      this.exitWatch = setInterval(() => {
        if (!this.alive(target.pid)) this.setPaused(false);
      }, PAUSED_EXIT_POLL_MS);
    } else {
      clearInterval(this.exitWatch);
      this.exitWatch = undefined;
      target.resume();
    }
  }
}
