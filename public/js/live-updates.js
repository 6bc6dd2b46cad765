// What the events channel (events.js) changes in the page: tabs for sessions started elsewhere, each tab's
// activity, the attention signals when an agent the user does not see needs them, and the status bar.

/**
 * Wires the live events to the page's parts.
 * @param {{ ws, status, attention, addTab: (info: object) => void }} parts
 */
export function createLiveUpdates({ ws, status, attention, addTab }) {
  // Sessions this page is creating: their "session-created" event can arrive before the POST answers, and
  // must not open a second tab (or, for a restart, a tab beside the restarted one).
  const inFlight = new Set();

  /** Shown in a pane of a visible, focused page: the user sees it without being told. */
  const inView = (id) => document.visibilityState === "visible" && document.hasFocus() && ws.shownIds().includes(id);

  function onActivity({ id, ...activity }) {
    const tab = ws.get(id);
    if (!tab) return;
    const before = tab.status?.state;
    ws.setStatus(id, activity);
    if (activity.state === "needs-input" && before !== "needs-input" && !inView(id)) {
      tab.attention = true;
      ws.render();
      attention.announce({ id, name: tab.name, message: activity.message });
    }
  }

  function onExited(data) {
    const tab = ws.get(data.id);
    if (!tab || inView(data.id)) return;
    tab.activity = true;
    ws.render();
    const message = data.exitSignal ? `Ended by signal ${data.exitSignal}.` : `Exited with code ${data.exitCode}.`;
    attention.announce({ id: data.id, name: tab.name, exited: true, message });
  }

  return {
    /** Marks a session creation of this page as under way until the promise settles; returns it. */
    creating(promise) {
      inFlight.add(promise);
      const done = () => inFlight.delete(promise);
      promise.then(done, done);
      return promise;
    },

    onHello({ sessions, status: statuses }) {
      status.setGateway("");
      for (const [type, value] of Object.entries(statuses ?? {})) status.apply(type, value);
      for (const info of sessions ?? []) {
        if (!ws.get(info.id)) addTab(info);
        const tab = ws.get(info.id);
        tab.status = info.activity;
        // Waiting since before this page looked: marked, but not announced again.
        if (info.activity?.state === "needs-input" && !ws.shownIds().includes(info.id)) tab.attention = true;
      }
      ws.render();
    },

    onEvent(type, data) {
      switch (type) {
        case "session-created":
          // Wait for this page's own creations to finish: the session may be one of them.
          void Promise.allSettled([...inFlight]).then(() => {
            if (ws.get(data.id)) return;
            addTab(data);
            ws.render();
          });
          return;
        case "activity":
          return onActivity(data);
        case "session-exited":
          return onExited(data);
        case "shutdown":
          return status.setGateway("stopped");
        default:
          return status.apply(type, data);
      }
    },
  };
}
