import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import type { EchoTrace } from "./echo-trace.js";
import { FlowControl } from "./flow-control.js";
import type { GatedClient, PauseGate } from "./pause-gate.js";
import type { ServerEvent } from "./protocol.js";
import { renderScreen, type ScreenSource } from "./screen.js";
import { MAX_SMALL_FRAME, writeSmallFrame } from "./small-frame.js";

export interface SessionClientOptions {
  readonly socket: WebSocket;
  /** The upgraded connection the WebSocket runs on: small output frames are written to it directly (small-frame.ts). */
  readonly connection: Duplex;
  /** The session's pause gate: every send and ack is counted there. */
  readonly gate: PauseGate;
  /** GATEWAY_ECHO_TRACE's diagnostic: marks "sent"; undefined in production. */
  readonly trace: EchoTrace | undefined;
}

/**
 * One client attached to a session: its socket, its ack window, and the live output held back while its
 * screen is being restored, so that it gets the screen and then everything after it, nothing lost or repeated.
 */
export class SessionClient implements GatedClient {
  readonly flow = new FlowControl();
  /** Live output held back while the screen is being restored; null once live. */
  private queued: Buffer[] | null = [];
  private gone = false;

  readonly socket: WebSocket;
  private readonly connection: Duplex;
  private readonly gate: PauseGate;
  private readonly trace: EchoTrace | undefined;

  constructor(options: SessionClientOptions) {
    this.socket = options.socket;
    this.connection = options.connection;
    this.gate = options.gate;
    this.trace = options.trace;
  }

  /** True once the restored screen went out: output goes straight to the socket. */
  get live(): boolean {
    return this.queued === null;
  }

  /** A frame of output: sent, or held back until the screen is restored. */
  output(data: Buffer): void {
    if (this.queued) this.queued.push(data);
    else this.send(data);
  }

  /**
   * Rebuilds the screen from the session's output so far (screen.ts), then sends it, the output held back
   * meanwhile, and "restored". Resolves false, having sent nothing, when the client was let go meanwhile.
   */
  async restore(source: ScreenSource, log: Logger): Promise<boolean> {
    const screen = await renderScreen(source).catch((error: unknown) => {
      log.error({ err: error }, "screen restore failed");
      return "";
    });
    if (this.gone) return false;
    const queued = this.queued ?? [];
    this.queued = null;
    if (screen) this.send(Buffer.from(screen, "utf8"));
    for (const data of queued) this.send(data);
    this.event({ type: "restored" });
    return true;
  }

  /** The session let the client go: a restore under way sends nothing. */
  leave(): void {
    this.gone = true;
  }

  /** Sends an event as a JSON text frame, if the socket is still open. */
  event(event: ServerEvent): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(event));
  }

  private send(data: Buffer): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (data.length <= MAX_SMALL_FRAME) writeSmallFrame(this.connection, data, this.gate.written);
    else this.socket.send(data, { binary: true }, this.gate.written);
    this.trace?.mark("sent");
    this.gate.sent(this, data.length);
  }
}
