import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

describe("terminal sessions", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startGateway();
  });
  afterEach(async () => {
    await gw.dispose();
  });

  it("echoes a command's output over the WebSocket", async () => {
    const id = await gw.createSession();
    const client = await gw.connect(id);
    client.input("echo hello-$((6*7))\r");
    await client.waitFor("hello-42");
  });
});
