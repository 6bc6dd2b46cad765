// Telling the user an agent needs them when they are not looking: the count of waiting agents in the
// document title and the favicon, a browser notification, and an optional sound. Each can be turned off.

const ICON = "favicon.svg";

/** Keeps the title, the favicon and the notifications in step with the tabs that wait for the user. */
export class Attention {
  /** @param {{ prefs: {notify: boolean, sound: boolean, titleCount: boolean}, onFocusTab: (id: string) => void }} options */
  constructor({ prefs, onFocusTab }) {
    this.prefs = prefs;
    this.onFocusTab = onFocusTab;
    this.count = 0;
    this.baseTitle = document.title;
    this.icon = document.querySelector("link[rel=icon]");
    this.shown = new Map();
  }

  /** Asks for permission to notify; only ever from a user gesture (the settings checkbox). */
  async requestPermission() {
    if (!("Notification" in window)) return "unsupported";
    if (Notification.permission === "default") return Notification.requestPermission();
    return Notification.permission;
  }

  /** The page's own title (the active tab's name); the count is put in front of it. */
  setTitle(title) {
    this.baseTitle = title;
    this.render();
  }

  setCount(count) {
    if (count === this.count) return;
    this.count = count;
    this.render();
  }

  render() {
    const count = this.prefs.titleCount ? this.count : 0;
    document.title = count > 0 ? `(${count}) ${this.baseTitle}` : this.baseTitle;
    this.icon?.setAttribute("href", count > 0 ? badgeIcon(count) : ICON);
  }

  /**
   * An agent in a tab the user does not see needs them (or finished): a notification with the agent's own
   * message, clicking it focuses that tab; and the sound.
   */
  announce({ id, name, message, exited }) {
    if (this.prefs.sound) beep();
    if (!this.prefs.notify || !("Notification" in window) || Notification.permission !== "granted") return;
    const body = message || (exited ? "It has ended." : "It is waiting for you.");
    try {
      this.shown.get(id)?.close();
      const note = new Notification(`${name}${exited ? " ended" : " needs you"}`, { body, tag: `agent-${id}` });
      note.onclick = () => {
        window.focus();
        this.onFocusTab(id);
        note.close();
      };
      this.shown.set(id, note);
    } catch {
      // Some browsers allow notifications only from a service worker; the title and favicon still say it.
    }
  }

  /** The user looked at the tab: its notification is stale. */
  seen(id) {
    this.shown.get(id)?.close();
    this.shown.delete(id);
  }
}

/** The settings' checkboxes for the three signals; each remembered with save(). */
export function attentionToggles(prefs, attention, save) {
  const toggle = (id, key, label, after) => ({
    id,
    label,
    checked: prefs[key],
    onChange: (on) => {
      prefs[key] = on;
      save({ [key]: on });
      after?.(on);
    },
  });
  return [
    // The checkbox is a user gesture: the one place besides starting an agent where permission is asked.
    toggle("notify-toggle", "notify", "Browser notification", (on) => on && void attention.requestPermission()),
    toggle("sound-toggle", "sound", "Sound"),
    toggle("title-count-toggle", "titleCount", "Count in the page title and icon", () => attention.render()),
  ];
}

/** The favicon with a red badge carrying the count (an SVG data URL: the CSP allows data: images). */
function badgeIcon(count) {
  const text = count > 9 ? "9+" : String(count);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1e1e2e"/><path d="M6 10l5 4-5 4" fill="none" stroke="#89b4fa" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/><circle cx="22" cy="22" r="10" fill="#f38ba8"/><text x="22" y="27" font-size="${text.length > 1 ? 11 : 14}" font-family="sans-serif" font-weight="700" text-anchor="middle" fill="#11111b">${text}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

let audio;
/** A short two-tone chime from WebAudio (no sound file to serve). */
function beep() {
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (const [i, freq] of [660, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.08, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.11);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.12);
      osc.stop(now + i * 0.12 + 0.12);
    }
  } catch {
    // No audio (autoplay policy before any gesture): the notification still shows.
  }
}
