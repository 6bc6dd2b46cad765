import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzCases, random } from "../helpers/random.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

describe("fuzz: WebSocket frames", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.dispose();
  });

  it("answers every bad frame with an error event and keeps both sessions alive", async () => {
    const rng = random(Number(process.env.FUZZ_SEED ?? 2026));
    const target = await gw.createSession();
    const bystander = await gw.createSession();
    const watcher = await gw.connect(bystander);
    const cases = fuzzCases(400);
    let client = await gw.connect(target);
    let sent = 0;
    for (let i = 0; i < cases; i++) {
      const kind = rng.int(5);
      if (kind === 0) client.ws.send(rng.bytes(rng.int(200)), { binary: true });
      else if (kind === 1) client.send(rng.text(rng.int(100)));
      else if (kind === 2) client.send("[".repeat(rng.int(5000)) + "]".repeat(rng.int(5000)));
      else {
        const frame = rng.value(4);
        // Never type into the shell: input frames with string data are valid and would run commands.
        if (frame && typeof frame === "object" && (frame as { type?: unknown }).type === "input") continue;
        client.send(JSON.stringify(frame) ?? "undefined");
      }
      sent++;
    }
    // A frame over the limit ends that one socket with 1009; the session stays.
    client.ws.send("x".repeat(gw.gateway.config.limits.maxFrameBytes + 1));
    await client.until(() => client.closed, "close after the huge frame", 10_000);
    expect(client.closeCode).toBe(1009);
    const errors = client.events.filter((e) => e.type === "error").length;
    // Valid frames (a stray resize or ack) get no error; everything else does.
    expect(errors).toBeGreaterThan(sent * 0.7);
    expect(errors).toBeLessThanOrEqual(sent);

    client = await gw.connect(target);
    client.input("echo fuzzed-$((9*9))\r");
    await client.waitFor("fuzzed-81");
    watcher.input("echo bystander-$((3*5))\r");
    await watcher.waitFor("bystander-15");
    console.log(`fuzz: ${sent} WebSocket frames, ${errors} error events, 1 oversized frame`);
  }, 120_000);
});
