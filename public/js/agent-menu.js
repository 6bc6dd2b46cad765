// The "+" menu: one item per agent from GET /api/agents; an unavailable agent is disabled with its reason.

import { api } from "./api.js";
import { el } from "./dom.js";

/** A menu button that starts a new tab with the chosen agent. */
export class AgentMenu {
  /** @param {{ button: HTMLButtonElement, onPick: (agentId: string, options?: { resume?: string }) => void }} options */
  constructor({ button, onPick }) {
    this.button = button;
    this.onPick = onPick;
    this.agents = [];
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
    this.agents = agents ?? [];
    const items = agents
      ? agents.map((agent) =>
          el(
            "button",
            {
              type: "button",
              role: "menuitem",
              class: "menu-item",
              "data-agent": agent.id,
              "aria-disabled": agent.available ? undefined : "true",
              title: agent.available ? `New ${agent.label} tab` : agent.reason,
              onclick: () => agent.available && this.pick(agent.id),
            },
            [
              el("span", { class: "menu-label" }, [agent.label, agent.version ? el("span", { class: "menu-version" }, ` ${agent.version}`) : null]),
              agent.available ? (agent.id === "shell" ? el("kbd", {}, "Ctrl+Shift+T") : null) : el("span", { class: "menu-reason" }, agent.reason ?? "not available"),
            ],
          ),
        )
      : [el("div", { class: "menu-note", role: "none" }, error ? `Agents unavailable: ${error}` : "Checking agent CLIs…")];
    this.menu.replaceChildren(...items);
  }

  items() {
    return [...this.menu.querySelectorAll("[role=menuitem]")];
  }

  open() {
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
    const agents = this.agents.filter((a) => a.available && a.id !== "shell");
    const lists = await Promise.all(
      agents.map((agent) =>
        api("GET", `api/agents/${encodeURIComponent(agent.id)}/conversations`)
          .then((answer) => (answer?.conversations ?? []).slice(0, 5).map((c) => ({ agent, ...c })))
          .catch(() => []),
      ),
    );
    const recent = lists.flat().sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, 8);
    this.menu.querySelector(".menu-resume")?.remove();
    if (this.menu.hidden || recent.length === 0) return;
    const items = recent.map((c) =>
      el(
        "button",
        {
          type: "button",
          role: "menuitem",
          class: "menu-item",
          "data-resume": c.id,
          title: `Resume this ${c.agent.label} conversation (${new Date(c.updatedAt).toLocaleString()})`,
          onclick: () => this.pick(c.agent.id, { resume: c.id }),
        },
        [el("span", { class: "menu-label" }, `${c.agent.label}: ${c.title}`), el("span", { class: "menu-version" }, ` ${timeAgo(c.updatedAt)}`)],
      ),
    );
    this.menu.append(el("div", { class: "menu-resume", role: "group", "aria-label": "Resume a conversation" }, [
      el("div", { class: "menu-note", role: "none" }, "Resume a conversation"),
      ...items,
    ]));
  }

  close(focusButton = true) {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", this.onOutside, true);
    if (focusButton) this.button.focus();
  }

  pick(id, options) {
    this.close(false);
    this.onPick(id, options);
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

/** "5 min ago", "3 h ago", or the date. */
function timeAgo(iso) {
  const minutes = Math.round((Date.now() - Date.parse(iso)) / 60_000);
  if (minutes < 60) return `${Math.max(minutes, 0)} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return new Date(iso).toLocaleDateString();
}
