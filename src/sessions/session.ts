import { closeSync, constants, openSync } from "node:fs";
import * as pty from "@lydell/node-pty";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { Activity, type ActivityInfo } from "./activity.js";
import type { EchoTrace } from "./echo-trace.js";
import { FlowControl, HIGH_WATERMARK, LOW_WATERMARK } from "./flow-control.js";
import { PtyInput } from "./pty-input.js";
import { isAlive, reapSession, signalSession } from "./process-tree.js";
import type { ClientFrame, ServerEvent } from "./protocol.js";
import { renderScreen } from "./screen.js";
import { Scrollback } from "./scrollback.js";

/** What a session runs and where. */
export interface Launch {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

export interface SessionOptions {
  readonly id: string;
  readonly agent: string;
  readonly title: string;
  readonly launch: Launch;
  readonly cols: number;
  readonly rows: number;
  readonly scrollbackBytes: number;
  readonly scrollbackLines: number;
  readonly logger: Logger;
  /** GATEWAY_ECHO_TRACE's diagnostic (echo-trace.ts); undefined, as in production, it costs nothing. */
  readonly trace?: EchoTrace;
  /** Called once the process has exited and its last output was sent. */
  readonly onExit?: (session: Session) => void;
  /** Called when the number of attached clients changes. */
  readonly onClients?: (session: Session) => void;
  /** Called when the activity (state, the program's message or title) changes. */
  readonly onActivity?: (session: Session) => void;
}

/** A session as the API lists it. */
export interface SessionInfo {
  readonly id: string;
  readonly agent: string;
  readonly title: string;
  readonly pid: number;
  readonly createdAt: string;
  readonly clients: number;
  readonly exited: boolean;
  readonly exitCode: number | null;
  readonly exitSignal?: number;
  readonly activity: ActivityInfo;
}

// Adaptive batching: a lone keystroke's echo goes out on the next turn of the event loop; while output
// streams, chunks are gathered for a few milliseconds into one frame (fewer frames, +28% throughput here).
/** Flush at once past this many bytes. */
const MAX_BATCH_BYTES = 256 * 1024;
/** How long to gather while output streams. */
const STREAM_BATCH_MS = 5;
/**
 * Output is streaming once this much went out in flushes less than STREAM_GAP_MS apart. Counted over the
 * burst, not per flush: a PTY hands out at most 4 KiB per read, and when the reader keeps up each flush held
 * one read, so a per-flush test never saw a stream (13,000 frames per 100 MB instead of a few hundred).
 */
const STREAM_BYTES = 8 * 1024;
const STREAM_GAP_MS = 20;
// Server memory guard beside the ack window: a client that acks without reading cannot pile up sends.
const BUFFERED_HIGH = 8 * 1024 * 1024;
const BUFFERED_LOW = 2 * 1024 * 1024;
/** node-pty destroys a paused PTY socket 200 ms after exit, dropping its last bytes: while paused, watch the child. */
const PAUSED_EXIT_POLL_MS = 50;
/** Between SIGHUP and SIGKILL when a session is closed. */
const KILL_GRACE_MS = 2000;

interface Client {
  readonly socket: WebSocket;
  readonly flow: FlowControl;
  /** Live output held back while the screen is being restored; null once live. */
  queued: Buffer[] | null;
}

/** One terminal: a process in a PTY, its recent output, and the clients attached to it. */
export class Session {
  readonly id: string;
  readonly agent: string;
  readonly createdAt = new Date();
  title: string;
  /** What the program is doing, from its output (see activity.ts). */
  readonly activity: Activity;
  private readonly pty: pty.IPty;
  private readonly log: Logger;
  private readonly trace: EchoTrace | undefined;
  private readonly scrollback: Scrollback;
  private readonly input: { write(data: string): boolean; close(): void };
  private readonly clients = new Set<Client>();
  private cols: number;
  private rows: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private lastFlushAt = 0;
  /** Bytes flushed since output last paused for STREAM_GAP_MS. */
  private burstBytes = 0;
  private paused = false;
  private exitWatch: NodeJS.Timeout | undefined;
  private exitCode: number | null = null;
  private exitSignal: number | undefined;
  private exitedFlag = false;
  private slaveFd: number | undefined;
  private readonly exitPromise: Promise<void>;
  private resolveExit!: () => void;

  constructor(private readonly options: SessionOptions) {
    this.id = options.id;
    this.agent = options.agent;
    this.title = options.title;
    this.cols = options.cols;
    this.rows = options.rows;
    this.log = options.logger.child({ session: options.id, agent: options.agent });
    this.trace = options.trace;
    this.scrollback = new Scrollback(options.scrollbackBytes);
    this.exitPromise = new Promise((resolve) => (this.resolveExit = resolve));
    this.activity = new Activity({ onChange: () => options.onActivity?.(this) });
    const { launch } = options;
    this.pty = pty.spawn(launch.file, [...launch.args], {
      name: "xterm-256color",
      cols: this.cols,
      rows: this.rows,
      cwd: launch.cwd,
      env: { ...launch.env },
      encoding: null,
    });
    this.slaveFd = holdSlave(this.pty);
    this.input = inputFor(this.pty, this.log);
    // With encoding null node-pty hands out Buffers; its typings still say string.
    this.pty.onData((data) => {
      this.trace?.mark("pty-read");
      this.activity.output(data as unknown as Buffer);
      this.onOutput(data as unknown as Buffer);
    });
    this.pty.onExit(({ exitCode, signal }) => this.onExit(exitCode, signal));
    this.log.info({ pid: this.pty.pid, file: launch.file, cwd: launch.cwd, cols: this.cols, rows: this.rows }, "session started");
  }

