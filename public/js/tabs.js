// The tab bar: one tab per session, a roving focus tablist (arrows move, Shift+arrows reorder, F2 renames,
// Delete closes), double-click to rename, drag to reorder.

import { el } from "./dom.js";

const STATE_TEXT = {
  connecting: "starting",
  restoring: "restoring",
  live: "running",
  reconnecting: "reconnecting",
  exited: "exited",
  gone: "ended",
};

/** What the gateway says the program is doing (src/sessions/activity.ts), for a live tab. */
const ACTIVITY_TEXT = { working: "working", "needs-input": "needs you", idle: "idle" };

/** The exit as one true sentence part: the signal when there was one, else the code. */
export function exitText(exit) {
  if (exit?.signal) return `ended by signal ${exit.signal}`;
  return `exited ${exit?.code ?? ""}`.trim();
}

/** Renders tabs from the page's state and reports what the user asks for. */
export class TabBar {
  /** @param {{ list: HTMLElement, onSelect, onClose, onRename, onMove }} options */
  constructor(options) {
    this.options = options;
    this.list = options.list;
    this.list.setAttribute("role", "tablist");
    this.list.setAttribute("aria-label", "Terminals");
    this.editing = null;
    this.list.addEventListener("keydown", (event) => this.onKey(event));
  }

  /** @param {{ tabs: Array<{id, name, state, exit, activity, pane}>, active: string|null }} model */
  render({ tabs, active }) {
    this.renderSwitcher(tabs, active);
    if (this.editing) return;
    const focusedId = this.list.contains(document.activeElement) ? document.activeElement.closest("[data-id]")?.dataset.id : undefined;
    this.list.replaceChildren(...tabs.map((tab) => this.renderTab(tab, tab.id === active)));
    if (focusedId) this.tabElement(focusedId)?.focus();
  }

  renderTab(tab, selected) {
    const agentState = tab.state === "live" ? tab.status?.state : undefined;
    const status =
      tab.state === "exited" ? exitText(tab.exit) : agentState && ACTIVITY_TEXT[agentState] ? ACTIVITY_TEXT[agentState] : STATE_TEXT[tab.state] ?? tab.state;
    const failed = (tab.state === "exited" && (tab.exit?.code !== 0 || tab.exit?.signal)) || tab.state === "gone";
    const programTitle = tab.status?.programTitle && tab.status.programTitle !== tab.name ? tab.status.programTitle : "";
    const message = agentState === "needs-input" && tab.status?.message ? `: ${tab.status.message}` : "";
    const node = el(
      "div",
      {
        class: `tab state-${tab.state}${agentState ? ` agent-${agentState}` : ""}${tab.attention ? " attention" : ""}${failed ? " failed" : ""}${tab.activity ? " activity" : ""}${tab.pane !== undefined ? " in-pane" : ""}`,
        "data-agent-state": agentState,
        "data-name": tab.name,
        role: "tab",
        id: `tab-${tab.id}`,
        "data-id": tab.id,
        "aria-selected": String(selected),
        "aria-controls": "workspace",
        "aria-keyshortcuts": "F2 Delete Shift+ArrowLeft Shift+ArrowRight",
        tabindex: selected ? "0" : "-1",
        title: `${tab.name}${programTitle ? ` (${programTitle})` : ""} — ${status}${message}. Double-click or F2 to rename; Shift+←/→ to move.`,
        draggable: "true",
        onclick: (event) => {
          if (!event.target.closest("button")) this.options.onSelect(tab.id);
        },
        ondblclick: (event) => {
          if (!event.target.closest("button")) this.startRename(tab.id);
        },
        ondragstart: (event) => {
          event.dataTransfer.setData("application/x-tab-id", tab.id);
          event.dataTransfer.effectAllowed = "move";
        },
        ondragover: (event) => {
          if (event.dataTransfer.types.includes("application/x-tab-id")) event.preventDefault();
        },
        ondrop: (event) => {
          const from = event.dataTransfer.getData("application/x-tab-id");
          if (from && from !== tab.id) {
            event.preventDefault();
            this.options.onMoveTo(from, tab.id);
          }
        },
      },
      [
        el("span", { class: "tab-dot", "aria-hidden": "true" }),
        el("span", { class: "tab-name" }, [tab.name, programTitle ? el("span", { class: "tab-title" }, ` · ${programTitle}`) : null]),
        tab.state === "exited" || tab.state === "gone" ? el("span", { class: "tab-badge" }, status) : null,
        tab.pane !== undefined ? el("span", { class: "tab-pane", title: tab.pane === 0 ? "Left pane" : "Right pane" }, tab.pane === 0 ? "L" : "R") : null,
        el("span", { class: "visually-hidden" }, `, ${status}${message}`),
        el(
          "button",
          { type: "button", class: "tab-close", tabindex: "-1", "aria-label": `Close ${tab.name}`, title: "Close (Ctrl+Shift+W)", onclick: () => this.options.onClose(tab.id) },
          "×",
        ),
      ],
    );
    return node;
  }

