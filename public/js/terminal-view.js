// One tab's terminal: an xterm with its addons, its connection, and the overlay that says what it is doing.

import { Terminal } from "../vendor/xterm/lib/xterm.mjs";
import { FitAddon } from "../vendor/addon-fit/lib/addon-fit.mjs";
import { WebLinksAddon } from "../vendor/addon-web-links/lib/addon-web-links.mjs";
import { SearchAddon } from "../vendor/addon-search/lib/addon-search.mjs";
import { Unicode11Addon } from "../vendor/addon-unicode11/lib/addon-unicode11.mjs";
import { ClipboardAddon } from "../vendor/addon-clipboard/lib/addon-clipboard.mjs";
import { Connection } from "./connection.js";
import { SearchBar } from "./search-bar.js";
import { el } from "./dom.js";
import { openContextMenu } from "./context-menu.js";

const FONT_FAMILY = '"JetBrains Mono", "Fira Code", "Cascadia Code", "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace';

/**
 * A terminal bound to one session. Emits state changes through options.onState(view) and asks the page
 * for shortcuts through options.shortcut(event) (true = handled, keep it from the shell).
 */
export class TerminalView {
  constructor({ id, label, theme, fontSize, shortcut, onState, onActivity, onNotice, onRestart, onClose }) {
    this.id = id;
    this.label = label;
    this.state = "connecting";
    this.exit = null;
    this.visible = false;
    this.callbacks = { onState, onActivity, onNotice, onRestart, onClose };

    this.host = el("div", { class: "term-host" });
    this.overlay = el("div", { class: "term-overlay", role: "status", "aria-live": "polite" });
    this.banner = el("div", { class: "term-banner", hidden: true, role: "alert" });
    this.element = el("section", { class: "term-view", "aria-label": `Terminal: ${label}` }, [this.host, this.overlay, this.banner]);

    this.terminal = new Terminal({
      allowProposedApi: true,
      cursorBlink: true,
      fontFamily: FONT_FAMILY,
      fontSize,
      lineHeight: 1.15,
      scrollback: 10000,
      theme: theme.xterm,
      macOptionIsMeta: true,
      rightClickSelectsWord: true,
      screenReaderMode: false,
    });
    this.fit = new FitAddon();
    this.search = new SearchAddon();
    this.terminal.loadAddon(this.fit);
    this.terminal.loadAddon(this.search);
    this.terminal.loadAddon(new WebLinksAddon());
    this.terminal.loadAddon(new ClipboardAddon());
    this.terminal.loadAddon(new Unicode11Addon());
    this.terminal.unicode.activeVersion = "11";
    this.terminal.open(this.host);
    this.terminal.textarea?.setAttribute("aria-label", `Terminal input: ${label}`);
    this.searchBar = new SearchBar({ search: this.search, onClose: () => this.focus() });
    this.element.append(this.searchBar.element);

    // Shortcuts win over the shell even when the terminal has focus; xterm ignores a key when this returns false.
    this.terminal.attachCustomKeyEventHandler((event) => !(event.type === "keydown" && shortcut(event, this)));
    // inputFilter: the key bar's sticky Ctrl/Alt for the next key typed on an on-screen keyboard.
    this.terminal.onData((data) => this.connection?.input(this.inputFilter ? this.inputFilter(data) : data));
    this.terminal.onBinary((data) => this.connection?.input(data));
    this.terminal.onResize(({ cols, rows }) => this.connection?.resize(cols, rows));
    this.terminal.onSelectionChange(() => {
      if (this.terminal.hasSelection()) void this.copySelection();
    });
    this.terminal.onTitleChange((title) => this.element.setAttribute("title", title));

    this.enableTouchScroll();
    this.host.addEventListener("contextmenu", (event) => openContextMenu(this, event));
    this.resizeObserver = new ResizeObserver(() => this.refit());
    this.resizeObserver.observe(this.host);
    this.attach(id);
  }

  /** Binds the view to a session (again, after a restart): a fresh screen and a fresh stream. */
  attach(id) {
    this.connection?.close();
    this.id = id;
    this.exit = null;
    this.banner.hidden = true;
    this.terminal.reset();
    this.connection = new Connection({
      id,
      write: (bytes, done) => {
        this.terminal.write(bytes, done);
        if (!this.visible && this.state === "live") this.callbacks.onActivity(this);
      },
      reset: () => this.terminal.reset(),
      // Until the view has been fitted to a pane its 80×24 is xterm's default, not a size: send none, so a
      // reload does not shrink background sessions (a full-screen agent would redraw at the wrong size).
      size: () => (this.fitted ? { cols: this.terminal.cols, rows: this.terminal.rows } : null),
      onState: (state, detail) => this.setState(state, detail),
      onNotice: (message) => this.callbacks.onNotice(this, message),
    });
  }

