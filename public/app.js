// The page: tabs of terminals over the gateway's sessions, in one or two panes, with a status bar.
// This file wires the parts in public/js/ together: what each user action does, and the start-up.

import { agents as fetchAgents, models as modelsApi, sessions as sessionsApi, uploadFile } from "./js/api.js";
import { AgentMenu } from "./js/agent-menu.js";
import { Attention, attentionToggles } from "./js/attention.js";
import { confirmDialog, toast } from "./js/dialogs.js";
import { el } from "./js/dom.js";
import { connectEvents } from "./js/events.js";
import { createLiveUpdates } from "./js/live-updates.js";
import { Settings } from "./js/settings.js";
import { shortcutFor } from "./js/shortcuts.js";
import { SplitView } from "./js/split-view.js";
import { StatusBar } from "./js/status-bar.js";
import { load, save } from "./js/store.js";
import { TabBar } from "./js/tabs.js";
import { TerminalView } from "./js/terminal-view.js";
import { applyPageTheme, findTheme } from "./js/themes.js";
import { createTokenPrompt } from "./js/token-prompt.js";
import { fitToVisualViewport, KeyBar } from "./js/key-bar.js";
import { shellQuote, watchFiles } from "./js/upload.js";
import { Workspace } from "./js/workspace.js";

const prefs = load();
const look = { theme: findTheme(prefs.theme), fontSize: prefs.fontSize };
let agents = [];
const $ = (id) => document.getElementById(id);

applyPageTheme(look.theme);
const status = new StatusBar({
  element: $("status-bar"),
  onTokenClick: (t) => tokenPrompt.ask(t?.lastError ? `The last token failed: ${t.lastError}` : undefined),
  onModels: () => agents.length && renderEmpty(),
});
const tokenPrompt = createTokenPrompt({ status, onClosed: () => ws.activeView()?.focus() });
const attentionPrefs = { notify: prefs.notify, sound: prefs.sound, titleCount: prefs.titleCount };
const attention = new Attention({ prefs: attentionPrefs, onFocusTab: (id) => ws.activate(id) });
const tabBar = new TabBar({
  list: $("tab-list"),
  switcher: $("tab-switcher"),
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
const ws = new Workspace({
  tabBar,
  splitView,
  names: prefs.names,
  onTitle: (title) => {
    attention.setTitle(title);
    attention.setCount(ws.attentionCount());
  },
});
const agentMenu = new AgentMenu({
  button: $("new-tab"),
  onPick: (agent, model, options) => void newTab(agent, model, options),
  loadModels: modelsApi,
});
const settings = new Settings({
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
  toggles: attentionToggles(attentionPrefs, attention, save),
});
const live = createLiveUpdates({ ws, status, attention, addTab: (info) => addTab(info) });
const creating = (promise) => live.creating(promise);
const keyBar = new KeyBar({
  element: $("key-bar"),
  target: () => ws.activeView(),
  onFontStep: (step) => settings.stepFontSize(step),
  onPasteFailed: () => toast("Paste needs clipboard access: allow it, or long-press the terminal and paste.", "warn"),
});
fitToVisualViewport();
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
      // Pressed again from the tab bar, it goes on to the status bar (token, models, sync, Open IDE).
      if ($("tab-list").contains(document.activeElement) || document.activeElement === $("new-tab")) return status.focus();
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
    // The gateway's notice is also printed in the tab; the token is asked for by the status bar's item,
    // never by a dialog that would take the keys the user meant for the agent.
    onNotice: (v, message) => toast(`${v.label}: ${message}`, "warn", 8000),
    onRestart: (v) => void restartTab(v.id),
    onClose: (v) => void closeTab(v.id, false),
  });
  view.inputFilter = (data) => keyBar.filter(data);
  watchFiles(view.element, (files) => void uploadInto(view, files));
  ws.add({ id: info.id, agent: info.agent, name, view, activity: false, status: info.activity, attention: false });
}

