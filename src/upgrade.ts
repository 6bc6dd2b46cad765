import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/** A WebSocket endpoint; the server checks the guard before calling `handle`. */
export interface UpgradeRoute {
  /** True when this route serves the path (without query). */
  matches(pathname: string): boolean;
  /** One path this route serves: the test that proves the guard covers every upgrade knocks on it. */
  readonly probePath: string;
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}
