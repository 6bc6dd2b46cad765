import headless from "@xterm/headless";
import { describe, expect, it } from "vitest";
import { serializeTerminal, usesRowData } from "../../src/sessions/serialize.js";

const { Terminal } = headless;
type Term = InstanceType<typeof Terminal>;

const COLS = 40;
const ROWS = 10;
const SCROLLBACK = 50;

function term(): Term {
  return new Terminal({ cols: COLS, rows: ROWS, scrollback: SCROLLBACK, allowProposedApi: true });
}

function write(terminal: Term, data: string): Promise<void> {
  return new Promise((resolve) => terminal.write(data, resolve));
}

/** Every cell of a buffer's rows as text, from the bottom up: what the user sees, style included. */
function cells(terminal: Term, which: "normal" | "alternate"): string[] {
  const buffer = terminal.buffer[which];
  const rows: string[] = [];
  const cell = buffer.getNullCell();
  for (let y = buffer.length - 1; y >= Math.max(0, buffer.length - (SCROLLBACK + ROWS)); y--) {
    const line = buffer.getLine(y)!;
    let row = line.isWrapped ? "(wrapped)" : "";
    for (let x = 0; x < line.length; x++) {
      line.getCell(x, cell);
      // An unwritten cell and a space draw the same.
      const chars = cell.getChars() || " ";
      const style = [cell.getFgColorMode(), cell.getFgColor(), cell.getBgColorMode(), cell.getBgColor()];
      const flags = [cell.isBold(), cell.isDim(), cell.isItalic(), cell.isUnderline(), cell.isBlink(), cell.isInverse(), cell.isInvisible(), cell.isStrikethrough(), cell.isOverline()];
      row += `${chars}:${cell.getWidth()}:${style.join(",")}:${flags.join("")}|`;
    }
    rows.push(row);
  }
  return rows;
}

/** Replays the data, serializes, draws the result in a fresh terminal and compares everything visible. */
async function roundTrip(data: string): Promise<string> {
  const source = term();
  await write(source, data);
  const serialized = serializeTerminal(source, SCROLLBACK);
  const copy = term();
  await write(copy, serialized);
  expect(cells(copy, "normal")).toEqual(cells(source, "normal"));
  expect(copy.buffer.active.type).toBe(source.buffer.active.type);
  if (source.buffer.active.type === "alternate") expect(cells(copy, "alternate")).toEqual(cells(source, "alternate"));
  const cursor = (t: Term) => [t.buffer.active.cursorX, t.buffer.active.cursorY, t.buffer.active.baseY];
  expect(cursor(copy)).toEqual(cursor(source));
  expect(copy.modes).toEqual(source.modes);
  // New output lands the same way, in the same style.
  await write(source, "after\x1b[1mbold");
  await write(copy, "after\x1b[1mbold");
  expect(cells(copy, source.buffer.active.type)).toEqual(cells(source, source.buffer.active.type));
  source.dispose();
  copy.dispose();
  return serialized;
}

const lines = (n: number, prefix = "line") => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join("\r\n");

describe("serializeTerminal", () => {
  it("restores an empty terminal", async () => {
    expect(await roundTrip("")).not.toContain("\r\n");
  });

  it("restores a prompt with no scrollback", async () => {
    await roundTrip("user@host:~$ ls\r\nfile-a  file-b\r\nuser@host:~$ ");
  });

  it("restores scrollback beyond the screen, and drops what the scrollback limit dropped", async () => {
    await roundTrip(lines(30) + "\r\n$ ");
    await roundTrip(lines(200) + "\r\n$ ");
  });

  it("restores colours (16, 256, RGB), styles, and a coloured erase", async () => {
    await roundTrip(
      "\x1b[31mred\x1b[0m \x1b[92mbright\x1b[0m \x1b[38;5;202m256\x1b[48;5;17mon-bg\x1b[0m\r\n" +
        "\x1b[38;2;10;20;30;48;2;200;100;50mrgb\x1b[0m \x1b[1mbold\x1b[22m \x1b[2mdim\x1b[22m \x1b[3mit\x1b[23m\r\n" +
        "\x1b[4munder\x1b[24m \x1b[5mblink\x1b[25m \x1b[7minv\x1b[27m \x1b[8mhid\x1b[28m \x1b[9mstrike\x1b[29m \x1b[53mover\x1b[55m\r\n" +
        "\x1b[44mblue erase\x1b[K\x1b[0m\r\n" +
        lines(20) + "\r\n\x1b[41m" + lines(3, "red bg") + "\x1b[0m",
    );
  });

  it("restores wrapped lines, also ending in spaces, and wide characters at the edge", async () => {
    await roundTrip("x".repeat(95) + "\r\n" + "word ".repeat(20) + "\r\n" + "中文字符".repeat(6) + "\r\nab" + "😀".repeat(25) + "\r\n$ ");
    await roundTrip("cafe\u0301 na\u0303o " + "e\u0301".repeat(45) + "\r\n\x1b[1mcafe\u0301\x1b[0m\r\n$ ");
  });

  it("restores gaps left by cursor movement, and the cursor in the middle of the screen", async () => {
    await roundTrip(lines(15) + "\x1b[3;5Hmid\x1b[10Cfar\x1b[6;2H");
  });

  it("restores the screen after clear with history above it", async () => {
    await roundTrip(lines(40) + "\x1b[H\x1b[2J$ ");
  });

  it("restores a full-screen program on the alternate screen, the shell's screen beneath it, and its modes", async () => {
    const serialized = await roundTrip(
      lines(25) + "\r\n$ vim\x1b[?1049h\x1b[H\x1b[2J\x1b[?1h\x1b[?2004h\x1b[?1002h\x1b[7m status \x1b[0m\x1b[5;1H~\r\n~\x1b[2;3H",
    );
    expect(serialized).toContain("\x1b[?1049h");
  });

  it("reads xterm's rows directly, the fast path for unstyled rows (a new xterm version must keep it)", () => {
    const terminal = term();
    expect(usesRowData(terminal)).toBe(true);
    terminal.dispose();
  });

  it("keeps the style a program set for what it prints next", async () => {
    await roundTrip("plain \x1b[32;1m");
  });
});
