// The page: tabs of terminals over the gateway's sessions, in one or two panes, with a status bar.
// This file wires the parts in public/js/ together: what each user action does, and the start-up.

import { agents as fetchAgents, models as modelsApi, sessions as sessionsApi } from "./js/api.js";
import { AgentMenu } from "./js/agent-menu.js";
import { confirmDialog, toast } from "./js/dialogs.js";
import { el } from "./js/dom.js";
import { Settings } from "./js/settings.js";
import { shortcutFor } from "./js/shortcuts.js";
import { SplitView } from "./js/split-view.js";
import { StatusBar } from "./js/status-bar.js";
import { load, save } from "./js/store.js";
import { TabBar } from "./js/tabs.js";
import { TerminalView } from "./js/terminal-view.js";
import { applyPageTheme, findTheme } from "./js/themes.js";
import { createTokenPrompt } from "./js/token-prompt.js";
import { shellQuote, uploadFile, watchFiles } from "./js/upload.js";
import { Workspace } from "./js/workspace.js";

const prefs = load();
const look = { theme: findTheme(prefs.theme), fontSize: prefs.fontSize };
let agents = [];
const $ = (id) => document.getElementById(id);

applyPageTheme(look.theme);
const status = new StatusBar({
  element: $("status-bar"),
  onTokenClick: (t) => tokenPrompt.ask(t?.lastError ? `The last token failed: ${t.lastError}` : undefined),
});
const tokenPrompt = createTokenPrompt({ status, onClosed: () => ws.activeView()?.focus() });
const tabBar = new TabBar({
  list: $("tab-list"),
  onSelect: (id) => ws.activate(id),
  onClose: (id) => void closeTab(id),
  onRename: (id, name) => {
    ws.rename(id, name);
    tabBar.tabElement(id)?.focus();
  },
  onMove: (id, delta) => ws.move(id, delta),
  onMoveTo: (from, to) => ws.move(from, ws.order.indexOf(to) - ws.order.indexOf(from)),
});
const splitView = new SplitView({
  container: $("workspace"),
  parking: $("parking"),
  ratio: prefs.ratio,
  onRatio: (ratio) => save({ ratio }),
  onFocusPane: (i) => ws.focusPane(i),
});
const ws = new Workspace({ tabBar, splitView, names: prefs.names });
const agentMenu = new AgentMenu({
  button: $("new-tab"),
  onPick: (agent, model, options) => void newTab(agent, model, options),
  loadModels: modelsApi,
});
new Settings({
  button: $("settings-button"),
  theme: look.theme.id,
  fontSize: look.fontSize,
  onTheme: (id) => {
    look.theme = findTheme(id);
    applyPageTheme(look.theme);
    for (const tab of ws.tabs.values()) tab.view.setTheme(look.theme);
    save({ theme: look.theme.id });
  },
  onFontSize: (size) => {
    look.fontSize = size;
    for (const tab of ws.tabs.values()) tab.view.setFontSize(size);
    save({ fontSize: size });
  },
});
$("split-button").addEventListener("click", () => {
  if (!ws.toggleSplit()) void newTab("shell");
});

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
  const view = ws.activeView();
  switch (action) {
    case "new-tab":
      return void newTab("shell");
    case "close-tab":
      return ws.active && void closeTab(ws.active);
    case "previous-tab":
    case "next-tab":
      return ws.activate(ws.neighbour(action === "next-tab" ? 1 : -1));
    case "search":
      return view?.openSearch();
    case "focus-tabs":
      return (tabBar.tabElement(ws.active) ?? $("new-tab")).focus();
    case "copy":
      return view && void view.copySelection().then((ok) => ok || toast("Nothing copied: select text first, and allow clipboard access.", "warn"));
  }
}

