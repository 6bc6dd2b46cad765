import headless from "@xterm/headless";
import { describe, expect, it } from "vitest";
import { renderScreen } from "../../src/sessions/screen.js";

const { Terminal } = headless;

/** Draws a restored screen in a fresh terminal and returns its rows as text. */
async function draw(screen: string, scrollback: number): Promise<string[]> {
  const terminal = new Terminal({ cols: 80, rows: 24, scrollback, allowProposedApi: true });
  await new Promise<void>((resolve) => terminal.write(screen, resolve));
  const rows: string[] = [];
  for (let y = 0; y < terminal.buffer.active.length; y++) rows.push(terminal.buffer.active.getLine(y)!.translateToString(true));
  terminal.dispose();
  return rows;
}

describe("renderScreen", () => {
  it("keeps every line of the scrollback", async () => {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i + 1}`).join("\r\n");
    const rows = await draw(await renderScreen({ cols: 80, rows: 24, scrollbackLines: 1000, chunks: [Buffer.from(text)] }), 1000);
    expect(rows[0]).toBe("line 1");
    expect(rows).toContain("line 300");
  });

  it("keeps lines that wrapped without a line feed (the buffer sized by line feeds overflows: replayed in full)", async () => {
    const text = "a".repeat(80) + "b".repeat(80 * 200) + "c";
    const rows = await draw(await renderScreen({ cols: 80, rows: 24, scrollbackLines: 1000, chunks: [Buffer.from(text)] }), 1000);
    expect(rows[0]).toBe("a".repeat(80));
    expect(rows.filter((r) => r === "b".repeat(80))).toHaveLength(200);
  });

  it("drops what is beyond the scrollback limit", async () => {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i + 1}`).join("\r\n");
    const rows = await draw(await renderScreen({ cols: 80, rows: 24, scrollbackLines: 100, chunks: [Buffer.from(text)] }), 1000);
    expect(rows[0]).toBe(`line ${300 - 100 - 23}`);
  });
});