  /** The compact switcher of narrow screens (a native select: the phone's own picker, big enough to touch). */
  renderSwitcher(tabs, active) {
    const select = this.options.switcher;
    if (!select) return;
    if (!select.onchange) select.onchange = () => select.value && this.options.onSelect(select.value);
    const mark = (tab) => (tab.attention || tab.status?.state === "needs-input" ? "● " : tab.status?.state === "working" && tab.state === "live" ? "… " : "");
    select.replaceChildren(...tabs.map((tab) => el("option", { value: tab.id, selected: tab.id === active }, `${mark(tab)}${tab.name}${tab.state === "exited" ? ` (${exitText(tab.exit)})` : ""}`)));
    select.hidden = tabs.length === 0;
  }

  tabElement(id) {
    return this.list.querySelector(`[data-id="${CSS.escape(id)}"]`);
  }

  onKey(event) {
    const tab = event.target.closest?.("[role=tab]");
    if (!tab || event.target.tagName === "INPUT") return;
    const tabs = [...this.list.querySelectorAll("[role=tab]")];
    const index = tabs.indexOf(tab);
    const id = tab.dataset.id;
    const focusAt = (i) => tabs[(i + tabs.length) % tabs.length]?.focus();
    const key = event.key;
    if ((key === "ArrowLeft" || key === "ArrowRight") && event.shiftKey) {
      this.options.onMove(id, key === "ArrowLeft" ? -1 : 1);
      requestAnimationFrame(() => this.tabElement(id)?.focus());
    } else if (key === "ArrowLeft") focusAt(index - 1);
    else if (key === "ArrowRight") focusAt(index + 1);
    else if (key === "Home") focusAt(0);
    else if (key === "End") focusAt(tabs.length - 1);
    else if (key === "Enter" || key === " ") this.options.onSelect(id);
    else if (key === "F2") this.startRename(id);
    else if (key === "Delete") this.options.onClose(id);
    else return;
    event.preventDefault();
  }

  /** Turns a tab's name into a text box: Enter or leaving it keeps the name, Escape cancels. */
  startRename(id) {
    const tab = this.tabElement(id);
    const name = tab?.querySelector(".tab-name");
    if (!name) return;
    this.editing = id;
    const input = el("input", { class: "tab-rename", value: tab.dataset.name ?? name.textContent, maxlength: "60", "aria-label": "Tab name", spellcheck: "false" });
    let done = false;
    const finish = (commit) => {
      if (done) return;
      done = true;
      this.editing = null;
      const value = input.value.trim();
      this.options.onRename(id, commit && value ? value : null);
    };
    input.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Enter") finish(true);
      else if (event.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(true));
    name.replaceWith(input);
    input.focus();
    input.select();
  }
}
