import type http from "node:http";
import type { Socket } from "node:net";

/** Bounds on connections, against a slow or flooding client (slowloris held 2000 sockets open for 20 s). */
export interface ConnectionLimits {
  /** Open connections (WebSockets included) per client address; the next one is closed at once. */
  readonly perAddress: number;
  /** Time a client has to send a request's headers. */
  readonly headersTimeoutMs: number;
  /** How often Node checks that timeout (its default, 30 s, would let a stalled socket live that long). */
  readonly checkIntervalMs: number;
}

/**
 * A browser opens a handful of connections and a few WebSockets per tab; behind the Apps proxy or on loopback
 * every client shares one address, so the cap is generous and still ends a flood.
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = Object.freeze({
  perAddress: 256,
  headersTimeoutMs: 10_000,
  checkIntervalMs: 1_000,
});

/** The options for http.createServer that carry the header timeout. */
export function serverTimeouts(limits: ConnectionLimits): http.ServerOptions {
  return { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: limits.checkIntervalMs };
}

/** Caps the connections per client address on `server`. */
export function limitConnections(server: http.Server, limits: ConnectionLimits): void {
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "unknown";
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
