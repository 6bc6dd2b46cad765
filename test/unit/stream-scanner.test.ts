import { describe, expect, it } from "vitest";
import { Activity } from "../../src/sessions/activity.js";
import { MAX_OSC_BYTES, MAX_TEXT_CHARS, StreamScanner, type StreamSignal } from "../../src/sessions/stream-scanner.js";

/** Feeds the chunks in order and returns what the scanner reported. */
function scan(...chunks: (string | Buffer)[]): StreamSignal[] {
  const seen: StreamSignal[] = [];
  const scanner = new StreamScanner((s) => seen.push(s));
  for (const chunk of chunks) scanner.scan(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  return seen;
}

/** Every way of cutting the text in two. */
function everySplit(text: string): string[][] {
  const bytes = Buffer.from(text, "utf8");
  return Array.from({ length: bytes.length + 1 }, (_, i) => [bytes.subarray(0, i).toString("latin1"), bytes.subarray(i).toString("latin1")]);
}

const bell = { kind: "bell" };
const notify = (text: string) => ({ kind: "notify", text });
const title = (text: string) => ({ kind: "title", text });

describe("the stream scanner", () => {
  it("reports a bell, and nothing for plain or coloured output", () => {
    expect(scan("hello\x07world")).toEqual([bell]);
    expect(scan("\x07\x07")).toEqual([bell, bell]);
    expect(scan("\x1b[1;31mred\x1b[0m plain \x1b[?25h\r\n")).toEqual([]);
    expect(scan("")).toEqual([]);
  });

  it("reads OSC 9, 777 and 99 notifications with their text, ended by BEL or ST", () => {
    expect(scan("\x1b]9;done\x07")).toEqual([notify("done")]);
    expect(scan("\x1b]9;Build finished\x1b\\")).toEqual([notify("Build finished")]);
    expect(scan("\x1b]777;notify;Claude Code;Waiting for your input\x07")).toEqual([notify("Claude Code: Waiting for your input")]);
    expect(scan("\x1b]777;notify;Title only;\x07")).toEqual([notify("Title only")]);
    expect(scan("\x1b]99;i=1:d=1;Task complete\x1b\\")).toEqual([notify("Task complete")]);
    expect(scan("\x1b]99;;Hello kitty\x07")).toEqual([notify("Hello kitty")]);
    expect(scan(`\x1b]99;e=1;${Buffer.from("base64 text").toString("base64")}\x1b\\`)).toEqual([notify("base64 text")]);
    expect(scan("\x1b]9;\x07")).toEqual([notify("")]);
    // Codex's agent state report: done is a notification, idle and working are not; Claude Code's query neither.
    expect(scan("\x1b]7501;state=working:app=codex\x1b\\\x1b]7501;state=done:app=codex\x1b\\\x1b]7501;?\x07")).toEqual([notify("Codex finished")]);
  });

  it("ignores OSCs that are not notifications: ConEmu progress, 777 others, kitty queries, hyperlinks, colours", () => {
    expect(scan("\x1b]9;4;3;50\x07\x1b]9;4;0\x1b\\")).toEqual([]);
    expect(scan("\x1b]777;preexec\x07")).toEqual([]);
    expect(scan("\x1b]99;i=1:p=?;\x1b\\")).toEqual([]);
    expect(scan("\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\")).toEqual([]);
    expect(scan("\x1b]11;?\x07\x1b]52;c;aGk=\x07")).toEqual([]);
  });

  it("reads OSC 0 and 2 titles, not OSC 1 (icon name)", () => {
    expect(scan("\x1b]0;user@host: ~\x07")).toEqual([title("user@host: ~")]);
    expect(scan("\x1b]2;✳ Claude Code\x1b\\")).toEqual([title("✳ Claude Code")]);
    expect(scan("\x1b]1;icon\x07")).toEqual([]);
  });

  it("finds the same signals wherever a read splits the stream", () => {
    const text = "a\x1b[31mb\x1b]9;héllo wörld\x1b\\c\x07d\x1b]0;tïtle\x07\x1bP+q\x07x\x1b\\e";
    const whole = scan(text);
    expect(whole).toEqual([notify("héllo wörld"), bell, title("tïtle")]);
    for (const [a, b] of everySplit(text)) expect(scan(Buffer.from(a!, "latin1"), Buffer.from(b!, "latin1"))).toEqual(whole);
    // One byte per read.
    expect(scan(...[...Buffer.from(text)].map((byte) => Buffer.from([byte])))).toEqual(whole);
  });

  it("does not count a BEL that ends an OSC or sits inside DCS, APC, PM or SOS data", () => {
    expect(scan("\x1b]0;title\x07")).toEqual([title("title")]);
    expect(scan("\x1bPq#0;2;0;0;0\x07more sixel\x1b\\")).toEqual([]);
    expect(scan("\x1b_Gapc\x07data\x1b\\\x1b^pm\x07\x1b\\\x1bXsos\x07\x1b\\")).toEqual([]);
    // Started in one read, the BEL in a later read is still data.
    expect(scan("text \x1bPq#0", "more\x07data", "\x1b\\after\x07")).toEqual([bell]);
    // CSI parameters are not strings: a BEL right after one is a bell.
    expect(scan("\x1b[0m\x07")).toEqual([bell]);
  });

  it("lets any ESC end a string (VT500), so a new OSC inside an unterminated one is read", () => {
    expect(scan("\x1b]0;never ended\x1b]9;second\x07")).toEqual([title("never ended"), notify("second")]);
    // CAN and SUB abort an OSC: nothing is reported, and the next BEL is a bell.
    expect(scan("\x1b]9;aborted\x18\x07")).toEqual([bell]);
  });

  it("survives hostile lengths: an endless OSC costs no memory and its end reports nothing", () => {
    const scanner = new StreamScanner(() => {
      throw new Error("nothing to report");
    });
    scanner.scan(Buffer.from("\x1b]9;"));
    const block = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 64; i++) scanner.scan(block);
    expect((scanner as unknown as { osc: Buffer[] }).osc.reduce((n, b) => n + b.length, 0)).toBeLessThanOrEqual(MAX_OSC_BYTES);
    scanner.scan(Buffer.from("\x07"));
    // Right at the limit it is still read; text is cut for the page.
    const long = "x".repeat(MAX_OSC_BYTES - 2);
    const [signal] = scan(`\x1b]9;${long}\x07`);
    expect(signal).toEqual(notify(`${"x".repeat(MAX_TEXT_CHARS - 1)}…`));
    expect(scan(`\x1b]9;${long}xx\x07after\x07`)).toEqual([bell]);
  });

  it("strips control characters from notification text", () => {
    expect(scan("\x1b]9;two\rlines\x9b31m\x07")).toEqual([notify("two lines 31m")]);
  });
});

describe("a session's activity", () => {
  function track(idleAfterMs = 30) {
    const changes: string[] = [];
    const activity = new Activity({ idleAfterMs, onChange: (info) => changes.push(`${info.state}${info.message ? `:${info.message}` : ""}`) });
    return { activity, changes };
  }

  it("is working while output flows, idle after a quiet spell, needs-input on a bell until the user types", async () => {
    const { activity, changes } = track();
    activity.output(Buffer.from("compiling…"));
    expect(activity.info().state).toBe("working");
    await new Promise((r) => setTimeout(r, 80));
    expect(activity.info().state).toBe("idle");
    activity.output(Buffer.from("\x1b]9;Approve the edit?\x07"));
    expect(activity.info()).toMatchObject({ state: "needs-input", message: "Approve the edit?" });
    // Redraws while waiting, a bare bell, and the terminal's own focus report do not answer it.
    activity.output(Buffer.from("\x1b[2K> \x07"));
    activity.input("\x1b[O");
    await new Promise((r) => setTimeout(r, 80));
    expect(activity.info()).toMatchObject({ state: "needs-input", message: "Approve the edit?" });
    activity.input("y");
    expect(activity.info().state).toBe("idle");
    activity.exited();
    activity.output(Buffer.from("late\x07"));
    expect(changes).toEqual(["working", "idle", "needs-input:Approve the edit?", "idle", "exited"]);
  });

  it("reports a title change once", () => {
    const changes: string[] = [];
    const a = new Activity({ onChange: (info) => changes.push(`${info.state} ${info.programTitle}`) });
    a.output(Buffer.from("\x1b]0;vim\x07\x1b]0;vim\x07\x1b]2;make\x07"));
    expect(changes).toEqual(["idle vim", "idle make", "working make"]);
    a.dispose();
  });
});
