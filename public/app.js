// The page: tabs of terminals over the gateway's sessions, in one or two panes, with a status bar.
// This file wires the parts in public/js/ together and owns the page's state.

import { agents as fetchAgents, sessions as sessionsApi } from "./js/api.js";
import { AgentMenu } from "./js/agent-menu.js";
import { confirmDialog, toast, tokenDialog } from "./js/dialogs.js";
import { el } from "./js/dom.js";
import { Settings } from "./js/settings.js";
import { shortcutFor } from "./js/shortcuts.js";
import { SplitView } from "./js/split-view.js";
import { StatusBar } from "./js/status-bar.js";
import { load, save } from "./js/store.js";
import { TabBar } from "./js/tabs.js";
import { TerminalView } from "./js/terminal-view.js";
import { applyPageTheme, findTheme } from "./js/themes.js";
import { shellQuote, uploadFile, watchFiles } from "./js/upload.js";

const prefs = load();
const state = {
  /** id -> { id, agent, name, view, activity } */
  tabs: new Map(),
  order: [],
  active: null,
  split: null,
  focusedPane: 0,
  agents: [],
  theme: findTheme(prefs.theme),
  fontSize: prefs.fontSize,
};
const $ = (id) => document.getElementById(id);

applyPageTheme(state.theme);
const status = new StatusBar({ element: $("status-bar"), onTokenClick: (t) => askForToken(t?.lastError ? `The last token failed: ${t.lastError}` : undefined) });
const tabBar = new TabBar({
  list: $("tab-list"),
  onSelect: (id) => activate(id),
  onClose: (id) => void closeTab(id),
  onRename: (id, name) => rename(id, name),
  onMove: (id, delta) => moveTab(id, delta),
  onMoveTo: (from, to) => moveTab(from, state.order.indexOf(to) - state.order.indexOf(from)),
});
const agentMenu = new AgentMenu({ button: $("new-tab"), onPick: (agent) => void newTab(agent) });
const splitView = new SplitView({
  container: $("workspace"),
  parking: $("parking"),
  ratio: prefs.ratio,
  onRatio: (ratio) => save({ ratio }),
  onFocusPane: (i) => {
    if (state.split && state.focusedPane !== i) {
      state.focusedPane = i;
      state.active = state.split[i];
      render();
    }
  },
});
new Settings({
  button: $("settings-button"),
  theme: state.theme.id,
  fontSize: state.fontSize,
  onTheme: (id) => {
    state.theme = findTheme(id);
    applyPageTheme(state.theme);
    for (const tab of state.tabs.values()) tab.view.setTheme(state.theme);
    save({ theme: state.theme.id });
  },
  onFontSize: (size) => {
    state.fontSize = size;
    for (const tab of state.tabs.values()) tab.view.setFontSize(size);
    save({ fontSize: size });
  },
});
$("split-button").addEventListener("click", () => void toggleSplit());

// Page shortcuts work wherever focus is, the terminal included (it also refuses them: see TerminalView).
document.addEventListener(
  "keydown",
  (event) => {
    const action = shortcutFor(event);
    if (!action) return;
    event.preventDefault();
    event.stopPropagation();
    runShortcut(action);
  },
  true,
);

function runShortcut(action) {
  const view = activeView();
  switch (action) {
    case "new-tab":
      return void newTab("shell");
    case "close-tab":
      return state.active && void closeTab(state.active);
    case "previous-tab":
    case "next-tab": {
      if (state.order.length === 0) return;
      const i = state.order.indexOf(state.active);
      const next = state.order[(i + (action === "next-tab" ? 1 : -1) + state.order.length) % state.order.length];
      return activate(next);
    }
    case "search":
      return view?.openSearch();
    case "copy":
      return view && void view.copySelection().then((ok) => ok || toast("Nothing copied: select text first, and allow clipboard access.", "warn"));
  }
}

let tokenDialogOpen = false;

/** Opens the token dialog once; the token goes to the gateway only, never into the page's storage. */
function askForToken(reason) {
  if (tokenDialogOpen) return;
  tokenDialogOpen = true;
  tokenDialog({
    reason,
    onSaved: () => {
      toast("Token accepted.");
      void status.refresh();
    },
    onClosed: () => {
      tokenDialogOpen = false;
      activeView()?.focus();
    },
  });
}

function activeView() {
  return state.active ? state.tabs.get(state.active)?.view : undefined;
}

