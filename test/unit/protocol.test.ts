import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACK_BYTES, parseClientFrame } from "../../src/sessions/protocol.js";

const text = (value: unknown) => parseClientFrame(typeof value === "string" ? value : JSON.stringify(value), false);

describe("parseClientFrame", () => {
  it("accepts the three client frames", () => {
    expect(text({ type: "input", data: "ls\r" })).toEqual({ ok: true, frame: { type: "input", data: "ls\r" } });
    expect(text({ type: "resize", cols: 120, rows: 40 })).toEqual({ ok: true, frame: { type: "resize", cols: 120, rows: 40 } });
    expect(text({ type: "ack", bytes: 65536 })).toEqual({ ok: true, frame: { type: "ack", bytes: 65536 } });
  });

  it("accepts a Buffer holding JSON", () => {
    expect(parseClientFrame(Buffer.from('{"type":"ack","bytes":1}'), false).ok).toBe(true);
  });

  it.each([
    ["not JSON", "{oops"],
    ["a JSON array", "[]"],
    ["a JSON string", '"input"'],
    ["null", "null"],
    ["an unknown type", { type: "explode" }],
    ["a missing type", { data: "x" }],
    ["input without data", { type: "input" }],
    ["input with a number", { type: "input", data: 5 }],
    ["resize of zero", { type: "resize", cols: 0, rows: 10 }],
    ["resize above 1000", { type: "resize", cols: 1001, rows: 10 }],
    ["a fractional size", { type: "resize", cols: 80.5, rows: 24 }],
    ["a size as a string", { type: "resize", cols: "80", rows: 24 }],
    ["a negative ack", { type: "ack", bytes: -1 }],
    ["an ack that is not a number", { type: "ack", bytes: "lots" }],
    ["a huge ack", { type: "ack", bytes: 2 ** 60 }],
  ])("refuses %s with a message", (_what, frame) => {
    const result = text(frame);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeGreaterThan(5);
  });

  it("refuses binary frames", () => {
    expect(parseClientFrame(Buffer.from('{"type":"ack","bytes":1}'), true).ok).toBe(false);
  });

  it("refuses an input larger than the limit", () => {
    expect(text({ type: "input", data: "x".repeat(1024 * 1024 + 1) }).ok).toBe(false);
  });
});

describe("ACK_BYTES", () => {
  it("is the step the page acknowledges in (public/js/connection.js cannot import it)", () => {
    const page = readFileSync(new URL("../../public/js/connection.js", import.meta.url), "utf8");
    const declared = /^const ACK_EVERY = ([\d\s*]+);$/m.exec(page)?.[1];
    expect(declared, "const ACK_EVERY = <n> [* <n>]; in connection.js").toBeDefined();
    const value = declared!.split("*").reduce((product, factor) => product * Number(factor.trim()), 1);
    expect(value).toBe(ACK_BYTES);
    expect(page).toMatch(/this\.unacked >= ACK_EVERY/);
  });
});
