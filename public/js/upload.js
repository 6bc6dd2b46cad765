// Files pasted or dropped onto a terminal go to POST /api/upload; their paths are typed into the shell.

/** Quotes a path for a POSIX shell when it needs it (the gateway's names are safe; its directory may not be). */
export function shellQuote(text) {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Watches an element for pasted or dropped files. Text pastes pass through to xterm untouched.
 * @param {HTMLElement} element
 * @param {(files: File[]) => void} onFiles
 */
export function watchFiles(element, onFiles) {
  const files = (transfer) => [...(transfer?.files ?? [])];
  // Capture phase: the paste must be taken before xterm's own textarea handler sends it as text.
  element.addEventListener(
    "paste",
    (event) => {
      const list = files(event.clipboardData);
      if (list.length === 0) return;
      event.preventDefault();
      event.stopPropagation();
      onFiles(list);
    },
    true,
  );
  element.addEventListener("dragover", (event) => {
    if (!event.dataTransfer?.types.includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    element.classList.add("drop-target");
  });
  element.addEventListener("dragleave", (event) => {
    if (!element.contains(event.relatedTarget)) element.classList.remove("drop-target");
  });
  element.addEventListener("drop", (event) => {
    element.classList.remove("drop-target");
    const list = files(event.dataTransfer);
    if (list.length === 0) return;
    event.preventDefault();
    onFiles(list);
  });
}
