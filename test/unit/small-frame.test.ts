import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { MAX_SMALL_FRAME, smallBinaryFrame, writeSmallFrame } from "../../src/sessions/small-frame.js";

/** A ws server as the terminal socket sets it up (noServer, no deflate) and a real ws client, on loopback. */
async function connectedPair(): Promise<{ server: WebSocket; connection: Duplex; client: WebSocket; close(): Promise<void> }> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const httpServer = http.createServer();
  const accepted = new Promise<{ server: WebSocket; connection: Duplex }>((resolve) => {
    httpServer.on("upgrade", (req, connection, head) => wss.handleUpgrade(req, connection, head, (server) => resolve({ server, connection })));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/`);
  const { server, connection } = await accepted;
  await new Promise((resolve) => client.once("open", resolve));
  return {
    server,
    connection,
    client,
    async close() {
      client.terminate();
      wss.close();
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}

describe("small output frames", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("reach a real ws client as binary messages, byte for byte, in order with ws's own text frames", async () => {
    const pair = await connectedPair();
    close = pair.close;
    const received: { binary: boolean; data: Buffer }[] = [];
    const sizes = [1, 2, 125, 126, 127, 1000, MAX_SMALL_FRAME];
    const expected = sizes.length * 2 + 1;
    const all = new Promise<void>((resolve) =>
      pair.client.on("message", (data, binary) => {
        received.push({ binary, data: data as Buffer });
        if (received.length === expected) resolve();
      }),
    );
    let written = 0;
    for (const size of sizes) {
      const payload = Buffer.alloc(size, size % 251);
      payload[0] = 0x1b;
      writeSmallFrame(pair.connection, payload, () => written++);
      pair.server.send(JSON.stringify({ after: size }));
    }
    pair.server.send(Buffer.from("through ws"), { binary: true });
    await all;
    expect(written).toBe(sizes.length);
    sizes.forEach((size, i) => {
      const frame = received[i * 2]!;
      expect(frame.binary).toBe(true);
      expect(frame.data).toHaveLength(size);
      expect(frame.data[0]).toBe(0x1b);
      expect(frame.data.subarray(1).every((byte) => byte === size % 251)).toBe(true);
      expect(received[i * 2 + 1]).toEqual({ binary: false, data: Buffer.from(JSON.stringify({ after: size })) });
    });
    expect(String(received[expected - 1]!.data)).toBe("through ws");
  });

  it("are counted in ws's bufferedAmount while the connection holds them", async () => {
    const pair = await connectedPair();
    close = pair.close;
    pair.connection.cork();
    writeSmallFrame(pair.connection, Buffer.alloc(100), () => undefined);
    expect(pair.server.bufferedAmount).toBe(102);
    pair.connection.uncork();
  });

  it("have the RFC 6455 header for each length, and refuse a payload above MAX_SMALL_FRAME", () => {
    expect([...smallBinaryFrame(Buffer.from("a"))]).toEqual([0x82, 1, 0x61]);
    expect([...smallBinaryFrame(Buffer.alloc(0))]).toEqual([0x82, 0]);
    expect([...smallBinaryFrame(Buffer.alloc(126)).subarray(0, 4)]).toEqual([0x82, 126, 0, 126]);
    expect([...smallBinaryFrame(Buffer.alloc(MAX_SMALL_FRAME)).subarray(0, 4)]).toEqual([0x82, 126, 0x10, 0x00]);
    expect(() => smallBinaryFrame(Buffer.alloc(MAX_SMALL_FRAME + 1))).toThrow(RangeError);
  });
});
