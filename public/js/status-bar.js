// The status bar: what the page is doing, the signed-in user, the token, the last workspace sync and the IDE.
// It reads each endpoint once at start; after that the events channel (events.js) pushes every change into
// apply(). Endpoints a later issue has not built answer 404: their item shows "-" and the control stays safe.

import { readStatus } from "./api.js";
import { el } from "./dom.js";

/** "in 12 min", "3 min ago", from a timestamp. */
export function relative(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "-";
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  const text = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

function item(id, label) {
  const value = el("span", { class: "status-value" }, "-");
  const node = el("span", { class: "status-item", id }, [el("span", { class: "status-label" }, label), value]);
  return { node, value };
}

/** Renders the status endpoints, read once and then pushed by the events channel; call close() to stop. */
export class StatusBar {
  /** @param {{ element: HTMLElement, onTokenClick: (state: object) => void }} options */
  constructor({ element, onTokenClick, onModels }) {
    this.onModels = onModels;
    this.activity = el("span", { class: "status-activity", role: "status", "aria-live": "polite" });
    this.email = item("status-email", "User");
    this.token = item("status-token", "Token");
    this.sync = item("status-sync", "Sync");
    this.models = item("status-models", "Models");
    this.memory = item("status-memory", "Memory");
    this.tokenButton = el("button", { type: "button", class: "status-button", hidden: true, onclick: () => onTokenClick(this.tokenState) }, "Set token…");
    this.token.node.append(this.tokenButton);
    this.ideState = el("span", { class: "ide-state" });
    this.ide = el(
      "button",
      { type: "button", class: "ide-button", id: "open-ide", disabled: true, title: "Checking whether the IDE is available…", onclick: () => this.openIde() },
      ["Open IDE", this.ideState],
    );
    // Details that were only hover titles: each item opens them on click, Enter or a tap (keyboard and touch).
    this.detailsPanel = el("div", { class: "status-details", id: "status-details", role: "dialog", "aria-label": "Details", hidden: true });
    for (const it of [this.email, this.token, this.models, this.sync, this.memory]) this.makeDetails(it.node);
    this.gateway = el("span", { class: "status-item status-gateway", id: "status-gateway", role: "status", hidden: true });
    element.replaceChildren(this.activity, this.gateway, el("span", { class: "status-spacer" }), this.email.node, this.token.node, this.models.node, this.sync.node, this.memory.node, this.ide, this.detailsPanel);
    this.element = element;
    void this.refresh();
  }

  /** The item's label becomes the button that shows its details (the item also holds "Set token…"). */
  makeDetails(node) {
    const label = node.querySelector(".status-label");
    label.tabIndex = 0;
    label.setAttribute("role", "button");
    label.setAttribute("aria-controls", "status-details");
    label.setAttribute("aria-expanded", "false");
    label.setAttribute("aria-describedby", node.querySelector(".status-value").id = `${node.id}-value`);
    const toggle = (event) => {
      if (event.target.closest("button")) return; // the item's own button (Set token…)
      const open = this.detailsPanel.hidden || this.detailsFor !== node;
      this.closeDetails();
      if (!open) return;
      this.detailsFor = node;
      this.detailsPanel.textContent = node.title || "No details.";
      this.detailsPanel.hidden = false;
      label.setAttribute("aria-expanded", "true");
    };
    node.addEventListener("click", toggle);
    label.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        toggle(event);
      } else if (event.key === "Escape") this.closeDetails();
    });
    label.addEventListener("blur", () => setTimeout(() => !this.element.contains(document.activeElement) && this.closeDetails(), 0));
  }

  closeDetails() {
    this.detailsPanel.hidden = true;
    this.detailsFor?.querySelector(".status-label")?.setAttribute("aria-expanded", "false");
    this.detailsFor = undefined;
  }

  /** Focuses the first item (the keyboard's way to the token, models, sync and IDE while a terminal has it). */
  focus() {
    this.email.node.querySelector(".status-label").focus();
  }

  /** A status pushed by the events channel: the same value its GET endpoint answers. */
  apply(type, value) {
    const res = { ok: true, value };
    if (type === "token") this.renderToken(res);
    else if (type === "sync") this.renderSync(res);
    else if (type === "ide") this.renderIde(res);
    else if (type === "models") this.renderModels(res);
    else if (type === "memory") this.renderMemory(res);
  }

  /** Whether the gateway answers: "stopped" (it said so), "unreachable", or "" (fine). */
  setGateway(state) {
    this.gateway.hidden = !state;
    this.gateway.textContent = state === "stopped" ? "Gateway stopped" : state === "unreachable" ? "Gateway unreachable" : "";
    this.gateway.classList.toggle("warn", Boolean(state));
  }

  /** Says what the page is doing ("Checking agent CLIs…"); empty clears it. */
  setActivity(text, kind = "") {
    this.activity.textContent = text;
    this.activity.className = `status-activity ${kind}`;
  }

  async refresh() {
    const [me, token, sync, ide, models] = await Promise.all([
      readStatus("api/me"),
      readStatus("api/token"),
      readStatus("api/sync"),
      readStatus("api/ide"),
      readStatus("api/models"),
    ]);
    void readStatus("api/memory").then((res) => this.renderMemory(res));
    this.renderMe(me);
    this.renderModels(models);
    this.renderToken(token);
    this.renderSync(sync);
    this.renderIde(ide);
  }

  renderMe(res) {
    const email = res.ok && typeof res.value?.email === "string" && res.value.email ? res.value.email : undefined;
    this.email.value.textContent = email ?? (res.ok && res.value?.mode === "local" ? "local mode" : "-");
    this.email.node.title = res.ok ? `Signed in${res.value?.mode ? ` (${res.value.mode} mode)` : ""}` : "Could not be read";
  }

  /**
   * The model route in use (GET /api/models): how the agents' model calls leave the gateway, whether the
   * workspace's models could be listed (a refused token or a missing grant shows here), and each agent's model.
   */
  renderModels(res) {
    const names = {
      gateway: "AI Gateway (configured)",
      "ai-gateway-v2": "AI Gateway v2",
      "ai-gateway": "AI Gateway",
      serving: "serving endpoints",
      none: "own CLI config",
    };
    const info = res.ok ? res.value : undefined;
    const route = info?.route;
    if (route !== this.modelRoute) {
      this.modelRoute = route;
      this.onModels?.(route);
    }
    const discovery = info?.discovery;
    const problem = ["unauthorized", "forbidden", "failed"].includes(discovery?.state);
    this.models.value.textContent = typeof route === "string" ? `${names[route] ?? route}${problem ? " !" : ""}` : "-";
    this.models.node.classList.toggle("warn", problem);
    if (!res.ok) {
      this.models.node.title = "Model status could not be read";
      return;
    }
    const labels = { claude: "Claude", codex: "Codex", gemini: "Gemini" };
    const agents = Object.entries(labels).map(([id, label]) => {
      const agent = info?.agents?.[id];
      if (!agent) return "";
      if (agent.route === "own") return `${label}: your own CLI configuration`;
      const offered = Array.isArray(agent.models) && agent.models.length > 1 ? ` (${agent.models.length} offered)` : "";
      return `${label} ${agent.model}${offered}`;
    });
    this.models.node.title = [
      route === "none" ? "No workspace: agent tabs use each CLI's own login or API keys" : `Model calls: ${info?.baseUrl ?? "-"}`,
      route === "none" ? "" : `signed with the ${info?.auth === "app" ? "app's credentials" : "owner's token"}`,
      discovery?.message ? `${discovery.stale ? "Last listing failed (the previous list is used): " : ""}${discovery.message}` : "",
      ...agents,
    ]
      .filter(Boolean)
      .join("\n");
  }

  /** True when GET /api/token says there is no usable token. */
  needsToken() {
    return typeof this.tokenState?.disabled !== "string" && ["missing", "expired"].includes(this.tokenState?.state);
  }

  renderToken(res) {
    const { value, node } = this.token;
    node.className = "status-item";
    this.tokenButton.hidden = true;
    if (!res.ok || !res.value || typeof res.value.state !== "string") {
      this.tokenState = undefined;
      value.textContent = "-";
      node.title = "Token status could not be read";
      return;
    }
    const t = (this.tokenState = res.value);
    if (typeof t.disabled === "string") {
      // The gateway takes no token here (local mode without a workspace): nothing to ask for, nothing to warn of.
      value.textContent = "not used";
      node.title = `The gateway takes no token: ${t.disabled}.`;
      return;
    }
    const expiry = t.expiresAt ? ` · expires ${relative(t.expiresAt)}` : "";
    value.textContent = `${t.state}${t.state === "active" || t.state === "rotating" ? expiry : ""}`;
    node.title = [t.rotatedAt ? `Rotated ${relative(t.rotatedAt)}` : "", t.lastError ? `Last error: ${t.lastError}` : ""].filter(Boolean).join("\n") || "Databricks token";
    const needsToken = this.needsToken() || t.state === "error";
    node.classList.toggle("warn", needsToken);
    this.tokenButton.hidden = !needsToken;
  }

  /** Memory in use of the container's limit (GET /api/memory); warns when a new start would be refused. */
  renderMemory(res) {
    const m = res.ok ? res.value : undefined;
    const { value, node } = this.memory;
    if (!m || !(m.limitBytes > 0)) {
      value.textContent = "-";
      node.title = "Memory use could not be read";
      return;
    }
    const gib = (bytes) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
    value.textContent = `${gib(m.usedBytes)} / ${gib(m.limitBytes)}`;
    node.classList.toggle("warn", m.availableBytes < m.headroomBytes + 512 * 2 ** 20);
    node.title = `${gib(m.availableBytes)} free (${m.source === "meminfo" ? "the machine's memory" : "the container's limit"}); ` +
      `new sessions and the IDE are refused below ${gib(m.headroomBytes)} free plus what they need`;
  }

  renderSync(res) {
    const { value, node } = this.sync;
    node.className = "status-item";
    if (!res.ok || !Array.isArray(res.value)) {
      value.textContent = "-";
      node.title = "Sync status could not be read";
      return;
    }
    const repos = res.value.filter((r) => r && typeof r === "object");
    const pending = repos.reduce((n, r) => n + (Number(r.pending) || 0), 0);
    const failed = repos.filter((r) => r.lastError);
    const last = repos.map((r) => r.lastSyncedAt).filter((t) => typeof t === "string").sort().pop();
    value.textContent = pending > 0 ? `syncing ${pending}…` : last ? relative(last) : repos.length ? "not yet" : "no repositories";
    node.classList.toggle("warn", failed.length > 0);
    node.title = repos.length
      ? repos.map((r) => `${r.name}: ${r.lastSyncedAt ? relative(r.lastSyncedAt) : "never"}${r.lastError ? ` — ${r.lastError}` : ""}`).join("\n")
      : "Commits in ~/projects are synced to the workspace";
    // After a redeploy: the restore's progress ("Restoring 3 repositories: demo 2/3 …") and outcome, from r.restore.
    const restoring = repos.filter((r) => r.restore && (r.restore.state === "waiting" || r.restore.state === "restoring"));
    const restored = repos.filter((r) => r.restore && r.restore.state !== "waiting" && r.restore.state !== "restoring");
    if (restoring.length > 0) {
      const current = restoring.find((r) => r.restore.state === "restoring") ?? restoring[0];
      const step = current.restore.steps ? ` ${current.restore.step}/${current.restore.steps}` : "";
      value.textContent = `Restoring ${restoring.length} ${restoring.length === 1 ? "repository" : "repositories"}: ${current.name}${step} …`;
      if (!this.soon) this.soon = setTimeout(() => ((this.soon = undefined), void this.refresh()), 1000);
    }
    if (restored.length > 0) {
      node.title += "\n\nRestored after a redeploy:\n" + restored.map((r) => `${r.name}: ${r.restore.state}${r.restore.message ? ` — ${r.restore.message}` : ""}`).join("\n");
      if (restored.some((r) => r.restore.state === "failed" || r.restore.state === "conflict")) node.classList.add("warn");
    }
  }

  renderIde(res) {
    if (!res.ok) {
      this.ide.disabled = true;
      this.ideState.textContent = "";
      this.ide.title = "The IDE's status could not be read";
      return;
    }
    const installing = res.value?.install?.state === "running";
    const state = installing ? "installing" : typeof res.value?.state === "string" ? res.value.state : "unknown";
    this.ide.disabled = false;
    this.ideState.textContent = state === "running" ? "" : state === "starting" ? "starting…" : state === "absent" ? "not installed" : state === "failed" ? "failed" : state === "installing" ? "installing…" : "";
    this.ide.title = state === "absent" ? "code-server is not installed: open to install it" : "Open VS Code in a new browser tab";
  }

  openIde() {
    window.open("ide/", "_blank", "noopener");
  }

  close() {}
}
