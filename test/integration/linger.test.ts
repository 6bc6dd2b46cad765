import pino from "pino";
import { describe, expect, it } from "vitest";
import { BUILTIN_AGENTS } from "../../src/agents.js";
import { SessionManager } from "../../src/sessions.js";

describe("SessionManager linger", () => {
  it("closes a session no client attached to after the linger time, and tells listeners", async () => {
    const sessions = new SessionManager({
      maxSessions: 2,
      lingerMinutes: 0.005, // 300 ms
      scrollbackBytes: 1024,
      scrollbackLines: 100,
      logger: pino({ level: "silent" }),
    });
    const events: string[] = [];
    sessions.subscribe((event) => events.push(event));
    const session = sessions.create({
      agent: BUILTIN_AGENTS[0]!,
      launch: { file: "/bin/sh", args: [], env: { PATH: "/usr/bin:/bin" }, cwd: "/" },
      cols: 80,
      rows: 24,
    });
    expect(sessions.liveCount()).toBe(1);
    await session.whenExited();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sessions.get(session.id)).toBeUndefined();
    expect(events).toEqual(["created", "exited", "removed"]);
    await sessions.close();
  });
});
