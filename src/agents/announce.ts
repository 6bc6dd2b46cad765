/**
 * How each agent CLI tells its terminal that it finished or needs the user (issue 19): the gateway's stream
 * scanner (src/sessions/stream-scanner.ts) reads these as OSC 9 notifications. Kept apart from the config
 * writers so that they call one function each. Codex needs none: it reports its own state (OSC 7501 state=done).
 */

/**
 * Writes an OSC 9 notification to the tab's terminal. A hook has no controlling terminal (/dev/tty fails) and its
 * stdout is read by Claude Code, so it writes to its parent's (the CLI's) stdout: the tab's PTY.
 */
const toTty = (text: string): string => `printf '\\033]9;%s\\007' "${text}" > /proc/$PPID/fd/1 2>/dev/null || true`;

/**
 * Claude Code hooks (settings.json "hooks"): Stop when it finished answering, Notification when it waits for
 * a permission or for input (its JSON on stdin carries the message, e.g. "Claude needs your permission to
 * use Bash"). Merged over the owner's own hooks for other events.
 */
export function claudeAnnounceHooks(existing: unknown): Record<string, unknown> {
  const hooks = existing && typeof existing === "object" && !Array.isArray(existing) ? { ...(existing as Record<string, unknown>) } : {};
  const message = `m=$(sed -n 's/.*"message" *: *"\\([^"]*\\)".*/\\1/p' | head -n 1); ${toTty("${m:-Claude Code needs you}")}`;
  hooks.Stop = [{ hooks: [{ type: "command", command: toTty("Claude Code finished") }] }];
  hooks.Notification = [{ hooks: [{ type: "command", command: message }] }];
  return hooks;
}


/**
 * Gemini CLI 0.61: general.enableNotifications (off by default) sends an OSC 9 notification for
 * action-required prompts and at the end of a turn.
 */
export function geminiAnnounceSettings(): Record<string, Record<string, unknown>> {
  return { general: { enableNotifications: true } };
}
