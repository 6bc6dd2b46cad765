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

/**
 * The path of a request target without its query, or undefined when it is not an origin-form path. The target
 * is appended to a base rather than resolved against it: "//host/x" would otherwise be read as a host and
 * "//[" would throw.
 */
export function targetPath(target: string | undefined): string | undefined {
  const raw = target ?? "/";
  if (!raw.startsWith("/") || !URL.canParse(`http://x${raw}`)) return undefined;
  return new URL(`http://x${raw}`).pathname;
}
