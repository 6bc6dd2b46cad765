// The workspace: one pane, or two side by side with a divider dragged by pointer or moved with arrow keys.

import { el } from "./dom.js";

const MIN_RATIO = 0.15;
const MAX_RATIO = 0.85;
const KEY_STEP = 0.02;

/** Lays terminal views out in one or two panes. */
export class SplitView {
  /** @param {{ container: HTMLElement, parking: HTMLElement, ratio: number, onRatio, onFocusPane }} options */
  constructor({ container, parking, ratio, onRatio, onFocusPane }) {
    this.container = container;
    this.parking = parking;
    this.ratio = ratio;
    this.onRatio = onRatio;
    this.panes = [0, 1].map((i) =>
      el("div", {
        class: "pane",
        "data-pane": String(i),
        onfocusin: () => onFocusPane(i),
        onpointerdown: () => onFocusPane(i),
      }),
    );
    this.divider = el("div", {
      class: "divider",
      role: "separator",
      tabindex: "0",
      "aria-orientation": "vertical",
      "aria-label": "Resize panes",
      "aria-valuemin": String(MIN_RATIO * 100),
      "aria-valuemax": String(MAX_RATIO * 100),
      onkeydown: (event) => this.onKey(event),
      onpointerdown: (event) => this.startDrag(event),
    });
    container.replaceChildren(this.panes[0], this.divider, this.panes[1]);
    this.show([null, null], 0);
  }

  /** Shows views (TerminalView or null) in the panes; a null second view means one full-width pane. */
  show(views, focused) {
    const split = views[1] !== null && views[1] !== undefined;
    this.container.classList.toggle("split", split);
    this.divider.hidden = !split;
    this.panes[1].hidden = !split;
    views.forEach((view, i) => {
      const pane = this.panes[i];
      pane.classList.toggle("focused", split && i === focused);
      const current = pane.firstElementChild;
      if (view?.element !== current) {
        if (current) this.parking.append(current);
        if (view) pane.append(view.element);
      }
    });
    this.layout();
  }

  setRatio(ratio) {
    this.ratio = Math.min(MAX_RATIO, Math.max(MIN_RATIO, ratio));
    this.layout();
    this.onRatio(this.ratio);
  }

  layout() {
    const split = this.container.classList.contains("split");
    this.container.style.gridTemplateColumns = split ? `${this.ratio}fr 6px ${1 - this.ratio}fr` : "1fr";
    this.divider.setAttribute("aria-valuenow", String(Math.round(this.ratio * 100)));
  }

  onKey(event) {
    if (event.key === "ArrowLeft") this.setRatio(this.ratio - KEY_STEP);
    else if (event.key === "ArrowRight") this.setRatio(this.ratio + KEY_STEP);
    else if (event.key === "Home") this.setRatio(MIN_RATIO);
    else if (event.key === "End") this.setRatio(MAX_RATIO);
    else return;
    event.preventDefault();
  }

  startDrag(event) {
    event.preventDefault();
    this.divider.setPointerCapture(event.pointerId);
    this.container.classList.add("dragging");
    const rect = this.container.getBoundingClientRect();
    const move = (e) => this.setRatio((e.clientX - rect.left) / rect.width);
    const end = () => {
      this.container.classList.remove("dragging");
      this.divider.removeEventListener("pointermove", move);
      this.divider.removeEventListener("pointerup", end);
      this.divider.removeEventListener("pointercancel", end);
    };
    this.divider.addEventListener("pointermove", move);
    this.divider.addEventListener("pointerup", end);
    this.divider.addEventListener("pointercancel", end);
  }
}
