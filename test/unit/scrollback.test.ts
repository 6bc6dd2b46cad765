import { describe, expect, it } from "vitest";
import { Scrollback } from "../../src/sessions/scrollback.js";
import { renderScreen } from "../../src/sessions/screen.js";

const join = (chunks: Buffer[]) => Buffer.concat(chunks).toString("latin1");

describe("Scrollback", () => {
  it("keeps everything below its capacity", () => {
    const ring = new Scrollback(1024);
    ring.append(Buffer.from("one\r\n"));
    ring.append(Buffer.from("two\r\n"));
    expect(join(ring.snapshot())).toBe("one\r\ntwo\r\n");
    expect(ring.byteLength).toBe(10);
  });

  it("drops the oldest chunks past its capacity", () => {
    const ring = new Scrollback(10);
    ring.append(Buffer.from("aaaa\r\n"));
    ring.append(Buffer.from("bb\r\n"));
    ring.append(Buffer.from("cc\r\n"));
    expect(join(ring.snapshot())).toBe("bb\r\ncc\r\n");
  });

  it("starts at a line boundary when the cut fell mid-line", () => {
    const ring = new Scrollback(10);
    ring.append(Buffer.from("aaaa\r\nbbbb"));
    ring.append(Buffer.from("cc\r\ndd\r\n"));
    expect(join(ring.snapshot())).toBe("dd\r\n");
  });

  it("restores the modes that evicted output set", () => {
    const ring = new Scrollback(8);
    ring.append(Buffer.from("\x1b[?1049h\x1b[?2004h\x1b[?25l"));
    ring.append(Buffer.from("screen\r\n"));
    ring.append(Buffer.from("x\r\n"));
    const text = join(ring.snapshot());
    expect(text.startsWith("\x1b[?1049h")).toBe(true);
    expect(text).toContain("\x1b[?2004h");
    expect(text).toContain("\x1b[?25l");
  });

  it("forgets a mode that evicted output set and then reset", () => {
    const ring = new Scrollback(4);
    ring.append(Buffer.from("\x1b[?1049hvim"));
    ring.append(Buffer.from("\x1b[?1049l"));
    ring.append(Buffer.from("ok\r\n"));
    expect(join(ring.snapshot())).not.toContain("1049");
  });

  it("keeps nothing with capacity 0", () => {
    const ring = new Scrollback(0);
    ring.append(Buffer.from("x"));
    expect(ring.snapshot()).toEqual([]);
  });
});

describe("renderScreen", () => {
  it("serializes scrollback and the alternate screen of replayed output", async () => {
    const screen = await renderScreen({
      cols: 40,
      rows: 5,
      scrollbackLines: 100,
      chunks: [Buffer.from("line 1\r\nline 2\r\n"), Buffer.from("\x1b[?1049h\x1b[HFULL SCREEN")],
    });
    expect(screen).toContain("line 2");
    expect(screen).toContain("\x1b[?1049h");
    expect(screen.indexOf("FULL SCREEN")).toBeGreaterThan(screen.indexOf("\x1b[?1049h"));
  });
});
