// Keyboard shortcuts of the page. Ctrl on Linux and Windows, Cmd on macOS, always with Shift, so plain
// Ctrl keys stay the shell's (Ctrl+C, Ctrl+W, ...).

const KEYS = {
  KeyT: "new-tab",
  KeyW: "close-tab",
  BracketLeft: "previous-tab",
  BracketRight: "next-tab",
  KeyF: "search",
  KeyC: "copy",
  // The terminal keeps Tab and Shift+Tab for the shell; this is the keyboard's way out of it.
  KeyL: "focus-tabs",
};

/** The action a key event asks for, or undefined. */
export function shortcutFor(event) {
  if (!event.shiftKey || event.altKey || !(event.ctrlKey || event.metaKey)) return undefined;
  return KEYS[event.code];
}

/** The shortcuts as the help text shows them. */
export function describeShortcuts() {
  const mod = /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘" : "Ctrl";
  return [
    [`${mod}+Shift+T`, "New shell tab"],
    [`${mod}+Shift+W`, "Close tab"],
    [`${mod}+Shift+[ / ]`, "Previous / next tab"],
    [`${mod}+Shift+F`, "Find in terminal"],
    [`${mod}+Shift+C / V`, "Copy / paste"],
    [`${mod}+Shift+L`, "Leave the terminal: focus the tabs; again: the status bar"],
    ["F2 on a tab", "Rename"],
    ["Shift+← / → on a tab", "Move tab"],
  ];
}
