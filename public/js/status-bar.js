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

  /** The model route in use (GET /api/models): how the agents' model calls leave the gateway. */
  renderModels(res) {
    const names = { gateway: "AI Gateway (configured)", "ai-gateway": "AI Gateway", serving: "serving endpoints", none: "no route" };
    const route = res.ok ? res.value?.route : undefined;
    this.models.value.textContent = typeof route === "string" ? (names[route] ?? route) : "-";
    const m = res.ok ? res.value?.models : undefined;
    this.models.node.title = res.ok
      ? [`Model calls: ${res.value?.baseUrl ?? "nowhere (set DATABRICKS_HOST)"}`, `signed with the ${res.value?.auth === "app" ? "app's credentials" : "owner's token"}`,
         m ? `Claude ${m.anthropic}, Codex ${m.codex}, Gemini ${m.gemini}` : ""].filter(Boolean).join("\n")
      : "Not available on this gateway yet";
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
