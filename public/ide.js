// The page under /ide/ while code-server is not serving: polls GET /api/ide, starts or installs code-server,
// shows progress, and reloads into the workbench once it runs.
const POLL_MS = 1000;
const main = document.getElementById("ide");
const message = document.getElementById("ide-message");
const log = document.getElementById("ide-log");
const installButton = document.getElementById("ide-install");
let startRequested = false;

async function call(method, url) {
  const res = await fetch(url, { method, cache: "no-store", headers: { accept: "application/json" } });
  return res.json().catch(() => ({}));
}

function show(text, lines) {
  message.textContent = text;
  log.hidden = !lines;
  if (lines) {
    log.textContent = lines;
    log.scrollTop = log.scrollHeight;
  }
}

async function start() {
  startRequested = true;
  await call("POST", "/api/ide/start");
}

async function poll() {
  let status;
  try {
    status = await call("GET", "/api/ide");
  } catch {
    show("The gateway did not answer; retrying...");
    return setTimeout(poll, POLL_MS * 3);
  }
  main.dataset.state = status.state;
  const install = status.install ?? { state: "idle", lines: [] };
  if (status.state === "running") {
    show("The IDE is running; opening it...");
    location.reload();
    return;
  }
  if (status.state === "absent") {
    if (installButton) installButton.hidden = install.state === "running";
    if (install.state === "running") show(installing(install.progress), install.lines.join("\n"));
    else if (install.state === "failed") show("The install failed; see its output below. You can try again.", install.lines.join("\n"));
    else if (install.state === "done") show("Installed; starting the IDE...", install.lines.join("\n"));
  } else if (status.state === "failed") {
    show("The IDE failed to start.", status.lastError ?? "");
    if (!document.getElementById("ide-retry")) {
      const retry = document.createElement("button");
      retry.id = "ide-retry";
      retry.type = "button";
      retry.textContent = "Try again";
      retry.addEventListener("click", () => {
        retry.remove();
        show("Starting the IDE...");
        void start().then(poll);
      });
      main.append(retry);
    }
    return; // wait for the click: never loop on a crashing IDE
  } else if (status.state === "stopped" && !startRequested) {
    await start();
  } else if (status.state === "starting") {
    show("");
  }
  if (status.state !== "absent" || install.state === "running" || install.state === "done") setTimeout(poll, POLL_MS);
}

installButton?.addEventListener("click", async () => {
  installButton.hidden = true;
  show("Starting the install...");
  const res = await call("POST", "/api/ide/install");
  if (res.error) show(res.error.message);
  setTimeout(poll, POLL_MS / 2);
});

void poll();

/** The install's headline: the release download's bytes, then unpacking (GET /api/ide's install.progress). */
function installing(progress) {
  const mb = (bytes) => (bytes / 1e6).toFixed(1);
  if (progress?.phase === "download") {
    return `Downloading code-server: ${mb(progress.bytes)}${progress.totalBytes ? ` of ${mb(progress.totalBytes)}` : ""} MB...`;
  }
  if (progress?.phase === "verify") return "Checking the download...";
  if (progress?.phase === "unpack") return "Unpacking code-server...";
  return "Installing code-server...";
}