function addTab(info) {
  if (state.tabs.has(info.id)) return state.tabs.get(info.id);
  const name = prefs.names[info.id] ?? info.title ?? info.agent;
  const view = new TerminalView({
    id: info.id,
    label: name,
    theme: state.theme,
    fontSize: state.fontSize,
    shortcut: (event) => Boolean(shortcutFor(event)),
    onState: () => render(),
    onActivity: (v) => {
      const tab = state.tabs.get(v.id);
      if (tab && !tab.activity) {
        tab.activity = true;
        render();
      }
    },
    onNotice: (v, message) => {
      toast(`${v.label}: ${message}`, "warn", 8000);
      // An agent that started without a usable token says so: ask for one right away.
      void status.refresh().then(() => status.needsToken() && askForToken(message));
    },
    onRestart: (v) => void restartTab(v.id),
    onClose: (v) => void closeTab(v.id, false),
  });
  watchFiles(view.element, (files) => void uploadInto(view, files));
  const tab = { id: info.id, agent: info.agent, name, view, activity: false };
  state.tabs.set(info.id, tab);
  if (!state.order.includes(info.id)) state.order.push(info.id);
  return tab;
}

async function newTab(agentId) {
  const agent = state.agents.find((a) => a.id === agentId);
  if (agent && !agent.available) return toast(`${agent.label} is not available: ${agent.reason}`, "error");
  const size = activeView()?.terminal ?? { cols: 80, rows: 24 };
  status.setActivity(`Starting ${agent?.label ?? agentId}…`);
  try {
    const created = await sessionsApi.create(agentId, size.cols, size.rows);
    addTab({ id: created.id, agent: created.agent, title: agent?.label ?? agentId });
    activate(created.id);
    // The gateway's notice is printed before this page attaches; ask here too when an agent has no token.
    if (agentId !== "shell") {
      void status.refresh().then(() => {
        if (status.needsToken()) askForToken(`No usable Databricks token: ${agent?.label ?? agentId} cannot reach the models until you paste one.`);
      });
    }
  } catch (error) {
    toast(`Could not start ${agent?.label ?? agentId}: ${error.message}`, "error", 8000);
  } finally {
    status.setActivity("");
  }
}

function activate(id) {
  if (!state.tabs.has(id)) return;
  if (state.split) {
    const other = 1 - state.focusedPane;
    if (state.split[other] === id) state.split[other] = state.split[state.focusedPane];
    state.split[state.focusedPane] = id;
  }
  state.active = id;
  state.tabs.get(id).activity = false;
  render();
  state.tabs.get(id).view.focus();
}

async function closeTab(id, ask = true) {
  const tab = state.tabs.get(id);
  if (!tab) return;
  const running = !["exited", "gone"].includes(tab.view.state);
  if (ask && running) {
    const ok = await confirmDialog({ title: `Close ${tab.name}?`, message: `${tab.name} is still running. Closing the tab ends it and everything it started.`, confirm: "Close and end it", danger: true });
    if (!ok) return tab.view.focus();
  }
  try {
    await sessionsApi.remove(id);
  } catch (error) {
    if (error.status !== 404) return toast(`Could not close ${tab.name}: ${error.message}`, "error");
  }
  const index = state.order.indexOf(id);
  tab.view.dispose();
  state.tabs.delete(id);
  state.order.splice(index, 1);
  delete prefs.names[id];
  if (state.split?.includes(id)) {
    const keep = state.split.find((s) => s !== id);
    state.split = null;
    state.focusedPane = 0;
    state.active = keep;
  }
  if (state.active === id) state.active = state.order[Math.min(index, state.order.length - 1)] ?? null;
  render();
  activeView()?.focus();
}

async function restartTab(id) {
  const tab = state.tabs.get(id);
  if (!tab) return;
  try {
    const { cols, rows } = tab.view.terminal;
    const created = await sessionsApi.create(tab.agent, cols, rows);
    sessionsApi.remove(id).catch(() => {}); // The exited one only holds its screen now.
    rekey(id, created.id);
    tab.view.attach(created.id);
    render();
    tab.view.focus();
  } catch (error) {
    toast(`Could not restart ${tab.name}: ${error.message}`, "error", 8000);
  }
}

function rekey(from, to) {
  const tab = state.tabs.get(from);
  state.tabs.delete(from);
  tab.id = to;
  state.tabs.set(to, tab);
  state.order = state.order.map((x) => (x === from ? to : x));
  if (state.split) state.split = state.split.map((x) => (x === from ? to : x));
  if (state.active === from) state.active = to;
  if (prefs.names[from]) {
    prefs.names[to] = prefs.names[from];
    delete prefs.names[from];
  }
}

function rename(id, name) {
  const tab = state.tabs.get(id);
  if (tab && name) {
    tab.name = name;
    tab.view.setLabel(name);
    prefs.names[id] = name;
  }
  render();
  tabBar.tabElement(id)?.focus();
}

function moveTab(id, delta) {
  const from = state.order.indexOf(id);
  const to = Math.max(0, Math.min(state.order.length - 1, from + delta));
  if (from < 0 || from === to) return;
  state.order.splice(from, 1);
  state.order.splice(to, 0, id);
  render();
}

