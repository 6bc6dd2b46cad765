import type { IBuffer, IBufferCell, IBufferLine, Terminal } from "@xterm/headless";

/**
 * Serializes a headless xterm's screen and scrollback as the escape sequences that draw it again: text with
 * its colours and styles, wrapped lines, the cursor, the alternate screen and the modes.
 *
 * Why not @xterm/addon-serialize: it allocates an array and several strings per cell, so 10,000 lines of
 * scrollback took 350-500 ms here (55% of it garbage collection) and re-attach missed its 100 ms target.
 * This one reuses one cell, compares styles only where they are not the default, and builds each line once;
 * the drawn result is the same (test/unit/serialize.test.ts replays both and compares every cell).
 */
export function serializeTerminal(terminal: Terminal, scrollbackLines: number): string {
  const normal = terminal.buffer.normal;
  let out = serializeBuffer(terminal, normal, scrollbackLines);
  if (terminal.buffer.active.type === "alternate") {
    out += "\x1b[?1049h\x1b[H" + serializeBuffer(terminal, terminal.buffer.alternate, 0);
  }
  return out + cursorStyle(terminal) + modes(terminal);
}

function serializeBuffer(terminal: Terminal, buffer: IBuffer, scrollbackLines: number): string {
  const start = Math.max(0, buffer.length - (scrollbackLines + terminal.rows));
  const cursorRow = buffer.baseY + buffer.cursorY;
  let end = buffer.length - 1;
  // Without scrollback, trailing empty rows are left out (the screen needs no padding to line up).
  if (buffer.length - start <= terminal.rows) {
    while (end > start && end > cursorRow && isEmpty(buffer.getLine(end))) end--;
  }
  const cell = buffer.getNullCell();
  const parts: string[] = [];
  for (let row = start; row <= end; row++) {
    const line = buffer.getLine(row);
    const wrapsNext = row < end && buffer.getLine(row + 1)?.isWrapped === true;
    if (line) parts.push(serializeLine(line, cell, wrapsNext));
    if (row < end && !wrapsNext) parts.push("\r\n");
  }
  // Put the cursor back: to the start of the last row written, then up and right.
  let cursor = "\r";
  const up = end - cursorRow;
  if (up > 0) cursor += `\x1b[${up}A`;
  else if (up < 0) cursor += `\x1b[${-up}B`;
  const right = Math.min(buffer.cursorX, terminal.cols - 1);
  if (right > 0) cursor += `\x1b[${right}C`;
  return parts.join("") + cursor;
}

/**
 * One row. In a styled row, cells never written are skipped with a cursor move (trailing ones dropped)
 * unless the row wraps into the next, which needs the row filled to its end; the style is reset at the end
 * so a line feed does not paint the next row with its background. An unstyled row is its text.
 */
function serializeLine(line: IBufferLine, cell: IBufferCell, wrapsNext: boolean): string {
  const plain = plainText(line, wrapsNext);
  if (plain !== undefined) return plain;
  let out = "";
  let blanks = 0;
  // The style written last, as three numbers (colour mode and colour, twice; the flags): 0 is the default.
  let fg = 0;
  let bg = 0;
  let flags = 0;
  for (let x = 0; x < line.length; x++) {
    line.getCell(x, cell);
    const width = cell.getWidth();
    if (width === 0) continue; // the second half of a wide character
    const chars = cell.getChars();
    const plain = cell.isAttributeDefault();
    if (chars === "" && plain) {
      blanks += width;
      continue;
    }
    if (blanks > 0) {
      out += `\x1b[${blanks}C`;
      blanks = 0;
    }
    if (plain) {
      if (fg !== 0 || bg !== 0 || flags !== 0) {
        out += "\x1b[0m";
        fg = bg = flags = 0;
      }
    } else {
      const cellFg = cell.getFgColorMode() + cell.getFgColor();
      const cellBg = cell.getBgColorMode() + cell.getBgColor();
      const cellFlags = flagBits(cell);
      if (cellFg !== fg || cellBg !== bg || cellFlags !== flags) {
        out += sgr(cell);
        fg = cellFg;
        bg = cellBg;
        flags = cellFlags;
      }
    }
    out += chars === "" ? " ".repeat(width) : chars;
  }
  if (fg !== 0 || bg !== 0 || flags !== 0) out += "\x1b[0m";
  // A wrapped row must reach the last column for the next character to wrap the way it did.
  if (wrapsNext && blanks > 0) out += " ".repeat(blanks);
  return out;
}

/** xterm's own row: three numbers per cell (content, foreground, background). Not public API: see plainText. */
interface RowData {
  readonly _data: Uint32Array;
  readonly length: number;
  readonly _combined: Record<number, string>;
}

// Bits of a cell's content number in xterm 6 (common/buffer/Constants.ts).
const CODEPOINT_MASK = 0x1fffff;
const IS_COMBINED = 0x200000;
const HAS_CONTENT = 0x3fffff;
const WIDTH_SHIFT = 22;
const SPACE = 0x20;
const codes: number[] = [];

/**
 * The text of a row whose every cell has the default style, or undefined when a cell is styled. It reads
 * xterm's cell array directly and builds the string in one call: going cell by cell through the public API
 * (or translateToString, which adds one character at a time) made 10,000 rows cost 50-80 ms, mostly in
 * garbage collection. Versions are pinned; should the internals change, the public path takes over (and
 * test/unit/serialize.test.ts fails on usesRowData).
 */
