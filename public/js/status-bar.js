// The status bar: what the page is doing, the signed-in user, the token, the last workspace sync and the IDE.
// Endpoints a later issue has not built answer 404: their item shows "-" and the control stays safe.

import { optional } from "./api.js";
import { el } from "./dom.js";

/** Polite polling: every 15 s, and not while the page is hidden. */
const POLL_MS = 15_000;

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

/** Polls the status endpoints and renders them; call close() to stop. */
export class StatusBar {
  /** @param {{ element: HTMLElement, onTokenClick: (state: object) => void }} options */
  constructor({ element, onTokenClick }) {
    this.activity = el("span", { class: "status-activity", role: "status", "aria-live": "polite" });
    this.email = item("status-email", "User");
    this.token = item("status-token", "Token");
    this.sync = item("status-sync", "Sync");
    this.models = item("status-models", "Models");
    this.tokenButton = el("button", { type: "button", class: "status-button", hidden: true, onclick: () => onTokenClick(this.tokenState) }, "Set token…");
    this.token.node.append(this.tokenButton);
    this.ideState = el("span", { class: "ide-state" });
    this.ide = el(
      "button",
      { type: "button", class: "ide-button", id: "open-ide", disabled: true, title: "Checking whether the IDE is available…", onclick: () => this.openIde() },
      ["Open IDE", this.ideState],
    );
    element.replaceChildren(this.activity, el("span", { class: "status-spacer" }), this.email.node, this.token.node, this.models.node, this.sync.node, this.ide);
    this.visibility = () => document.visibilityState === "visible" && this.refresh();
    document.addEventListener("visibilitychange", this.visibility);
    this.timer = setInterval(() => document.visibilityState === "visible" && this.refresh(), POLL_MS);
    void this.refresh();
  }

  /** Says what the page is doing ("Checking agent CLIs…"); empty clears it. */
  setActivity(text, kind = "") {
    this.activity.textContent = text;
    this.activity.className = `status-activity ${kind}`;
  }

  async refresh() {
    const [me, token, sync, ide, models] = await Promise.all([
      optional("api/me"),
      optional("api/token"),
      optional("api/sync"),
      optional("api/ide"),
      optional("api/models"),
    ]);
    this.renderMe(me);
    this.renderModels(models);
    this.renderToken(token);
    this.renderSync(sync);
    this.renderIde(ide);
  }

  renderMe(res) {
    const email = res.ok && typeof res.value?.email === "string" && res.value.email ? res.value.email : undefined;
    this.email.value.textContent = email ?? (res.ok && res.value?.mode === "local" ? "local mode" : "-");
    this.email.node.title = res.ok ? `Signed in${res.value?.mode ? ` (${res.value.mode} mode)` : ""}` : "Not available on this gateway yet";
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
    const discovery = info?.discovery;
    const problem = ["unauthorized", "forbidden", "failed"].includes(discovery?.state);
    this.models.value.textContent = typeof route === "string" ? `${names[route] ?? route}${problem ? " !" : ""}` : "-";
    this.models.node.classList.toggle("warn", problem);
    if (!res.ok) {
      this.models.node.title = "Not available on this gateway yet";
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
    return ["missing", "expired"].includes(this.tokenState?.state);
  }

  renderToken(res) {
    const { value, node } = this.token;
    node.className = "status-item";
    this.tokenButton.hidden = true;
    if (!res.ok || !res.value || typeof res.value.state !== "string") {
      this.tokenState = undefined;
      value.textContent = "-";
      node.title = res.missing ? "Token status is not available on this gateway yet" : "Token status could not be read";
      return;
    }
    const t = (this.tokenState = res.value);
    // A rotation takes a moment: look again soon rather than showing "rotating" for 15 s.
    if (t.state === "rotating" && !this.soon) this.soon = setTimeout(() => ((this.soon = undefined), void this.refresh()), 2000);
    const expiry = t.expiresAt ? ` · expires ${relative(t.expiresAt)}` : "";
    value.textContent = `${t.state}${t.state === "active" || t.state === "rotating" ? expiry : ""}`;
    node.title = [t.rotatedAt ? `Rotated ${relative(t.rotatedAt)}` : "", t.lastError ? `Last error: ${t.lastError}` : ""].filter(Boolean).join("\n") || "Databricks token";
    const needsToken = this.needsToken() || t.state === "error";
    node.classList.toggle("warn", needsToken);
    this.tokenButton.hidden = !needsToken;
  }

  renderSync(res) {
    const { value, node } = this.sync;
    node.className = "status-item";
    if (!res.ok || !Array.isArray(res.value)) {
      value.textContent = "-";
      node.title = res.missing ? "Workspace sync is not available on this gateway yet" : "Sync status could not be read";
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
  }

  renderIde(res) {
    if (!res.ok) {
      this.ide.disabled = true;
      this.ideState.textContent = "";
      this.ide.title = res.missing ? "The IDE is not available on this gateway yet" : "The IDE's status could not be read";
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

  close() {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    document.removeEventListener("visibilitychange", this.visibility);
  }
}
