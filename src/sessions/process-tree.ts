import { readdirSync, readFileSync } from "node:fs";

/**
 * Every live process that belongs to the terminal session led by `leader`: its process group, plus anything
 * that kept the session id but moved to a group of its own (job control in the shell, daemons that did not
 * call setsid). node-pty makes the child a session leader, so its pid is both the session id and the group id.
 */
export function sessionProcesses(leader: number): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.state !== "Z" && (stat.pgid === leader || stat.sid === leader)) pids.push(Number(entry));
  }
  return pids;
}

/** Sends a signal to a session's group and to every process of the session; ignores processes already gone. */
export function signalSession(leader: number, signal: NodeJS.Signals): number {
  let signalled = 0;
  try {
    process.kill(-leader, signal);
    signalled++;
  } catch {
    // The group is gone or empty; stragglers that changed group are handled below.
  }
  for (const pid of sessionProcesses(leader)) {
    try {
      process.kill(pid, signal);
      signalled++;
    } catch {
      // Exited between the scan and the signal.
    }
  }
  return signalled;
}

/**
 * Signals what is left of a session until none of it lives: `first` until `killAfterMs`, then SIGKILL, every
 * `pollMs`; gives up after `giveUpMs` (a process stuck in the kernel ignores even SIGKILL).
 */
export async function reapSession(
  leader: number,
  { first, killAfterMs, giveUpMs = Infinity, pollMs = 50 }: { first: NodeJS.Signals; killAfterMs: number; giveUpMs?: number; pollMs?: number },
): Promise<void> {
  const started = Date.now();
  while (sessionProcesses(leader).length > 0 && Date.now() - started < giveUpMs) {
    signalSession(leader, Date.now() - started < killAfterMs ? first : "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== "Z";
}

interface Stat {
  readonly state: string;
  readonly pgid: number;
  readonly sid: number;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses: split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", pgid: Number(fields[2]), sid: Number(fields[3]) };
}
