import { afterAll, beforeAll, describe, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

// Set once, in terminal-env.ts: every tab (shell or agent) inherits it from the terminal environment.
describe("the terminal environment", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.dispose());

  it("carries GEMINI_CLI_NO_RELAUNCH and node_modules/.bin first on PATH", async () => {
    const client = await gw.connect(await gw.createSession());
    client.input('echo "relaunch=$GEMINI_CLI_NO_RELAUNCH first=${PATH%%:*}"\r');
    await client.waitFor(/relaunch=true first=\/\S+\/node_modules\/\.bin\r?\n/);
    client.close();
  });
});
