// The "+" menu: one item per agent from GET /api/agents; an unavailable agent is disabled with its reason.
// Below an agent the gateway configures, one item per model it offers (GET /api/models), the default marked
// and the one a new tab uses (the last chosen) checked.

import { api } from "./api.js";
import { el } from "./dom.js";

/** A menu button that starts a new tab with the chosen agent. */
export class AgentMenu {
  /**
   * @param {{ button: HTMLButtonElement, onPick: (agentId: string, model?: string, options?: { resume?: string }) => void,
   *   loadModels?: () => Promise<{agents?: Record<string, {route, model, default, models}>}> }} options
   */
  constructor({ button, onPick, loadModels }) {
    this.button = button;
    this.onPick = onPick;
    this.loadModels = loadModels;
    this.agents = [];
    this.error = undefined;
    /** GET /api/models' `agents`, or {} until it answers. */
    this.models = {};
    this.menu = el("div", { class: "menu", role: "menu", id: "agent-menu", "aria-label": "New tab", hidden: true });
    button.setAttribute("aria-haspopup", "menu");
    button.setAttribute("aria-controls", "agent-menu");
    button.setAttribute("aria-expanded", "false");
    button.after(this.menu);
    button.addEventListener("click", () => (this.menu.hidden ? this.open() : this.close()));
    button.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        this.open();
      }
    });
    this.menu.addEventListener("keydown", (event) => this.onKey(event));
    this.onOutside = (event) => {
      if (!this.menu.contains(event.target) && event.target !== this.button) this.close(false);
    };
  }

  /** @param {Array<{id, label, available, reason?, version?}>|null} agents null while still loading */
  setAgents(agents, error) {
    this.agents = agents;
    this.error = error;
    this.render();
  }

  /** @param {{agents?: Record<string, {route, model, default, models}>}|undefined} info GET /api/models */
  setModels(info) {
    const agents = info && typeof info.agents === "object" && info.agents ? info.agents : {};
    if (JSON.stringify(agents) === JSON.stringify(this.models)) return;
    this.models = agents;
    this.render();
  }

  render() {
    const focused = document.activeElement?.closest?.("#agent-menu [role=menuitem]");
    const key = focused ? `${focused.dataset.agent}|${focused.dataset.model ?? ""}` : undefined;
    const items = this.agents
      ? this.agents.flatMap((agent) => [this.agentItem(agent), ...(agent.available ? this.modelItems(agent) : [])])
      : [el("div", { class: "menu-note", role: "none" }, this.error ? `Agents unavailable: ${this.error}` : "Checking agent CLIs…")];
    this.menu.replaceChildren(...items, ...(this.agents ? this.resumeGroup() : []));
    if (key) this.items().find((i) => `${i.dataset.agent}|${i.dataset.model ?? ""}` === key)?.focus();
  }

  agentItem(agent) {
    const models = this.models[agent.id];
    const using = models?.route === "gateway" && models.model ? ` with ${shortModel(models.model)}` : "";
    return el(
      "button",
      {
        type: "button",
        role: "menuitem",
        class: "menu-item",
        "data-agent": agent.id,
        "aria-disabled": agent.available ? undefined : "true",
        title: agent.available ? `New ${agent.label} tab${using}${models?.route === "own" ? " (your own CLI configuration)" : ""}` : agent.reason,
        onclick: () => agent.available && this.pick(agent.id),
      },
      [
        el("span", { class: "menu-label" }, [agent.label, agent.version ? el("span", { class: "menu-version" }, ` ${agent.version}`) : null]),
        agent.available ? (agent.id === "shell" ? el("kbd", {}, "Ctrl+Shift+T") : null) : el("span", { class: "menu-reason" }, agent.reason ?? "not available"),
      ],
    );
  }

  /** One item per model the agent offers, when there is a choice to make. */
  modelItems(agent) {
    const models = this.models[agent.id];
    if (!models || models.route !== "gateway" || !Array.isArray(models.models) || models.models.length < 2) return [];
    return models.models.slice(0, 30).map((model) =>
      el(
        "button",
        {
          type: "button",
          role: "menuitem",
          class: "menu-item menu-model",
          "data-agent": agent.id,
          "data-model": model,
          "aria-current": model === models.model ? "true" : undefined,
          title: `New ${agent.label} tab with ${model}`,
          onclick: () => this.pick(agent.id, model),
        },
        [
          el("span", { class: "menu-label" }, [model === models.model ? "✓ " : "", shortModel(model)]),
          model === models.default ? el("span", { class: "menu-version" }, "default") : null,
        ],
      ),
    );
  }

  items() {
    return [...this.menu.querySelectorAll("[role=menuitem]")];
  }

  open() {
    // The models may have changed (a new token, another workspace listing): ask again, draw when it answers.
    this.loadModels?.().then((info) => this.setModels(info), () => undefined);
    this.menu.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    (this.items().find((i) => !i.hasAttribute("aria-disabled")) ?? this.items()[0])?.focus();
    document.addEventListener("pointerdown", this.onOutside, true);
    void this.showConversations();
  }

  /**
   * Below the agents: each agent's recent conversations in the projects folder (GET
   * /api/agents/:id/conversations), newest first; picking one opens a tab that resumes it.
   */
  async showConversations() {
    const agents = (this.agents ?? []).filter((a) => a.available && a.id !== "shell");
    const lists = await Promise.all(
      agents.map((agent) =>
        api("GET", `api/agents/${encodeURIComponent(agent.id)}/conversations`)
          .then((answer) => (answer?.conversations ?? []).slice(0, 5).map((c) => ({ agent, ...c })))
          .catch(() => []),
      ),
    );
    const recent = lists.flat().sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, 8);
    if (JSON.stringify(recent) === JSON.stringify(this.recent ?? [])) return;
    this.recent = recent;
    this.render();
  }

  /** The "Resume a conversation" group render() draws under the agents. */
  resumeGroup() {
    if (!this.recent?.length) return [];
    const items = this.recent.map((c) =>
      el(
        "button",
        {
          type: "button",
          role: "menuitem",
          class: "menu-item",
          "data-resume": c.id,
          title: `Resume this ${c.agent.label} conversation (${new Date(c.updatedAt).toLocaleString()})`,
          onclick: () => this.pick(c.agent.id, undefined, { resume: c.id }),
        },
        [el("span", { class: "menu-label" }, `${c.agent.label}: ${c.title}`), el("span", { class: "menu-version" }, ` ${timeAgo(c.updatedAt)}`)],
      ),
    );
    return [
      el("div", { class: "menu-resume", role: "group", "aria-label": "Resume a conversation" }, [
        el("div", { class: "menu-note", role: "none" }, "Resume a conversation"),
        ...items,
      ]),
    ];
  }

  close(focusButton = true) {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", this.onOutside, true);
    if (focusButton) this.button.focus();
  }

  pick(id, model, options) {
    this.close(false);
    this.onPick(id, model, options);
  }

  onKey(event) {
    const items = this.items();
    const index = items.indexOf(document.activeElement);
    const move = (i) => items[(i + items.length) % items.length]?.focus();
    if (event.key === "ArrowDown") move(index + 1);
    else if (event.key === "ArrowUp") move(index - 1);
    else if (event.key === "Home") move(0);
    else if (event.key === "End") move(items.length - 1);
    else if (event.key === "Escape" || event.key === "Tab") this.close();
    else return;
    event.preventDefault();
  }
}

/** A model id without its catalog and schema (system.ai.claude-opus-4-7 -> claude-opus-4-7). */
function shortModel(model) {
  return String(model).replace(/^[^.]+\.[^.]+\./, "");
}

/** "5 min ago", "3 h ago", or the date. */
function timeAgo(iso) {
  const minutes = Math.round((Date.now() - Date.parse(iso)) / 60_000);
  if (minutes < 60) return `${Math.max(minutes, 0)} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return new Date(iso).toLocaleDateString();
}
