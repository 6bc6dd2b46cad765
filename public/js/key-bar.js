// The key bar for touch screens: the keys an on-screen keyboard lacks (Esc, Tab, Ctrl and Alt as sticky
// modifiers for the next key, arrows, Ctrl-C, paste) and font size buttons. It sits above the on-screen
// keyboard because the page shrinks to the visual viewport (see fitToVisualViewport).

import { el } from "./dom.js";

const KEYS = [
  { label: "Esc", send: "\x1b", name: "Escape" },
  { label: "Tab", send: "\t", name: "Tab" },
  { label: "Ctrl", modifier: "ctrl", name: "Control (for the next key)" },
  { label: "Alt", modifier: "alt", name: "Alt (for the next key)" },
  { label: "←", send: "\x1b[D", name: "Left arrow" },
  { label: "↑", send: "\x1b[A", name: "Up arrow" },
  { label: "↓", send: "\x1b[B", name: "Down arrow" },
  { label: "→", send: "\x1b[C", name: "Right arrow" },
  { label: "^C", send: "\x03", name: "Control-C" },
  { label: "Paste", paste: true, name: "Paste" },
  { label: "A−", font: -1, name: "Smaller text" },
  { label: "A+", font: 1, name: "Larger text" },
];

/** Applies a pending Ctrl or Alt to typed input: Ctrl turns a letter into its control character, Alt prefixes ESC. */
export function applyModifiers(data, { ctrl, alt }) {
  let out = data;
  if (ctrl && out.length === 1) {
    const code = out.toUpperCase().charCodeAt(0);
    if (code >= 0x40 && code <= 0x5f) out = String.fromCharCode(code & 0x1f);
    else if (out === " ") out = "\x00";
  }
  return alt ? `\x1b${out}` : out;
}

/** The bar's buttons; `target()` is the active terminal view (or undefined). */
export class KeyBar {
  /** @param {{ element: HTMLElement, target: () => any, onFontStep: (step: number) => void, onPasteFailed: () => void }} options */
  constructor({ element, target, onFontStep, onPasteFailed }) {
    this.target = target;
    this.pending = { ctrl: false, alt: false };
    this.buttons = {};
    element.setAttribute("role", "toolbar");
    element.setAttribute("aria-label", "Terminal keys");
    element.replaceChildren(
      ...KEYS.map((key) => {
        const button = el("button", { type: "button", class: "key", "aria-label": key.name, "aria-pressed": key.modifier ? "false" : undefined }, key.label);
        // Keep the focus (and the on-screen keyboard) in the terminal.
        button.addEventListener("pointerdown", (event) => event.preventDefault());
        button.addEventListener("click", () => {
          if (key.modifier) return this.toggle(key.modifier);
          if (key.font) return onFontStep(key.font);
          if (key.paste) return void this.paste(onPasteFailed);
          this.send(key.send);
        });
        if (key.modifier) this.buttons[key.modifier] = button;
        return button;
      }),
    );
  }

  toggle(modifier) {
    this.pending[modifier] = !this.pending[modifier];
    this.buttons[modifier].setAttribute("aria-pressed", String(this.pending[modifier]));
    this.target()?.focus();
  }

  /** Called with every piece of typed input: a pending modifier applies to it once. */
  filter(data) {
    if (!this.pending.ctrl && !this.pending.alt) return data;
    const out = applyModifiers(data, this.pending);
    for (const m of ["ctrl", "alt"]) {
      this.pending[m] = false;
      this.buttons[m].setAttribute("aria-pressed", "false");
    }
    return out;
  }

  send(data) {
    const view = this.target();
    if (!view) return;
    view.type(this.filter(data));
    view.focus();
  }

  async paste(onFailed) {
    try {
      const text = await navigator.clipboard.readText();
      if (text) this.target()?.paste(text);
    } catch {
      onFailed();
    }
  }
}

/**
 * Sizes the page to the visual viewport: when the on-screen keyboard opens, the page (and so the terminal,
 * which refits on resize) shrinks above it and the prompt stays visible.
 */
export function fitToVisualViewport() {
  const vv = window.visualViewport;
  if (!vv) return;
  const apply = () => {
    document.documentElement.style.setProperty("--page-height", `${Math.round(vv.height)}px`);
    // Mobile browsers scroll the layout viewport to show the focused input; the page is already in view.
    if (vv.offsetTop > 0) window.scrollTo(0, 0);
  };
  vv.addEventListener("resize", apply);
  vv.addEventListener("scroll", apply);
  apply();
}
