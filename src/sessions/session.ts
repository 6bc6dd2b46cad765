import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { Activity, type ActivityInfo } from "./activity.js";
import type { EchoTrace } from "./echo-trace.js";
import { OutputBatcher } from "./output-batcher.js";
import { PauseGate } from "./pause-gate.js";
import type { ClientFrame, ServerEvent } from "./protocol.js";
import { spawnPty, type Launch, type PtyProcess } from "./pty-process.js";
import { Scrollback } from "./scrollback.js";
import { SessionClient } from "./session-client.js";

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

/**
 * One terminal: a process in a PTY (pty-process.ts), its recent output, and the clients attached to it
 * (session-client.ts). Output goes to the scrollback and, batched (output-batcher.ts), to every client; the
 * pause gate (pause-gate.ts) pauses the PTY while a client is too far behind.
 */
export class Session {
  readonly id: string;
  readonly agent: string;
  readonly createdAt = new Date();
  title: string;
  /** What the program is doing, from its output (see activity.ts). */
  readonly activity: Activity;
  /** The program in its PTY. */
  private readonly child: PtyProcess;
  private readonly log: Logger;
  private readonly trace: EchoTrace | undefined;
  private readonly scrollback: Scrollback;
  private readonly clients = new Set<SessionClient>();
  private readonly batcher: OutputBatcher;
  private readonly gate: PauseGate;
  private cols: number;
  private rows: number;
  private exitCode: number | null = null;
  private exitSignal: number | undefined;
  private exitedFlag = false;
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
    this.batcher = new OutputBatcher({ deliver: this.deliver, trace: this.trace });
    const { launch } = options;
    this.child = spawnPty({ launch, cols: this.cols, rows: this.rows, log: this.log });
    const { pty } = this.child;
    this.gate = new PauseGate({ target: pty, clients: this.clients });
    // With encoding null node-pty hands out Buffers; its typings still say string.
    pty.onData((data) => {
      this.trace?.mark("pty-read");
      // The clients first: a keystroke's echo is on its way before the bookkeeping.
      this.onOutput(data as unknown as Buffer);
      this.activity.output(data as unknown as Buffer);
    });
    pty.onExit(({ exitCode, signal }) => this.onExit(exitCode, signal));
    this.log.info({ pid: pty.pid, file: launch.file, cwd: launch.cwd, cols: this.cols, rows: this.rows }, "session started");
  }

  get pid(): number {
    return this.child.pty.pid;
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
   * repeated in between. `connection` is the upgraded connection the WebSocket runs on. Returns a function
   * that detaches it.
   */
  attach(socket: WebSocket, connection: Duplex): () => void {
    // Output already gathered is in the scrollback: send it to the others now so the new client gets it once.
    this.batcher.flush();
    const client = new SessionClient({ socket, connection, gate: this.gate, trace: this.trace });
    this.clients.add(client);
    this.options.onClients?.(this);
    const source = { cols: this.cols, rows: this.rows, scrollbackLines: this.options.scrollbackLines, chunks: this.scrollback.snapshot() };
    void client.restore(source, this.log).then((restored) => {
      if (restored && this.exitedFlag) this.sendExit(client);
    });
    return () => this.detach(client);
  }

  /** Applies one validated frame from a client. */
  handle(socket: WebSocket, frame: ClientFrame): void {
    switch (frame.type) {
      case "input": {
        this.trace?.mark("parsed");
        this.activity.input(frame.data);
        const written = this.exitedFlag || this.child.input.write(frame.data);
        this.trace?.mark("pty-written");
        if (!written) this.findClient(socket)?.event({ type: "error", message: "input dropped: the program is not reading its input" });
        break;
      }
      case "resize":
        this.resize(frame.cols, frame.rows);
        break;
      case "ack": {
        const client = this.findClient(socket);
        if (client) this.gate.acked(client, frame.bytes);
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
      this.child.pty.resize(cols, rows);
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
    for (const client of this.clients) client.event(event);
  }

  /** Ends the session's whole process tree and waits until none of it is left (PtyProcess.end). */
  kill(): Promise<void> {
    return this.child.end(this.exitPromise, !this.exitedFlag);
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
    if (this.clients.size > 0) this.batcher.push(chunk);
  }

  /** A batched frame, to every client (held back for one whose screen is still being restored). */
  private readonly deliver = (data: Buffer): void => {
    for (const client of this.clients) client.output(data);
  };

  private sendExit(client: SessionClient): void {
    client.event({ type: "exit", code: this.exitCode, ...(this.exitSignal ? { signal: this.exitSignal } : {}) });
    client.socket.close(1000, "session exited");
    this.detach(client);
  }

  private findClient(socket: WebSocket): SessionClient | undefined {
    for (const client of this.clients) if (client.socket === socket) return client;
    return undefined;
  }

  private detach(client: SessionClient): void {
    if (!this.clients.delete(client)) return;
    client.leave();
    this.gate.detached();
    this.options.onClients?.(this);
  }

  private onExit(exitCode: number, signal: number | undefined): void {
    if (this.exitedFlag) return;
    // node-pty reports exit after its socket closed, so every byte was read: send it before the exit event.
    this.batcher.flush();
    this.child.releaseSlave();
    this.child.input.close();
    this.gate.close();
    this.exitedFlag = true;
    this.exitCode = exitCode;
    this.exitSignal = signal || undefined;
    this.log.info({ pid: this.pid, exitCode, signal }, "session exited");
    this.activity.exited();
    for (const client of [...this.clients]) if (client.live) this.sendExit(client);
    this.resolveExit();
    this.options.onExit?.(this);
  }
}