  setState(state, detail) {
    this.state = state;
    if (state === "exited") this.exit = detail;
    this.renderOverlay(detail);
    this.callbacks.onState(this);
  }

  renderOverlay(detail) {
    const messages = {
      connecting: `Starting ${this.label}…`,
      restoring: "Restoring the screen…",
      reconnecting: `Connection lost — reconnecting${detail?.attempt > 1 ? ` (attempt ${detail.attempt})` : ""}…`,
    };
    const message = messages[this.state];
    this.overlay.textContent = message ?? "";
    this.overlay.classList.toggle("shown", Boolean(message));
    this.element.classList.toggle("dimmed", this.state === "reconnecting");
    if (this.state === "reconnecting") {
      this.overlay.append(el("button", { class: "link", type: "button", onclick: () => this.connection.retryNow() }, "Retry now"));
    }
    if (this.state === "exited" || this.state === "gone") this.showBanner();
  }

  showBanner() {
    const text =
      this.state === "gone"
        ? `${this.label} is no longer running on the gateway.`
        : this.exit?.signal
          ? `${this.label} was ended by signal ${this.exit.signal}.`
          : `${this.label} exited with code ${this.exit?.code ?? "?"}.`;
    const failed = this.state === "gone" || this.exit?.code !== 0 || Boolean(this.exit?.signal);
    const restart = el("button", { type: "button", class: "primary", onclick: () => this.callbacks.onRestart(this) }, "Restart");
    this.banner.replaceChildren(
      el("span", { class: failed ? "exit-code failed" : "exit-code" }, text),
      restart,
      el("button", { type: "button", onclick: () => this.callbacks.onClose(this) }, "Close tab"),
    );
    this.banner.hidden = false;
    // The terminal keeps Tab for the shell: with nothing left to type into, the keyboard goes to the choices.
    if (this.element.contains(document.activeElement)) restart.focus();
  }

  /** Types text into the session as if the user had. */
  type(text) {
    if (!this.connection.input(text)) this.callbacks.onNotice(this, "The terminal is not connected; nothing was typed.");
  }

  /** Pastes text as xterm does (bracketed when the program asked for it). */
  paste(text) {
    this.terminal.paste(text);
  }

  /** Touch: a vertical swipe scrolls the scrollback (xterm leaves touch to the browser, which does nothing here). */
  enableTouchScroll() {
    let lastY = null;
    let carry = 0;
    this.host.addEventListener("touchstart", (event) => (lastY = event.touches.length === 1 ? event.touches[0].clientY : null), { passive: true });
    this.host.addEventListener(
      "touchmove",
      (event) => {
        if (lastY === null || event.touches.length !== 1) return;
        const y = event.touches[0].clientY;
        const lineHeight = this.host.clientHeight / Math.max(1, this.terminal.rows);
        carry += (lastY - y) / lineHeight;
        lastY = y;
        const lines = Math.trunc(carry);
        if (lines !== 0) {
          this.terminal.scrollLines(lines);
          carry -= lines;
        }
      },
      { passive: true },
    );
  }

  setVisible(visible) {
    const shown = visible && !this.visible;
    this.visible = visible;
    if (shown) requestAnimationFrame(() => this.refit(true));
  }

  /** Fits the terminal to its pane; force re-sends the size, since another client may have changed it. */
  refit(force = false) {
    if (!this.visible || this.host.clientWidth === 0) return;
    const { cols, rows } = this.terminal;
    try {
      this.fit.fit();
      this.fitted = true;
    } catch {
      // The renderer has not measured its font yet; the next resize will fit.
    }
    if (this.fitted && force && cols === this.terminal.cols && rows === this.terminal.rows) this.connection.resize(cols, rows);
  }

  setTheme(theme) {
    this.terminal.options.theme = theme.xterm;
  }

  setFontSize(size) {
    this.terminal.options.fontSize = size;
    this.refit();
  }

  setLabel(label) {
    this.label = label;
    this.element.setAttribute("aria-label", `Terminal: ${label}`);
    this.terminal.textarea?.setAttribute("aria-label", `Terminal input: ${label}`);
  }

  focus() {
    this.terminal.focus();
  }

  openSearch() {
    this.searchBar.open(this.terminal.getSelection());
  }

  async copySelection() {
    const text = this.terminal.getSelection();
    if (!text) return false;
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return false; // No clipboard permission (or not a secure context): the selection stays for Ctrl+Shift+C.
    }
  }

  dispose() {
    this.resizeObserver.disconnect();
    this.connection?.close();
    this.terminal.dispose();
    this.element.remove();
  }
}