function addTab(info) {
  if (ws.get(info.id)) return;
  const name = ws.nameFor(info);
  const view = new TerminalView({
    id: info.id,
    label: name,
    theme: look.theme,
    fontSize: look.fontSize,
    shortcut: (event) => Boolean(shortcutFor(event)),
    onState: () => ws.render(),
    onActivity: (v) => ws.markActivity(v.id),
    onNotice: (v, message) => {
      toast(`${v.label}: ${message}`, "warn", 8000);
      void tokenPrompt.askIfNeeded(message);
    },
    onRestart: (v) => void restartTab(v.id),
    onClose: (v) => void closeTab(v.id, false),
  });
  watchFiles(view.element, (files) => void uploadInto(view, files));
  ws.add({ id: info.id, agent: info.agent, name, view, activity: false });
}

async function newTab(agentId, model, options = {}) {
  const agent = agents.find((a) => a.id === agentId);
  if (agent && !agent.available) return toast(`${agent.label} is not available: ${agent.reason}`, "error");
  const label = agent?.label ?? agentId;
  const size = ws.activeView()?.terminal ?? { cols: 80, rows: 24 };
  status.setActivity(`Starting ${label}…`);
  try {
    const extra = { ...(model ? { model } : {}), ...(options.resume ? { resume: options.resume } : {}) };
    const created = await sessionsApi.create(agentId, size.cols, size.rows, extra);
    // The title names the model the tab runs with.
    addTab({ id: created.id, agent: created.agent, title: created.title ?? label });
    ws.activate(created.id);
    if (agentId !== "shell") void tokenPrompt.askIfNeeded(`No usable Databricks token: ${label} cannot reach the models until you paste one.`);
  } catch (error) {
    toast(`Could not start ${label}: ${error.message}`, "error", 8000);
    if (ws.split?.[1] === null) ws.toggleSplit();
  } finally {
    status.setActivity("");
  }
}

async function closeTab(id, ask = true) {
  const tab = ws.get(id);
  if (!tab) return;
  if (ask && !["exited", "gone"].includes(tab.view.state)) {
    const ok = await confirmDialog({
      title: `Close ${tab.name}?`,
      message: `${tab.name} is still running. Closing the tab ends it and everything it started.`,
      confirm: "Close and end it",
      danger: true,
    });
    if (!ok) return tab.view.focus();
  }
  try {
    await sessionsApi.remove(id);
  } catch (error) {
    if (error.status !== 404) return toast(`Could not close ${tab.name}: ${error.message}`, "error");
  }
  tab.view.dispose();
  ws.remove(id);
  ws.activeView()?.focus();
}

async function restartTab(id) {
  const tab = ws.get(id);
  if (!tab) return;
  try {
    const { cols, rows } = tab.view.terminal;
    const created = await sessionsApi.create(tab.agent, cols, rows);
    sessionsApi.remove(id).catch(() => {}); // The exited one only holds its screen now.
    ws.rekey(id, created.id);
    tab.view.attach(created.id);
    ws.render();
    tab.view.focus();
  } catch (error) {
    toast(`Could not restart ${tab.name}: ${error.message}`, "error", 8000);
  }
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
  const buttons = agents.map((agent) =>
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
    agents = await fetchAgents();
    agentMenu.setAgents(agents);
    renderEmpty();
  } catch (error) {
    agentMenu.setAgents(null, error.message);
    renderEmpty(error.message);
  }
  status.setActivity("Restoring sessions…");
  try {
    for (const info of ws.restore(await sessionsApi.list(), prefs)) addTab(info);
    ws.restoreLayout(prefs);
  } catch (error) {
    toast(`Could not list sessions: ${error.message}`, "error", 10000);
  }
  status.setActivity("");
  ws.render();
  ws.activeView()?.focus();
}

// Sessions started from another window appear here too when this page comes back into view.
document.addEventListener("visibilitychange", async () => {
  if (document.visibilityState !== "visible") return;
  try {
    const list = await sessionsApi.list();
    const before = ws.tabs.size;
    for (const info of list) addTab(info);
    if (ws.tabs.size !== before) ws.render();
  } catch {
    // The tabs' own connections report an unreachable gateway.
  }
});

void boot();
