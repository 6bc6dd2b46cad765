// Find in the terminal's scrollback (Ctrl/Cmd+Shift+F): Enter next, Shift+Enter previous, Esc closes.

import { el } from "./dom.js";

const DECORATIONS = {
  matchBackground: "#f9e2af55",
  activeMatchBackground: "#fab387",
  matchOverviewRuler: "#f9e2af",
  activeMatchColorOverviewRuler: "#fab387",
};

/** The search box of one terminal view. */
export class SearchBar {
  constructor({ search, onClose }) {
    this.search = search;
    this.onClose = onClose;
    this.input = el("input", {
      type: "search",
      class: "search-input",
      placeholder: "Find",
      "aria-label": "Find in terminal",
      spellcheck: "false",
      oninput: () => this.find(true),
      onkeydown: (event) => this.onKey(event),
    });
    this.count = el("span", { class: "search-count", "aria-live": "polite" });
    this.caseToggle = el("input", { type: "checkbox", "aria-label": "Match case", onchange: () => this.find(true) });
    this.element = el("div", { class: "search-bar", role: "search", hidden: true }, [
      this.input,
      this.count,
      el("label", { class: "search-case", title: "Match case" }, [this.caseToggle, "Aa"]),
      el("button", { type: "button", class: "icon", "aria-label": "Previous match", onclick: () => this.find(false, true) }, "↑"),
      el("button", { type: "button", class: "icon", "aria-label": "Next match", onclick: () => this.find(false) }, "↓"),
      el("button", { type: "button", class: "icon", "aria-label": "Close search", onclick: () => this.close() }, "✕"),
    ]);
    search.onDidChangeResults?.(({ resultIndex, resultCount }) => {
      this.count.textContent = !this.input.value ? "" : resultCount === 0 ? "no matches" : `${resultIndex + 1}/${resultCount}`;
    });
  }

  open(selection) {
    this.element.hidden = false;
    if (selection && !selection.includes("\n")) this.input.value = selection;
    this.input.focus();
    this.input.select();
    if (this.input.value) this.find(true);
  }

  close() {
    this.element.hidden = true;
    this.search.clearDecorations();
    this.onClose();
  }

  onKey(event) {
    if (event.key === "Escape") {
      event.preventDefault();
      this.close();
    } else if (event.key === "Enter") {
      event.preventDefault();
      this.find(false, event.shiftKey);
    }
  }

  find(incremental, backwards = false) {
    const term = this.input.value;
    if (!term) {
      this.search.clearDecorations();
      this.count.textContent = "";
      return;
    }
    const options = { caseSensitive: this.caseToggle.checked, incremental, decorations: DECORATIONS };
    if (backwards) this.search.findPrevious(term, options);
    else this.search.findNext(term, options);
  }
}