async function newTab(agentId, model, options = {}) {
  const agent = agents.find((a) => a.id === agentId);
  if (agent && !agent.available) return toast(`${agent.label} is not available: ${agent.reason}`, "error");
  const label = agent?.label ?? agentId;
  // Starting an agent is a user gesture: ask here (once) whether it may notify, never on load.
  if (attentionPrefs.notify && agentId !== "shell") void attention.requestPermission();
  const size = ws.activeView()?.terminal ?? { cols: 80, rows: 24 };
  status.setActivity(`Starting ${label}…`);
  try {
    const extra = { ...(model ? { model } : {}), ...(options.resume ? { resume: options.resume } : {}) };
    const created = await creating(sessionsApi.create(agentId, size.cols, size.rows, extra));
    // The title names the model the tab runs with.
    addTab({ id: created.id, agent: created.agent, title: created.title ?? label });
    ws.activate(created.id);
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
  if (ask && !["exited", "gone"].includes(tab.view.state) && (tab.agent !== "shell" || (await isBusy(id)))) {
    const ok = await confirmDialog({
      title: `Close ${tab.name}?`,
      message: tab.agent === "shell" ? `A command is still running in ${tab.name}. Closing the tab ends it and everything it started.` : `${tab.name} is still running. Closing the tab ends it and everything it started.`,
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

/** Whether a shell tab runs a command (GET /api/sessions says busy); when unsure, it does. */
async function isBusy(id) {
  try {
    return (await sessionsApi.list()).find((s) => s.id === id)?.busy !== false;
  } catch {
    return true;
  }
}

async function restartTab(id) {
  const tab = ws.get(id);
  if (!tab) return;
  try {
    const { cols, rows } = tab.view.terminal;
    const created = await creating(sessionsApi.create(tab.agent, cols, rows));
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
  // With no workspace an agent runs on its own CLI login or API keys, not the workspace's models: say so up front.
  const noRoute = status.modelRoute === "none";
  const note = (agent) =>
    !agent.available ? agent.reason : noRoute && agent.id !== "shell" ? "own CLI config (no workspace)" : agent.version ? `version ${agent.version}` : "ready";
  const buttons = agents.map((agent) =>
    el(
      "button",
      { type: "button", class: "start-agent", "data-agent": agent.id, disabled: !agent.available, title: agent.reason, onclick: () => void newTab(agent.id) },
      [el("strong", {}, agent.label), el("span", { class: noRoute && agent.id !== "shell" && agent.available ? "muted" : "" }, note(agent))],
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

// Back in view: the tabs shown are seen.
document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && ws.markSeen());
window.addEventListener("focus", () => ws.markSeen());

// The live channel starts after the restore, so restored tabs keep their remembered order.
// Should a proxy hold the stream back (no "hello" within 10 s), the status bar falls back to reading its
// endpoints every 30 s until the stream works.
const FALLBACK_AFTER_MS = 10_000;
const FALLBACK_POLL_MS = 30_000;
void boot().then(() => {
  let wasReachable = true;
  let streaming = false;
  let poll;
  const fallback = () => (poll ??= setInterval(() => !streaming && document.visibilityState === "visible" && void status.refresh(), FALLBACK_POLL_MS));
  setTimeout(() => !streaming && fallback(), FALLBACK_AFTER_MS);
  connectEvents({
    onHello: (snapshot) => {
      streaming = true;
      clearInterval(poll);
      poll = undefined;
      live.onHello(snapshot);
    },
    onEvent: live.onEvent,
    onReachable: (reachable) => {
      if (!reachable && wasReachable && status.gateway.textContent !== "Gateway stopped") status.setGateway("unreachable");
      if (!reachable && streaming) setTimeout(() => !streaming && fallback(), FALLBACK_AFTER_MS);
      if (!reachable) streaming = false;
      wasReachable = reachable;
    },
  });
});
