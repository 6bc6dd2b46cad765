// The page's tab state: which sessions have tabs, in what order, under what names, which one is active and
// what the two panes show. It renders through the tab bar and the split view and remembers itself.

import { save } from "./store.js";

/** Tabs, their order and the pane layout; every change ends in render(). */
export class Workspace {
  /** @param {{ tabBar, splitView, names: Record<string,string>, onRendered?: () => void }} options */
  constructor({ tabBar, splitView, names, onTitle }) {
    this.tabBar = tabBar;
    this.onTitle = onTitle ?? ((title) => (document.title = title));
    this.splitView = splitView;
    /**
     * id -> { id, agent, name, view, activity, status, attention }: activity = unseen output, status = the
     * gateway's activity ({state, since, message, programTitle}), attention = needs the user and not yet seen.
     */
    this.tabs = new Map();
    this.order = [];
    this.names = { ...names };
    this.active = null;
    /** [leftId, rightId] while split (rightId null until its tab has started), else null. */
    this.split = null;
    this.focusedPane = 0;
  }

  get(id) {
    return this.tabs.get(id);
  }

  activeView() {
    return this.active ? this.tabs.get(this.active)?.view : undefined;
  }

  /** The name a new tab of this session gets: the remembered one, else the server's title. */
  nameFor(info) {
    return this.names[info.id] ?? info.title ?? info.agent;
  }

  add(tab) {
    this.tabs.set(tab.id, tab);
    if (!this.order.includes(tab.id)) this.order.push(tab.id);
  }

  /** Orders restored sessions as the page last had them; new ones after, oldest first. */
  restore(list, remembered) {
    const rank = (id) => (remembered.order.includes(id) ? remembered.order.indexOf(id) : Infinity);
    return [...list].sort((a, b) => rank(a.id) - rank(b.id) || a.createdAt.localeCompare(b.createdAt));
  }

  /** After restoring: the remembered active tab and split, when their sessions still exist. */
  restoreLayout(remembered) {
    this.active = this.tabs.has(remembered.active) ? remembered.active : this.order[0] ?? null;
    const split = remembered.split;
    if (split?.every((id) => this.tabs.has(id)) && split[0] !== split[1]) {
      this.split = [...split];
      this.focusedPane = Math.max(0, this.split.indexOf(this.active));
      this.active = this.split[this.focusedPane];
    }
    for (const id of Object.keys(this.names)) if (!this.tabs.has(id)) delete this.names[id];
  }

  /** Shows a tab; while split, in the focused pane (swapping panes when it is in the other one). */
  activate(id) {
    const tab = this.tabs.get(id);
    if (!tab) return;
    if (this.split) {
      const other = 1 - this.focusedPane;
      if (this.split[other] === id) this.split[other] = this.split[this.focusedPane];
      this.split[this.focusedPane] = id;
    }
    this.active = id;
    tab.activity = false;
    tab.attention = false;
    this.render();
    tab.view.focus();
  }

  focusPane(i) {
    if (!this.split || this.focusedPane === i) return;
    this.focusedPane = i;
    this.active = this.split[i];
    this.render();
  }

  /** Forgets a tab (its view is disposed by the caller); the neighbour becomes active. */
  remove(id) {
    const index = this.order.indexOf(id);
    if (index < 0) return;
    this.tabs.delete(id);
    this.order.splice(index, 1);
    delete this.names[id];
    if (this.split?.includes(id)) {
      this.active = this.split.find((s) => s !== id) ?? null;
      this.split = null;
      this.focusedPane = 0;
    }
    if (this.active === id || !this.tabs.has(this.active)) this.active = this.order[Math.min(index, this.order.length - 1)] ?? null;
    this.render();
  }

  /** A restarted tab keeps its place, name and pane under its new session id. */
  rekey(from, to) {
    const tab = this.tabs.get(from);
    this.tabs.delete(from);
    tab.id = to;
    this.tabs.set(to, tab);
    this.order = this.order.map((x) => (x === from ? to : x));
    if (this.split) this.split = this.split.map((x) => (x === from ? to : x));
    if (this.active === from) this.active = to;
    if (this.names[from]) {
      this.names[to] = this.names[from];
      delete this.names[from];
    }
  }

