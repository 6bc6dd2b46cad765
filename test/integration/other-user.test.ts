import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { createThrowawayUser, throwawayUserUnavailable, type ThrowawayUser } from "../helpers/os-user.js";

const unavailable = throwawayUserUnavailable();

/**
 * Run by the other user: every way in it has without the key, each answered with its status. Plain node, no
 * dependencies: the other user cannot read the project's node_modules anyway.
 */
const INTRUDER = String.raw`
const net = require("node:net");
const base = process.argv[1];
const { port } = new URL(base);
const raw = (lines) => new Promise((resolve) => {
  const s = net.connect(Number(port), "127.0.0.1");
  let text = "";
  s.on("data", (d) => { text += d; if (/\r\n\r\n/.test(text)) { s.destroy(); resolve(Number(text.split(" ")[1])); } });
  s.on("error", () => resolve(-1));
  s.on("close", () => resolve(Number(text.split(" ")[1]) || -1));
  s.write(lines.join("\r\n") + "\r\n\r\n");
});
(async () => {
  const out = {};
  out.health = (await fetch(base + "/healthz")).status;
  out.page = (await fetch(base + "/")).status;
  out.list = (await fetch(base + "/api/sessions")).status;
  out.create = (await fetch(base + "/api/sessions", { method: "POST", headers: { "content-type": "application/json" }, body: '{"agent":"shell"}' })).status;
  out.guess = (await fetch(base + "/api/sessions", { headers: { authorization: "Bearer guess-guess-guess-guess" } })).status;
  out.ws = await raw(["GET /api/sessions/" + process.argv[2] + "/ws HTTP/1.1", "Host: 127.0.0.1:" + port, "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]);
  out.ide = (await fetch(base + "/ide/")).status;
  console.log(JSON.stringify(out));
})();
`;

describe.skipIf(unavailable !== undefined)(`another local user (${unavailable ?? "runs as a throwaway user"})`, () => {
  let gw: TestGateway;
  let user: ThrowawayUser;
  beforeAll(async () => {
    gw = await startGateway();
    user = createThrowawayUser();
  });
  afterAll(async () => {
    user?.remove();
    await gw?.dispose();
  });

  it("is refused on every way in: page, API, WebSocket, IDE; /healthz alone answers", async () => {
    const id = await gw.createSession();
    const result = await user.run(process.execPath, ["-e", INTRUDER, gw.url, id]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ health: 200, page: 401, list: 401, create: 401, guess: 401, ws: 401, ide: 401 });
    // The same requests with the key pass: the refusals above are the key's doing, not the test's.
    expect((await gw.api("GET", "/api/sessions")).body).toHaveLength(1);
  });
});