  get pid(): number {
    return this.pty.pid;
  }

  get exited(): boolean {
    return this.exitedFlag;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  info(): SessionInfo {
    return {
      id: this.id,
      agent: this.agent,
      title: this.title,
      pid: this.pid,
      createdAt: this.createdAt.toISOString(),
      clients: this.clients.size,
      exited: this.exitedFlag,
      exitCode: this.exitCode,
      ...(this.exitSignal ? { exitSignal: this.exitSignal } : {}),
      activity: this.activity.info(),
    };
  }

  /** Resolves once the process has exited and its last output went out. */
  whenExited(): Promise<void> {
    return this.exitPromise;
  }

  /**
   * Attaches a client: it first gets the screen and scrollback, then live output, with nothing lost or
   * repeated in between. Returns a function that detaches it.
   */
  attach(socket: WebSocket): () => void {
    // Output already gathered is in the scrollback: send it to the others now so the new client gets it once.
    this.flush();
    const client: Client = { socket, flow: new FlowControl(), queued: [] };
    this.clients.add(client);
    this.options.onClients?.(this);
    const chunks = this.scrollback.snapshot();
    renderScreen({ cols: this.cols, rows: this.rows, scrollbackLines: this.options.scrollbackLines, chunks })
      .catch((error: unknown) => {
        this.log.error({ err: error }, "screen restore failed");
        return "";
      })
      .then((screen) => {
        if (!this.clients.has(client)) return;
        const queued = client.queued ?? [];
        client.queued = null;
        if (screen) this.send(client, Buffer.from(screen, "utf8"));
        for (const data of queued) this.send(client, data);
        this.sendEvent(client, { type: "restored" });
        if (this.exitedFlag) this.sendExit(client);
      });
    return () => this.detach(client);
  }

  /** Applies one validated frame from a client. */
  handle(socket: WebSocket, frame: ClientFrame): void {
    switch (frame.type) {
      case "input": {
        this.trace?.mark("parsed");
        this.activity.input(frame.data);
        const written = this.exitedFlag || this.input.write(frame.data);
        this.trace?.mark("pty-written");
        if (!written) {
          const client = this.findClient(socket);
          if (client) this.sendEvent(client, { type: "error", message: "input dropped: the program is not reading its input" });
        }
        break;
      }
      case "resize":
        this.resize(frame.cols, frame.rows);
        break;
      case "ack": {
        const client = this.findClient(socket);
        if (client) {
          client.flow.acked(frame.bytes);
          this.reconsiderPause();
        }
        break;
      }
    }
  }

  /** Resizes the PTY; the last client to ask wins. */
  resize(cols: number, rows: number): void {
    if (this.exitedFlag || (cols === this.cols && rows === this.rows)) return;
    this.cols = cols;
    this.rows = rows;
    try {
      this.pty.resize(cols, rows);
    } catch (error) {
      // The PTY can close between the check and the call.
      this.log.debug({ err: error }, "resize after close");
    }
  }

  /**
   * A message from the gateway: printed in the terminal (kept in the scrollback, so a client attaching
   * later sees it too) and sent to attached clients as a "notice" event.
   */
  notice(message: string): void {
    const line = message.replace(/[\x00-\x1f\x7f]/g, " ");
    this.onOutput(Buffer.from(`\r\n\x1b[33m[gateway] ${line}\x1b[0m\r\n`, "utf8"));
    this.broadcast({ type: "notice", message: line });
  }

  /** Sends an event to every attached client. */
  broadcast(event: ServerEvent): void {
    for (const client of this.clients) this.sendEvent(client, event);
  }

  /**
   * Ends the session's whole process tree: SIGHUP, then SIGKILL after a grace period, and waits until the
   * process exited and no process of its session is left.
   */
  async kill(): Promise<void> {
    // Output after a kill is not worth the 200 ms node-pty waits while the slave is held open.
    this.releaseSlave();
    if (!this.exitedFlag) signalSession(this.pid, "SIGHUP");
    const grace = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), KILL_GRACE_MS).unref());
    if ((await Promise.race([this.exitPromise, grace])) === "timeout") signalSession(this.pid, "SIGKILL");
    await this.exitPromise;
    // Stragglers that ignored SIGHUP, or were started by the shell in a group of their own.
    await reapSession(this.pid, { first: "SIGHUP", killAfterMs: 500, giveUpMs: 2_000 });
  }

  /** Closes every client socket; the process is left alone (see kill). */
  closeClients(code: number, reason: string): void {
    for (const client of [...this.clients]) {
      client.socket.close(code, reason);
      this.detach(client);
    }
  }

  private onOutput(chunk: Buffer): void {
    this.scrollback.append(chunk);
    if (this.clients.size === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= MAX_BATCH_BYTES) {
      this.flush();
    } else if (this.flushTimer === undefined) {
      const streaming = this.burstBytes >= STREAM_BYTES && performance.now() - this.lastFlushAt < STREAM_GAP_MS;
      this.flushTimer = streaming ? setTimeout(this.flush, STREAM_BATCH_MS) : setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer as NodeJS.Timeout);
      clearImmediate(this.flushTimer as NodeJS.Immediate);
      this.flushTimer = undefined;
    }
    if (this.pendingBytes === 0) return;
    this.trace?.mark("flush");
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    const now = performance.now();
    this.burstBytes = now - this.lastFlushAt < STREAM_GAP_MS ? this.burstBytes + this.pendingBytes : this.pendingBytes;
    this.lastFlushAt = now;
    this.pendingBytes = 0;
    for (const client of this.clients) {
      if (client.queued) client.queued.push(data);
      else this.send(client, data);
    }
  };

  private send(client: Client, data: Buffer): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    client.socket.send(data, { binary: true }, this.afterSend);
    this.trace?.mark("sent");
    client.flow.sent(data.length);
    if (!this.paused) this.reconsiderPause();
  }

  private readonly afterSend = (): void => {
    if (this.paused) this.reconsiderPause();
  };

  private sendEvent(client: Client, event: ServerEvent): void {
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(event));
  }

  private sendExit(client: Client): void {
    this.sendEvent(client, { type: "exit", code: this.exitCode, ...(this.exitSignal ? { signal: this.exitSignal } : {}) });
    client.socket.close(1000, "session exited");
    this.detach(client);
  }

  private reconsiderPause(): void {
    if (this.exitedFlag) return;
    if (!this.paused) {
      for (const client of this.clients) {
        if (client.flow.pending > HIGH_WATERMARK || client.socket.bufferedAmount > BUFFERED_HIGH) {
          this.setPaused(true);
          return;
        }
      }
    } else {
      for (const client of this.clients) {
        if (client.flow.pending > LOW_WATERMARK || client.socket.bufferedAmount > BUFFERED_LOW) return;
      }
      this.setPaused(false);
    }
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) {
      this.pty.pause();
      this.exitWatch = setInterval(() => {
        if (!isAlive(this.pid)) this.setPaused(false);
      }, PAUSED_EXIT_POLL_MS);
    } else {
      clearInterval(this.exitWatch);
      this.exitWatch = undefined;
      this.pty.resume();
    }
  }

  private releaseSlave(): void {
    if (this.slaveFd !== undefined) closeSync(this.slaveFd);
    this.slaveFd = undefined;
  }

  private findClient(socket: WebSocket): Client | undefined {
    for (const client of this.clients) if (client.socket === socket) return client;
    return undefined;
  }

  private detach(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (this.paused) this.reconsiderPause();
    this.options.onClients?.(this);
  }

  private onExit(exitCode: number, signal: number | undefined): void {
    if (this.exitedFlag) return;
    // node-pty reports exit after its socket closed, so every byte was read: send it before the exit event.
    this.flush();
    this.releaseSlave();
    this.input.close();
    if (this.paused) this.setPaused(false);
    this.exitedFlag = true;
    this.exitCode = exitCode;
    this.exitSignal = signal || undefined;
    this.log.info({ pid: this.pid, exitCode, signal }, "session exited");
    this.activity.exited();
    for (const client of [...this.clients]) if (!client.queued) this.sendExit(client);
    this.resolveExit();
    this.options.onExit?.(this);
  }
}

/**
 * Opens the PTY's slave side and keeps it open until exit. Without it, the master reads EIO as soon as a
 * program that writes and exits at once closes the last slave descriptor, and node-pty drops the bytes still
 * in the kernel's buffer (node-pty #85, #726: here the end of `seq 1 200000` went missing 16 times in 20).
 * Held open, the master stays readable; node-pty then ends the session 200 ms after the exit, every byte read.
 */
function holdSlave(terminal: pty.IPty): number | undefined {
  const name = (terminal as unknown as { _pty?: unknown })._pty;
  if (typeof name !== "string") return undefined;
  try {
    return openSync(name, constants.O_RDWR | constants.O_NOCTTY);
  } catch {
    // Already gone: the program exited before this line ran.
    return undefined;
  }
}

/** Input straight to the PTY master (see PtyInput); node-pty's own write if its descriptor is not exposed. */
function inputFor(terminal: pty.IPty, log: Logger): { write(data: string): boolean; close(): void } {
  const fd = (terminal as unknown as { fd?: unknown }).fd;
  if (typeof fd !== "number") {
    return { write: (data) => (terminal.write(data), true), close: () => undefined };
  }
  return new PtyInput({ fd, onError: (error) => log.debug({ err: error }, "input write failed") });
}