  rename(id, name) {
    const tab = this.tabs.get(id);
    if (tab && name) {
      tab.name = name;
      tab.view.setLabel(name);
      this.names[id] = name;
    }
    this.render();
  }

  move(id, delta) {
    const from = this.order.indexOf(id);
    const to = Math.max(0, Math.min(this.order.length - 1, from + delta));
    if (from < 0 || from === to) return;
    this.order.splice(from, 1);
    this.order.splice(to, 0, id);
    this.render();
  }

  /** The next (or previous) tab in order, wrapping. */
  neighbour(step) {
    if (this.order.length === 0) return null;
    const i = this.order.indexOf(this.active);
    return this.order[(i + step + this.order.length) % this.order.length];
  }

  /**
   * Splits or unsplits. Splitting shows the active tab and the one before it; returns false when there is
   * no second tab yet (the caller starts one, and activate() fills the right pane).
   */
  toggleSplit() {
    if (this.split) {
      this.active = this.split[this.focusedPane];
      this.split = null;
      this.focusedPane = 0;
      this.render();
      return true;
    }
    if (!this.active) return false;
    const i = this.order.indexOf(this.active);
    const other = this.order.filter((id) => id !== this.active)[Math.max(0, i - 1)];
    this.focusedPane = 1;
    if (!other) {
      this.split = [this.active, null];
      return false;
    }
    // Panes in the tabs' order (the tab before on the left), so the bar reads L before R.
    const before = this.order.indexOf(other) < i;
    this.split = before ? [other, this.active] : [this.active, other];
    this.activate(before ? this.active : other);
    return true;
  }

  markActivity(id) {
    const tab = this.tabs.get(id);
    if (tab && !tab.activity && id !== this.active) {
      tab.activity = true;
      this.render();
    }
  }

  /** The gateway's activity of a session's tab changed. */
  setStatus(id, status) {
    const tab = this.tabs.get(id);
    if (!tab) return;
    tab.status = status;
    if (status.state !== "needs-input") tab.attention = false;
    this.render();
  }

  /** Tabs shown in a pane right now. */
  shownIds() {
    return this.split ? this.split.filter(Boolean) : this.active ? [this.active] : [];
  }

  /** How many tabs need the user and have not been seen since. */
  attentionCount() {
    let count = 0;
    for (const tab of this.tabs.values()) if (tab.attention) count++;
    return count;
  }

  /** The user sees the shown tabs again (the page came back into view): they are no longer marked. */
  markSeen() {
    let changed = false;
    for (const id of this.shownIds()) {
      const tab = this.tabs.get(id);
      if (tab?.attention) {
        tab.attention = false;
        changed = true;
      }
    }
    if (changed) this.render();
  }

  render() {
    // A split with a pane whose tab is gone falls back to one pane (a pane still waiting for its tab stays).
    if (this.split && !(this.tabs.has(this.split[0]) && (this.split[1] === null || this.tabs.has(this.split[1])))) {
      this.split = null;
      this.focusedPane = 0;
    }
    const shown = this.split ? this.split.map((id) => (id ? this.tabs.get(id)?.view ?? null : null)) : [this.activeView() ?? null, null];
    this.tabBar.render({
      tabs: this.order.map((id) => {
        const tab = this.tabs.get(id);
        const pane = this.split ? this.split.indexOf(id) : -1;
        return {
          id,
          name: tab.name,
          state: tab.view.state,
          exit: tab.view.exit,
          activity: tab.activity,
          status: tab.status,
          attention: tab.attention,
          pane: pane >= 0 ? pane : undefined,
        };
      }),
      active: this.active,
    });
    this.splitView.show(shown, this.focusedPane);
    for (const tab of this.tabs.values()) tab.view.setVisible(shown.includes(tab.view));
    document.getElementById("empty").hidden = this.tabs.size > 0;
    document.getElementById("split-button").setAttribute("aria-pressed", String(Boolean(this.split)));
    this.onTitle(`${this.active ? `${this.tabs.get(this.active)?.name} — ` : ""}Agent terminal`);
    save({ order: this.order, names: this.names, active: this.active, split: this.split?.every(Boolean) ? this.split : null });
  }
}
