import headless from "@xterm/headless";
import { WebSocket } from "ws";
import { ACK_BYTES } from "../src/sessions/protocol.js";
import { benchKeyHeaders } from "./gateway-process.js";

const { Terminal } = headless;

/**
 * How a client acknowledges output: "receive" acks on arrival (a fast client), "parse" feeds a headless
 * xterm and acks from its write callback as the browser does, "none" never acks.
 */
export type AckMode = "receive" | "parse" | "none";

/** How a bench client acknowledges, and its terminal's size when it parses. */
export interface ClientOptions {
  readonly ack: AckMode;
  /**
   * The adapter for a plain byte pipe such as `websocketd --binary`: input goes out as binary frames of its
   * bytes, and no `restored` event is awaited (the pipe sends none). The gateway's protocol stays as it is.
   */
  readonly raw?: boolean;
  readonly cols?: number;
  readonly rows?: number;
}

/** A terminal client of the gateway's protocol for the bench: raw bytes in, parsed or not. */
export class BenchClient {
  readonly events: { type: string; [key: string]: unknown }[] = [];
  /** Bytes received, and bytes the client has taken in (parsed, in "parse" mode). */
  received = 0;
  consumed = 0;
  /** Writes xterm refused with "write data discarded": the browser would have lost them. */
  discarded = 0;
  closed = false;
  /** Called with every output chunk once it was taken in (after parsing in "parse" mode). */
  onChunk: ((chunk: Buffer) => void) | undefined;
  /**
   * The last output taken in while no onChunk was set (latin1, at most 1 MB): ws can deliver the first frames in
   * the same tick as "open", before a caller had the chance to set onChunk; callers start from it.
   */
  unwatched = "";
  private readonly terminal: InstanceType<typeof Terminal> | undefined;
  private unacked = 0;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly ws: WebSocket,
    private readonly options: ClientOptions,
  ) {
    if (options.ack === "parse") {
      this.terminal = new Terminal({ cols: options.cols ?? 80, rows: options.rows ?? 24, scrollback: 1000, allowProposedApi: true });
    }
    ws.on("message", (data: Buffer, isBinary) => {
      if (isBinary || options.raw) this.onBinary(data);
      else this.events.push(JSON.parse(String(data)));
      this.notify();
    });
    ws.on("close", () => {
      this.closed = true;
      this.notify();
    });
  }

  /** Opens a client on a gateway's session. */
  static open(baseUrl: string, id: string, options: ClientOptions): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/api/sessions/${id}/ws`, { perMessageDeflate: false, headers: benchKeyHeaders() });
      const client = new BenchClient(ws, options);
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
    });
  }

  /** The headless terminal's visible screen and scrollback as text ("parse" mode only). */
  screenText(): string {
    const buffer = this.terminal?.buffer.active;
    if (!buffer) return "";
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? "");
    return lines.join("\n");
  }

  input(data: string): void {
    if (this.options.raw) this.ws.send(Buffer.from(data, "utf8"), { binary: true });
    else this.ws.send(JSON.stringify({ type: "input", data }));
  }

  /** Resolves once the predicate holds, re-checked on every message and every parsed chunk. */
  until(predicate: () => boolean, timeoutMs = 60_000, what = "a condition"): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Resolves once the gateway said the screen was restored (every attach begins with it). */
  restored(): Promise<void> {
    if (this.options.raw) return Promise.resolve();
    return this.until(() => this.events.some((e) => e.type === "restored"), 60_000, "the restored event");
  }

  close(): Promise<void> {
    this.terminal?.dispose();
    if (this.closed) return Promise.resolve();
    this.ws.close();
    return this.until(() => this.closed, 10_000, "the socket to close");
  }

  private onBinary(chunk: Buffer): void {
    this.received += chunk.length;
    if (!this.terminal) {
      this.take(chunk);
      return;
    }
    try {
      this.terminal.write(chunk, () => {
        this.take(chunk);
        this.notify();
      });
    } catch {
      // xterm throws "write data discarded" past 50 MB of unparsed data: count what the browser would lose.
      this.discarded++;
    }
  }

  private take(chunk: Buffer): void {
    this.consumed += chunk.length;
    if (this.onChunk) this.onChunk(chunk);
    else this.unwatched = (this.unwatched + chunk.toString("latin1")).slice(-1_000_000);
    if (this.options.ack === "none" || this.options.raw) return;
    this.unacked += chunk.length;
    if (this.unacked >= ACK_BYTES) {
      this.ws.send(JSON.stringify({ type: "ack", bytes: this.unacked }));
      this.unacked = 0;
    }
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