function plainText(line: IBufferLine, wrapsNext: boolean): string | undefined {
  const row = (line as unknown as { _line?: RowData })._line;
  if (!row || !(row._data instanceof Uint32Array)) return undefined;
  const data = row._data;
  let end = row.length;
  for (let x = 0; x < end; x++) if (data[3 * x + 1] !== 0 || data[3 * x + 2] !== 0) return undefined;
  if (!wrapsNext) while (end > 0 && (data[3 * (end - 1)]! & HAS_CONTENT) === 0) end--;
  codes.length = 0;
  let combined = "";
  for (let x = 0; x < end; ) {
    const content = data[3 * x]!;
    if (content & IS_COMBINED) {
      // Rare (a character with combining marks): flush and append the stored string.
      combined += String.fromCodePoint(...codes) + (row._combined[x] ?? "");
      codes.length = 0;
    } else {
      codes.push(content & CODEPOINT_MASK || SPACE);
    }
    x += content >>> WIDTH_SHIFT || 1;
  }
  return combined + String.fromCodePoint(...codes);
}

/** Whether plainText can read this terminal's rows (for the tests: a new xterm must not silently slow restores). */
export function usesRowData(terminal: Terminal): boolean {
  const line = terminal.buffer.active.getLine(0);
  return line !== undefined && (line as unknown as { _line?: RowData })._line?._data instanceof Uint32Array;
}

function flagBits(cell: Attributes): number {
  return (
    (cell.isBold() ? 1 : 0) | (cell.isDim() ? 2 : 0) | (cell.isItalic() ? 4 : 0) | (cell.isUnderline() ? 8 : 0) |
    (cell.isBlink() ? 16 : 0) | (cell.isInverse() ? 32 : 0) | (cell.isInvisible() ? 64 : 0) |
    (cell.isStrikethrough() ? 128 : 0) | (cell.isOverline() ? 256 : 0)
  );
}

/** Whether a row holds nothing: every cell unwritten and unstyled. */
function isEmpty(line: IBufferLine | undefined): boolean {
  return line === undefined || (line.translateToString(true) === "" && !line.isWrapped && !hasStyle(line));
}

function hasStyle(line: IBufferLine): boolean {
  for (let x = 0; x < line.length; x++) if (!line.getCell(x)?.isAttributeDefault()) return true;
  return false;
}

/** What a style is read from: a cell, or the attributes new output gets. */
type Attributes = Pick<
  IBufferCell,
  | "getFgColorMode" | "getBgColorMode" | "isFgRGB" | "isFgPalette" | "getFgColor" | "isBgRGB" | "isBgPalette" | "getBgColor" | "isBold" | "isDim" | "isItalic"
  | "isUnderline" | "isBlink" | "isInverse" | "isInvisible" | "isStrikethrough" | "isOverline"
>;

/** The style as one SGR sequence that starts from the default (0). */
function sgr(cell: Attributes): string {
  let params = "0";
  const fg = cell.getFgColor();
  if (cell.isFgRGB()) params += `;38;2;${(fg >>> 16) & 0xff};${(fg >>> 8) & 0xff};${fg & 0xff}`;
  else if (cell.isFgPalette()) params += fg >= 16 ? `;38;5;${fg}` : `;${fg & 8 ? 90 + (fg & 7) : 30 + (fg & 7)}`;
  const bg = cell.getBgColor();
  if (cell.isBgRGB()) params += `;48;2;${(bg >>> 16) & 0xff};${(bg >>> 8) & 0xff};${bg & 0xff}`;
  else if (cell.isBgPalette()) params += bg >= 16 ? `;48;5;${bg}` : `;${bg & 8 ? 100 + (bg & 7) : 40 + (bg & 7)}`;
  if (cell.isBold()) params += ";1";
  if (cell.isDim()) params += ";2";
  if (cell.isItalic()) params += ";3";
  if (cell.isUnderline()) params += ";4";
  if (cell.isBlink()) params += ";5";
  if (cell.isInverse()) params += ";7";
  if (cell.isInvisible()) params += ";8";
  if (cell.isStrikethrough()) params += ";9";
  if (cell.isOverline()) params += ";53";
  return `\x1b[${params}m`;
}

/**
 * The style new output would get, as the addon restores it: xterm keeps it in an internal field (no public
 * API), so this reads it when present and otherwise leaves the default.
 */
function cursorStyle(terminal: Terminal): string {
  const current = (terminal as unknown as { _core?: { _inputHandler?: { _curAttrData?: Attributes & { isAttributeDefault(): boolean } } } })
    ._core?._inputHandler?._curAttrData;
  if (!current || typeof current.isAttributeDefault !== "function" || current.isAttributeDefault()) return "";
  return sgr(current);
}

/** The modes a program set that change how the terminal behaves or what it sends. */
function modes(terminal: Terminal): string {
  const m = terminal.modes;
  let out = "";
  if (m.applicationCursorKeysMode) out += "\x1b[?1h";
  if (m.applicationKeypadMode) out += "\x1b[?66h";
  if (m.bracketedPasteMode) out += "\x1b[?2004h";
  if (m.insertMode) out += "\x1b[4h";
  if (m.originMode) out += "\x1b[?6h";
  if (m.reverseWraparoundMode) out += "\x1b[?45h";
  if (m.sendFocusMode) out += "\x1b[?1004h";
  if (!m.wraparoundMode) out += "\x1b[?7l";
  const mouse = { none: "", x10: "\x1b[?9h", vt200: "\x1b[?1000h", drag: "\x1b[?1002h", any: "\x1b[?1003h" };
  return out + mouse[m.mouseTrackingMode];
}
