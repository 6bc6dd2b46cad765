// The gateway's live channel (GET /api/events, Server-Sent Events): session, activity and status changes,
// so the page does not poll. EventSource reconnects by itself; each (re)connect starts with a "hello" snapshot.

/** Event types the gateway sends besides "hello" (src/events.ts). */
const TYPES = ["session-created", "session-exited", "session-removed", "activity", "token", "sync", "ide", "models", "memory", "shutdown"];

/**
 * Listens to the gateway. onHello(snapshot) on every connect, onEvent(type, data) per change,
 * onReachable(true|false) when the stream opens or fails.
 */
export function connectEvents({ onHello, onEvent, onReachable }) {
  const source = new EventSource("api/events");
  const parse = (event) => {
    try {
      return JSON.parse(event.data);
    } catch {
      return undefined;
    }
  };
  source.addEventListener("hello", (event) => {
    const data = parse(event);
    if (data) {
      onReachable(true);
      onHello(data);
    }
  });
  for (const type of TYPES) {
    source.addEventListener(type, (event) => {
      const data = parse(event);
      if (data !== undefined) onEvent(type, data);
    });
  }
  source.onerror = () => onReachable(false);
  return { close: () => source.close() };
}
