// The terminal's right-click menu: Copy and Paste (browsers offer neither over xterm's canvas-like screen).

import { el } from "./dom.js";

/** Opens the menu at the pointer over a TerminalView; Escape, a pick or a click elsewhere closes it. */
export function openContextMenu(view, event) {
  event.preventDefault();
  view.contextMenu?.remove();
  const close = () => {
    menu.remove();
    view.contextMenu = null;
    document.removeEventListener("pointerdown", outside, true);
    view.focus();
  };
  const outside = (e) => !menu.contains(e.target) && close();
  const item = (label, enabled, run) =>
    el("button", { type: "button", role: "menuitem", class: "menu-item", "aria-disabled": enabled ? undefined : "true", onclick: () => enabled && (close(), void run()) }, label);
  const menu = el("div", { class: "menu context-menu", role: "menu", "aria-label": "Terminal" }, [
    item("Copy", view.terminal.hasSelection(), () => view.copySelection()),
    item("Paste", true, async () => {
      try {
        const text = await navigator.clipboard.readText();
        if (text) view.paste(text);
      } catch {
        view.callbacks.onNotice(view, "Paste needs clipboard access: allow it for this page, or use Ctrl+Shift+V.");
      }
    }),
  ]);
  const box = view.element.getBoundingClientRect();
  menu.style.left = `${Math.max(0, Math.min(event.clientX - box.left, box.width - 160))}px`;
  menu.style.top = `${Math.max(0, Math.min(event.clientY - box.top, box.height - 90))}px`;
  menu.addEventListener("keydown", (e) => e.key === "Escape" && close());
  view.element.append(menu);
  view.contextMenu = menu;
  document.addEventListener("pointerdown", outside, true);
  menu.querySelector("[role=menuitem]:not([aria-disabled])")?.focus();
}
