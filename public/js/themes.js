// Terminal and page colours. Each theme is an xterm palette plus the few colours the page chrome needs.

const palette = (names, colors) => Object.fromEntries(names.map((n, i) => [n, colors[i]]));
const ANSI = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];
const BRIGHT = ANSI.map((n) => "bright" + n[0].toUpperCase() + n.slice(1));

function theme(id, label, kind, ui, term) {
  const { bg, fg, cursor, selection, normal, bright } = term;
  return Object.freeze({
    id,
    label,
    kind,
    ui,
    xterm: {
      background: bg,
      foreground: fg,
      cursor,
      cursorAccent: bg,
      selectionBackground: selection,
      ...palette(ANSI, normal),
      ...palette(BRIGHT, bright ?? normal),
    },
  });
}

/** Every theme the page offers, dark and light. */
export const THEMES = [
  theme("mocha", "Catppuccin Mocha", "dark", { panel: "#181825", crust: "#11111b", border: "#313244", muted: "#7f849c", accent: "#89b4fa" }, {
    bg: "#1e1e2e", fg: "#cdd6f4", cursor: "#f5e0dc", selection: "#585b7099",
    normal: ["#45475a", "#f38ba8", "#a6e3a1", "#f9e2af", "#89b4fa", "#f5c2e7", "#94e2d5", "#bac2de"],
    bright: ["#585b70", "#f38ba8", "#a6e3a1", "#f9e2af", "#89b4fa", "#f5c2e7", "#94e2d5", "#a6adc8"],
  }),
  theme("tokyo-night", "Tokyo Night", "dark", { panel: "#16161e", crust: "#101014", border: "#292e42", muted: "#565f89", accent: "#7aa2f7" }, {
    bg: "#1a1b26", fg: "#c0caf5", cursor: "#c0caf5", selection: "#33467c",
    normal: ["#15161e", "#f7768e", "#9ece6a", "#e0af68", "#7aa2f7", "#bb9af7", "#7dcfff", "#a9b1d6"],
    bright: ["#414868", "#f7768e", "#9ece6a", "#e0af68", "#7aa2f7", "#bb9af7", "#7dcfff", "#c0caf5"],
  }),
  theme("one-dark", "One Dark", "dark", { panel: "#21252b", crust: "#1b1f23", border: "#3e4451", muted: "#5c6370", accent: "#61afef" }, {
    bg: "#282c34", fg: "#abb2bf", cursor: "#528bff", selection: "#3e4451",
    normal: ["#282c34", "#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#abb2bf"],
    bright: ["#5c6370", "#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#ffffff"],
  }),
  theme("dracula", "Dracula", "dark", { panel: "#21222c", crust: "#191a21", border: "#44475a", muted: "#6272a4", accent: "#bd93f9" }, {
    bg: "#282a36", fg: "#f8f8f2", cursor: "#f8f8f2", selection: "#44475a",
    normal: ["#21222c", "#ff5555", "#50fa7b", "#f1fa8c", "#bd93f9", "#ff79c6", "#8be9fd", "#f8f8f2"],
    bright: ["#6272a4", "#ff6e6e", "#69ff94", "#ffffa5", "#d6acff", "#ff92df", "#a4ffff", "#ffffff"],
  }),
  theme("gruvbox-dark", "Gruvbox Dark", "dark", { panel: "#1d2021", crust: "#161819", border: "#3c3836", muted: "#928374", accent: "#fabd2f" }, {
    bg: "#282828", fg: "#ebdbb2", cursor: "#ebdbb2", selection: "#504945",
    normal: ["#282828", "#cc241d", "#98971a", "#d79921", "#458588", "#b16286", "#689d6a", "#a89984"],
    bright: ["#928374", "#fb4934", "#b8bb26", "#fabd2f", "#83a598", "#d3869b", "#8ec07c", "#ebdbb2"],
  }),
  theme("latte", "Catppuccin Latte", "light", { panel: "#e6e9ef", crust: "#dce0e8", border: "#ccd0da", muted: "#8c8fa1", accent: "#1e66f5" }, {
    bg: "#eff1f5", fg: "#4c4f69", cursor: "#dc8a78", selection: "#acb0be99",
    normal: ["#5c5f77", "#d20f39", "#40a02b", "#df8e1d", "#1e66f5", "#ea76cb", "#179299", "#acb0be"],
    bright: ["#6c6f85", "#d20f39", "#40a02b", "#df8e1d", "#1e66f5", "#ea76cb", "#179299", "#bcc0cc"],
  }),
  theme("solarized-light", "Solarized Light", "light", { panel: "#eee8d5", crust: "#e4ddc8", border: "#d9d2c2", muted: "#93a1a1", accent: "#268bd2" }, {
    bg: "#fdf6e3", fg: "#657b83", cursor: "#586e75", selection: "#eee8d5",
    normal: ["#073642", "#dc322f", "#859900", "#b58900", "#268bd2", "#d33682", "#2aa198", "#eee8d5"],
    bright: ["#002b36", "#cb4b16", "#586e75", "#657b83", "#839496", "#6c71c4", "#93a1a1", "#fdf6e3"],
  }),
  theme("github-light", "GitHub Light", "light", { panel: "#f6f8fa", crust: "#eaeef2", border: "#d0d7de", muted: "#656d76", accent: "#0969da" }, {
    bg: "#ffffff", fg: "#1f2328", cursor: "#0969da", selection: "#0969da33",
    normal: ["#24292f", "#cf222e", "#116329", "#4d2d00", "#0969da", "#8250df", "#1b7c83", "#6e7781"],
    bright: ["#57606a", "#a40e26", "#1a7f37", "#633c01", "#218bff", "#a475f9", "#3192aa", "#8c959f"],
  }),
];

/** The theme with this id, or the first. */
export function findTheme(id) {
  return THEMES.find((t) => t.id === id) ?? THEMES[0];
}

/** Colours the page chrome: CSS custom properties on <html> (CSSOM, which a strict CSP allows). */
export function applyPageTheme(t) {
  const root = document.documentElement;
  const vars = {
    "--bg": t.xterm.background,
    "--fg": t.xterm.foreground,
    "--panel": t.ui.panel,
    "--crust": t.ui.crust,
    "--border": t.ui.border,
    "--muted": t.ui.muted,
    "--accent": t.ui.accent,
    "--danger": t.xterm.red,
    "--ok": t.xterm.green,
    "--warn": t.xterm.yellow,
  };
  for (const [name, value] of Object.entries(vars)) root.style.setProperty(name, value);
  root.style.colorScheme = t.kind;
  root.dataset.themeKind = t.kind;
}
