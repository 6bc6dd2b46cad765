// What the page remembers in localStorage: tab order and names, theme, font size, split layout, and which
// of the attention signals (notifications, sound, the count in the title) are on.
// Anything read back is validated: a stale or hand-edited value falls back to the default.

const KEY = "agent-terminal-gateway";
const DEFAULTS = Object.freeze({ order: [], names: {}, active: null, theme: "mocha", fontSize: 14, split: null, ratio: 0.5, notify: true, sound: false, titleCount: true });
/** Font sizes the settings accept, in CSS pixels. */
export const FONT_MIN = 9;
export const FONT_MAX = 28;

function read() {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return raw && typeof raw === "object" && !Array.isArray(raw) ? raw : {};
  } catch {
    return {};
  }
}

const isId = (v) => typeof v === "string" && v.length <= 64;

/** The remembered preferences, each checked. */
export function load() {
  const raw = read();
  const names = {};
  if (raw.names && typeof raw.names === "object") {
    for (const [id, name] of Object.entries(raw.names)) if (isId(id) && typeof name === "string") names[id] = name.slice(0, 60);
  }
  const fontSize = Number.isInteger(raw.fontSize) && raw.fontSize >= FONT_MIN && raw.fontSize <= FONT_MAX ? raw.fontSize : DEFAULTS.fontSize;
  const ratio = typeof raw.ratio === "number" && raw.ratio >= 0.15 && raw.ratio <= 0.85 ? raw.ratio : DEFAULTS.ratio;
  const split = Array.isArray(raw.split) && raw.split.length === 2 && raw.split.every(isId) ? raw.split : null;
  return {
    order: Array.isArray(raw.order) ? raw.order.filter(isId).slice(0, 200) : [],
    names,
    active: isId(raw.active) ? raw.active : null,
    theme: typeof raw.theme === "string" ? raw.theme : DEFAULTS.theme,
    fontSize,
    split,
    ratio,
    notify: typeof raw.notify === "boolean" ? raw.notify : DEFAULTS.notify,
    sound: typeof raw.sound === "boolean" ? raw.sound : DEFAULTS.sound,
    titleCount: typeof raw.titleCount === "boolean" ? raw.titleCount : DEFAULTS.titleCount,
  };
}

/** Merges a change into the remembered preferences. */
export function save(patch) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...load(), ...patch }));
  } catch {
    // Storage full or disabled (private mode): the page still works, it just forgets.
  }
}
