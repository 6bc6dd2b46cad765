import { describe, expect, it } from "vitest";
import { TYPING_MS, TypingPriority } from "../../src/sessions/typing-priority.js";

describe("TypingPriority", () => {
  const clock = () => {
    const state = { now: 1000 };
    return { state, priority: new TypingPriority(() => state.now) };
  };

  it("asks the other sessions to yield while one is typed into, for TYPING_MS after its last input", () => {
    const { state, priority } = clock();
    const typed = {};
    const streaming = {};
    expect(priority.typingElsewhere(streaming)).toBe(false); // nobody typed yet
    priority.input(typed);
    expect(priority.typingElsewhere(streaming)).toBe(true);
    expect(priority.typingElsewhere(typed)).toBe(false); // a session typed into never yields to itself (Ctrl-C into a flood)
    state.now += TYPING_MS - 1;
    expect(priority.typingElsewhere(streaming)).toBe(true);
    state.now += 1;
    expect(priority.typingElsewhere(streaming)).toBe(false);
  });

  it("follows the session typed into last", () => {
    const { priority } = clock();
    const a = {};
    const b = {};
    priority.input(a);
    priority.input(b);
    expect(priority.typingElsewhere(a)).toBe(true);
    expect(priority.typingElsewhere(b)).toBe(false);
  });
});
