// One terminal's WebSocket (src/sessions/protocol.ts): binary frames are output, text frames JSON events.
// Reconnects with backoff; the server replays the screen on every attach, so nothing is lost.

import { sessions } from "./api.js";

/** Acknowledge parsed output in steps of this many bytes: the server's ACK_BYTES (src/sessions/protocol.ts). */
const ACK_EVERY = 64 * 1024;
/** Reconnect delays in ms: quick at first, then no more than every 10 s. */
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000, 10000];

/**
 * A session's stream. States: "connecting", "restoring" (screen replay), "live", "reconnecting",
 * "exited", "gone" (the gateway no longer has the session), "closed" (by the page).
 */
export class Connection {
  /**
   * @param {{ id: string, write: (bytes: Uint8Array, done: () => void) => void, reset: () => void,
   *   size: () => ({cols: number, rows: number} | null), onState: (state: string, detail?: object) => void,
   *   onNotice: (message: string) => void }} options
   */
  constructor(options) {
    this.options = options;
    this.state = "connecting";
    this.attempt = 0;
    this.socket = null;
    this.timer = null;
    this.unacked = 0;
    this.onOnline = () => this.state === "reconnecting" && this.retryNow();
    window.addEventListener("online", this.onOnline);
    this.open();
  }

  /** Sends a protocol frame when the session is live; returns false when it could not. */
  send(frame) {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Input is dropped while the screen is replayed (xterm's answers to replayed queries are not user input). */
  input(data) {
    return this.state === "live" && this.send({ type: "input", data });
  }

  resize(cols, rows) {
    if (cols > 0 && rows > 0) this.send({ type: "resize", cols, rows });
  }

  retryNow() {
    clearTimeout(this.timer);
    this.attempt = 0;
    void this.reconnect();
  }

  close() {
    this.setState("closed");
    clearTimeout(this.timer);
    window.removeEventListener("online", this.onOnline);
    this.socket?.close(1000, "tab closed");
    this.socket = null;
  }

  open() {
    const ws = new WebSocket(sessions.socketUrl(this.options.id));
    this.socket = ws;
    ws.binaryType = "arraybuffer";
    let exited = false;
    let shutdown = false;
    ws.onopen = () => {
      this.unacked = 0;
      // The server sends the whole screen first: start from a clean terminal so nothing shows twice.
      this.options.reset();
      this.setState("restoring");
      const size = this.options.size();
      if (size) this.resize(size.cols, size.rows);
    };
    ws.onmessage = (event) => {
      if (ws !== this.socket) return;
      if (typeof event.data !== "string") {
        const bytes = new Uint8Array(event.data);
        this.options.write(bytes, () => this.parsed(ws, bytes.length));
        return;
      }
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      switch (msg.type) {
        case "restored":
          this.attempt = 0;
          this.setState("live");
          break;
        case "exit":
          exited = true;
          this.setState("exited", { code: msg.code, signal: msg.signal });
          break;
        case "shutdown":
          shutdown = true;
          this.options.onNotice("The gateway stopped: every session ended with it.");
          break;
        case "notice":
        case "error":
          if (typeof msg.message === "string") this.options.onNotice(msg.message);
          break;
      }
    };
    ws.onclose = (event) => {
      if (ws !== this.socket || this.state === "closed" || exited) return;
      this.socket = null;
      if (event.code === 1000 && event.reason === "session closed" && !shutdown) this.setState("gone");
      else this.scheduleReconnect();
    };
  }

  parsed(ws, bytes) {
    if (ws !== this.socket) return;
    this.unacked += bytes;
    if (this.unacked >= ACK_EVERY) {
      this.send({ type: "ack", bytes: this.unacked });
      this.unacked = 0;
    }
  }

  scheduleReconnect() {
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt++;
    this.setState("reconnecting", { attempt: this.attempt, retryAt: Date.now() + delay });
    this.timer = setTimeout(() => void this.reconnect(), delay);
  }

  /** Asks the gateway whether the session still exists before dialling again: a refused upgrade says nothing. */
  async reconnect() {
    if (this.state === "closed") return;
    let list;
    try {
      list = await sessions.list();
    } catch {
      if (this.state !== "closed") this.scheduleReconnect();
      return;
    }
    if (this.state === "closed") return;
    if (!list.some((s) => s.id === this.options.id)) {
      this.setState("gone");
      return;
    }
    this.setState("reconnecting", { attempt: this.attempt, retryAt: Date.now() });
    this.open();
  }

  setState(state, detail) {
    if (this.state === "closed" && state !== "closed") return;
    this.state = state;
    this.options.onState(state, detail);
  }
}
