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
    const no = el("button", { value: "no", formnovalidate: true }, "Cancel");
    const dialog = modal(title, [el("p", {}, message)], [no, yes]);
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"));
    // A destructive choice is never the one Enter or a stray key takes.
    (danger ? no : yes).focus();
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
    // Cancel is not a submit button: Enter in the field submits with "Use token" (a form's implicit
    // submission uses its first submit button, which was Cancel, so Enter threw the token away).
    [el("button", { type: "button", value: "cancel", onclick: () => dialog.close("cancel") }, "Cancel"), save],
  );
  dialog.querySelector("form").addEventListener("submit", (event) => {
    if (event.submitter !== save) {
      event.preventDefault();
      save.click();
    }
  });
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
  // The same message again (every tab told of one shutdown, a limit hit four times) renews the toast shown.
  for (const shown of region.children) {
    if (shown.textContent === message && shown.classList.contains(kind)) {
      clearTimeout(shown.timer);
      shown.timer = setTimeout(() => shown.remove(), ms);
      return;
    }
  }
  const node = el("div", { class: `toast ${kind}` }, message);
  region.append(node);
  node.timer = setTimeout(() => node.remove(), ms);
}
