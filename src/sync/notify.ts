import { randomBytes, timingSafeEqual } from "node:crypto";
import { rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import type { Logger } from "pino";
import { writeFileAtomic } from "../atomic-file.js";

/** A hook's wake-up is one short line; a slow or chatty peer is not the hook. */
const MAX_LINE_BYTES = 128;
const READ_TIMEOUT_MS = 2_000;

/** The loopback wake-up the git hook sends after writing a spool file. */
export interface NotifyListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 only (never on the gateway's public address) for the hook's wake-up: one line holding a
 * per-start secret, which the hook reads from <stateDir>/sync/notify (mode 0600, with the port). A right line
 * calls `onWake`; anything else is dropped. The wake-up carries no data: the spool file is the message.
 */
export async function startNotifyListener(options: {
  stateDir: string;
  logger: Logger;
  onWake: () => void;
}): Promise<NotifyListener> {
  const secret = randomBytes(24).toString("hex");
  const expected = Buffer.from(secret);
  const server = net.createServer((socket) => {
    let line = Buffer.alloc(0);
    socket.setTimeout(READ_TIMEOUT_MS, () => socket.destroy());
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      line = Buffer.concat([line, chunk]);
      const newline = line.indexOf(10);
      if (newline < 0 && line.length <= MAX_LINE_BYTES) return;
      const got = line.subarray(0, newline < 0 ? line.length : newline);
      socket.destroy();
      if (got.length === expected.length && timingSafeEqual(got, expected)) options.onWake();
      else options.logger.warn("sync wake-up with a wrong secret ignored");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const file = path.join(options.stateDir, "sync", "notify");
  // Atomic, and private from the first byte: the secret is only for this user's hooks.
  writeFileAtomic(file, `${port} ${secret}\n`);

  return {
    port,
    close: async () => {
      rmSync(file, { force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
