// Modal dialogs on <dialog>: focus is trapped and restored by the browser, Escape cancels.

import { api } from "./api.js";
import { el } from "./dom.js";

function modal(title, body, buttons) {
  const dialog = el("dialog", { class: "dialog", "aria-label": title }, [
    el("form", { method: "dialog" }, [el("h2", {}, title), ...body, el("div", { class: "dialog-buttons" }, buttons)]),
  ]);
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  dialog.showModal();
  return dialog;
}

/** Asks a yes/no question; resolves true when confirmed. */
export function confirmDialog({ title, message, confirm, danger = false }) {
  return new Promise((resolve) => {
    const yes = el("button", { value: "yes", class: danger ? "danger" : "primary" }, confirm);
    const dialog = modal(title, [el("p", {}, message)], [el("button", { value: "no", formnovalidate: true }, "Cancel"), yes]);
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"));
    yes.focus();
  });
}

/** Asks for a Databricks personal access token and sends it to POST /api/token (never stored by the page). */
export function tokenDialog({ reason, onSaved, onClosed }) {
  const input = el("input", { type: "password", name: "token", required: true, autocomplete: "off", spellcheck: "false", "aria-label": "Personal access token", placeholder: "dapi…" });
  const error = el("p", { class: "dialog-error", role: "alert" });
  const save = el("button", { value: "save", class: "primary" }, "Use token");
  const dialog = modal(
    "Databricks token",
    [el("p", {}, reason || "Paste a personal access token of your workspace user. The gateway keeps it in memory and ~/.databrickscfg, and rotates it."), input, error],
    [el("button", { value: "cancel", formnovalidate: true }, "Cancel"), save],
  );
  dialog.addEventListener("close", () => onClosed?.());
  save.addEventListener("click", async (event) => {
    event.preventDefault();
    if (!input.value.trim()) return input.reportValidity();
    save.disabled = true;
    error.textContent = "";
    try {
      await api("POST", "api/token", { token: input.value.trim() });
      input.value = "";
      dialog.close("saved");
      onSaved?.();
    } catch (e) {
      error.textContent = e.message;
    } finally {
      save.disabled = false;
    }
  });
  input.focus();
}

/** A short message in the corner, read out by screen readers. */
export function toast(message, kind = "info", ms = 5000) {
  let region = document.getElementById("toasts");
  if (!region) {
    region = el("div", { id: "toasts", class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const node = el("div", { class: `toast ${kind}` }, message);
  region.append(node);
  setTimeout(() => node.remove(), ms);
}
