import { describe, expect, it } from "vitest";
import { startGateway, unexpectedErrors } from "../helpers/gateway.js";

describe("test gateways fail on an error-level log line they did not expect", () => {
  it("dispose() rejects after an unexpected error line, naming it", async () => {
    const gw = await startGateway();
    gw.logger.error("something broke");
    await expect(gw.dispose()).rejects.toThrow(/did not expect[\s\S]*something broke/);
  });

  it("a test that expects the line opts out, by message or for any", async () => {
    const byMessage = await startGateway({ expectErrors: /^something broke$/ });
    byMessage.logger.error("something broke");
    await byMessage.dispose();
    const any = await startGateway({ expectErrors: true });
    any.logger.error("anything");
    await any.dispose();
  });

  it("counts error and fatal lines only", () => {
    const lines = [30, 40, 50, 60].map((level) => JSON.stringify({ level, msg: `level ${level}` }));
    expect(unexpectedErrors(lines, undefined).map((l) => JSON.parse(l).level)).toEqual([50, 60]);
    expect(unexpectedErrors(lines, /level 50/).map((l) => JSON.parse(l).level)).toEqual([60]);
    expect(unexpectedErrors(lines, true)).toEqual([]);
  });
});