async function toggleSplit() {
  if (state.split) {
    state.active = state.split[state.focusedPane];
    state.split = null;
    state.focusedPane = 0;
    return render();
  }
  if (!state.active) return void newTab("shell");
  const i = state.order.indexOf(state.active);
  const other = state.order.filter((id) => id !== state.active)[Math.max(0, i - 1)];
  state.split = [state.active, other ?? null];
  state.focusedPane = 1;
  if (other) activate(other);
  else await newTab("shell");
}

function render() {
  // A split needs two tabs; one left over means back to a single pane.
  if (state.split && !state.split.every((id) => id && state.tabs.has(id))) {
    if (state.split[1] === null && state.tabs.has(state.split[0])) {
      // Waiting for the second tab to start.
    } else {
      state.split = null;
      state.focusedPane = 0;
    }
  }
  const shown = state.split ? state.split.map((id) => (id ? state.tabs.get(id)?.view ?? null : null)) : [activeView() ?? null, null];
  tabBar.render({
    tabs: state.order.map((id) => {
      const tab = state.tabs.get(id);
      const pane = state.split ? state.split.indexOf(id) : -1;
      return { id, name: tab.name, state: tab.view.state, exit: tab.view.exit, activity: tab.activity, pane: pane >= 0 ? pane : undefined };
    }),
    active: state.active,
  });
  splitView.show(shown, state.focusedPane);
  for (const tab of state.tabs.values()) tab.view.setVisible(shown.includes(tab.view));
  $("empty").hidden = state.tabs.size > 0;
  $("split-button").setAttribute("aria-pressed", String(Boolean(state.split)));
  document.title = `${state.active ? `${state.tabs.get(state.active)?.name} — ` : ""}Agent terminal`;
  save({ order: state.order, names: prefs.names, active: state.active, split: state.split?.every(Boolean) ? state.split : null });
}

async function uploadInto(view, files) {
  const paths = [];
  for (const file of files) {
    status.setActivity(`Uploading ${file.name || "pasted file"}…`);
    try {
      paths.push((await uploadFile(file)).path);
    } catch (error) {
      toast(error.message, "error", 8000);
    }
  }
  status.setActivity("");
  if (paths.length === 0) return;
  view.type(paths.map(shellQuote).join(" ") + " ");
  toast(paths.length === 1 ? `Uploaded to ${paths[0]}` : `Uploaded ${paths.length} files to ${paths[0].replace(/\/[^/]*$/, "")}`);
  view.focus();
}

function renderEmpty(error) {
  const buttons = state.agents.map((agent) =>
    el(
      "button",
      { type: "button", class: "start-agent", "data-agent": agent.id, disabled: !agent.available, title: agent.reason, onclick: () => void newTab(agent.id) },
      [el("strong", {}, agent.label), el("span", {}, agent.available ? (agent.version ? `version ${agent.version}` : "ready") : agent.reason)],
    ),
  );
  $("empty").replaceChildren(
    el("h1", {}, "No terminals open"),
    el("p", { class: "muted" }, error ? `The gateway could not list its agents: ${error}` : "Start one; it keeps running when you close or reload this page."),
    el("div", { class: "start-grid" }, buttons),
  );
}

async function boot() {
  status.setActivity("Checking agent CLIs…");
  $("empty").replaceChildren(el("p", { class: "muted", role: "status" }, "Checking agent CLIs…"));
  try {
    state.agents = await fetchAgents();
    agentMenu.setAgents(state.agents);
    renderEmpty();
  } catch (error) {
    agentMenu.setAgents(null, error.message);
    renderEmpty(error.message);
  }
  status.setActivity("Restoring sessions…");
  try {
    const list = await sessionsApi.list();
    const rank = (id) => (prefs.order.includes(id) ? prefs.order.indexOf(id) : Infinity);
    list.sort((a, b) => rank(a.id) - rank(b.id) || a.createdAt.localeCompare(b.createdAt));
    for (const info of list) addTab(info);
    state.active = state.tabs.has(prefs.active) ? prefs.active : state.order[0] ?? null;
    if (prefs.split?.every((id) => state.tabs.has(id)) && prefs.split[0] !== prefs.split[1]) {
      state.split = [...prefs.split];
      state.focusedPane = Math.max(0, state.split.indexOf(state.active));
      state.active = state.split[state.focusedPane];
    }
    for (const id of Object.keys(prefs.names)) if (!state.tabs.has(id)) delete prefs.names[id];
  } catch (error) {
    toast(`Could not list sessions: ${error.message}`, "error", 10000);
  }
  status.setActivity("");
  render();
  activeView()?.focus();
}

// Sessions started from another window appear here too when this page comes back into view.
document.addEventListener("visibilitychange", async () => {
  if (document.visibilityState !== "visible") return;
  try {
    const list = await sessionsApi.list();
    const before = state.tabs.size;
    for (const info of list) if (!state.tabs.has(info.id)) addTab(info);
    if (state.tabs.size !== before) render();
  } catch {
    // The tabs' own connections report an unreachable gateway.
  }
});

void boot();
