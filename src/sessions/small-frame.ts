import type { Writable } from "node:stream";

/** Output frames up to this size skip ws's sender (see writeSmallFrame); a PTY read is at most 4 KiB. */
export const MAX_SMALL_FRAME = 4096;

/**
 * A server's binary WebSocket frame (RFC 6455 section 5.2: FIN, opcode 2, no mask) holding `payload`, header
 * and payload in one buffer. For payloads up to MAX_SMALL_FRAME (a 2-byte header below 126 bytes, else 4).
 */
export function smallBinaryFrame(payload: Buffer): Buffer {
  if (payload.length > MAX_SMALL_FRAME) throw new RangeError(`a small frame holds at most ${MAX_SMALL_FRAME} bytes`);
  const header = payload.length < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(header + payload.length);
  frame[0] = 0x82;
  if (header === 2) {
    frame[1] = payload.length;
  } else {
    frame[1] = 126;
    frame.writeUInt16BE(payload.length, 2);
  }
  payload.copy(frame, header);
  return frame;
}

/**
 * Writes a small output frame straight to the upgraded connection under a ws WebSocket, as one write: ws's
 * own send corks the socket and writes header and payload apart (a writev), through about twice the
 * JavaScript, which was 6-10 µs of a keystroke's 120-140 µs echo (issue 20). Safe beside ws's own sends on
 * the same connection because ws writes every frame synchronously when permessage-deflate is off (the
 * terminal socket declines it), so frames stay in order; ws's bufferedAmount still counts these bytes, since
 * it reads the connection's own buffer. The caller checks that the WebSocket is open.
 */
export function writeSmallFrame(connection: Writable, payload: Buffer, written: () => void): void {
  connection.write(smallBinaryFrame(payload), written);
}
