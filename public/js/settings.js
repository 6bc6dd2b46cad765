// The settings popover: theme, font size and the attention signals, remembered in localStorage; plus the
// keyboard shortcuts.

import { el } from "./dom.js";
import { FONT_MAX, FONT_MIN } from "./store.js";
import { describeShortcuts } from "./shortcuts.js";
import { THEMES } from "./themes.js";

/** A button that opens theme and font size controls. */
export class Settings {
  /**
   * @param {{ button: HTMLButtonElement, theme: string, fontSize: number, onTheme, onFontSize,
   *   toggles?: Array<{ id: string, label: string, checked: boolean, onChange: (on: boolean) => void }> }} options
   */
  constructor({ button, theme, fontSize, onTheme, onFontSize, toggles = [] }) {
    this.button = button;
    const group = (kind) =>
      el("optgroup", { label: kind === "dark" ? "Dark" : "Light" }, THEMES.filter((t) => t.kind === kind).map((t) => el("option", { value: t.id, selected: t.id === theme }, t.label)));
    this.theme = el("select", { id: "theme-select", onchange: () => onTheme(this.theme.value) }, [group("dark"), group("light")]);
    this.fontSize = el("input", {
      id: "font-size",
      type: "number",
      min: String(FONT_MIN),
      max: String(FONT_MAX),
      step: "1",
      value: String(fontSize),
      onchange: () => {
        const size = Math.round(Number(this.fontSize.value));
        if (size >= FONT_MIN && size <= FONT_MAX) onFontSize(size);
      },
    });
    this.panel = el("div", { class: "popover", id: "settings", role: "dialog", "aria-label": "Settings", hidden: true }, [
      el("label", { class: "field" }, [el("span", {}, "Theme"), this.theme]),
      el("label", { class: "field" }, [el("span", {}, "Font size"), this.fontSize]),
      el("h3", {}, "When an agent needs you"),
      ...toggles.map((t) =>
        el("label", { class: "check" }, [
          el("input", { type: "checkbox", id: t.id, checked: t.checked, onchange: (event) => t.onChange(event.target.checked) }),
          el("span", {}, t.label),
        ]),
      ),
      el("h3", {}, "Keyboard"),
      el("dl", { class: "shortcuts" }, describeShortcuts().flatMap(([keys, what]) => [el("dt", {}, el("kbd", {}, keys)), el("dd", {}, what)])),
    ]);
    button.setAttribute("aria-haspopup", "dialog");
    button.setAttribute("aria-controls", "settings");
    button.setAttribute("aria-expanded", "false");
    button.after(this.panel);
    button.addEventListener("click", () => (this.panel.hidden ? this.open() : this.close()));
    this.panel.addEventListener("keydown", (event) => event.key === "Escape" && this.close());
    this.onOutside = (event) => !this.panel.contains(event.target) && !button.contains(event.target) && this.close(false);
  }

  /** One step smaller or larger (the key bar's A− and A+), within the limits. */
  stepFontSize(step) {
    const size = Math.min(FONT_MAX, Math.max(FONT_MIN, Math.round(Number(this.fontSize.value)) + step));
    this.fontSize.value = String(size);
    this.fontSize.dispatchEvent(new Event("change"));
  }

  open() {
    this.panel.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.theme.focus();
    document.addEventListener("pointerdown", this.onOutside, true);
  }

  close(focusButton = true) {
    this.panel.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", this.onOutside, true);
    if (focusButton) this.button.focus();
  }
}
