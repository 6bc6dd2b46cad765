import { closeSync, constants, openSync } from "node:fs";
import * as pty from "@lydell/node-pty";
import type { Logger } from "pino";
import { reapSession, signalSession } from "./process-tree.js";
import { PtyInput } from "./pty-input.js";

/** Between SIGHUP and SIGKILL when a session is closed. */
const KILL_GRACE_MS = 2000;

/** What a session runs and where. */
export interface Launch {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** A terminal's input: false when it was refused (the program is not reading). */
export interface TerminalInput {
  write(data: string): boolean;
  close(): void;
}

/** A program started in a PTY, with what the session needs beside node-pty's own handle: input, slave, end. */
export interface PtyProcess {
  /** node-pty's terminal; with `encoding: null` its data events carry Buffers. */
  readonly pty: pty.IPty;
  readonly input: TerminalInput;
  /** Closes the slave descriptor held open since the spawn (see holdSlave); safe to call more than once. */
  releaseSlave(): void;
  /**
   * Ends the program's whole process tree: SIGHUP while `running`, SIGKILL after KILL_GRACE_MS, and waits
   * until `exited` resolved and no process of its session is left.
   */
  end(exited: Promise<void>, running: boolean): Promise<void>;
}

export interface SpawnOptions {
  readonly launch: Launch;
  readonly cols: number;
  readonly rows: number;
  /** The session's logger (input write failures, at debug). */
  readonly log: Logger;
}

/** Starts the program in a PTY of this size; throws when it cannot be spawned. */
export function spawnPty({ launch, cols, rows, log }: SpawnOptions): PtyProcess {
  const terminal = pty.spawn(launch.file, [...launch.args], {
    name: "xterm-256color",
    cols,
    rows,
    cwd: launch.cwd,
    env: { ...launch.env },
    encoding: null,
  });
  let slaveFd = holdSlave(terminal);
  const releaseSlave = (): void => {
    if (slaveFd !== undefined) closeSync(slaveFd);
    slaveFd = undefined;
  };
  return {
    pty: terminal,
    input: inputFor(terminal, log),
    releaseSlave,
    async end(exited, running) {
      // Output after a kill is not worth the 200 ms node-pty waits while the slave is held open.
      releaseSlave();
      const { pid } = terminal;
      if (running) signalSession(pid, "SIGHUP");
      const grace = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), KILL_GRACE_MS).unref());
      if ((await Promise.race([exited, grace])) === "timeout") signalSession(pid, "SIGKILL");
      await exited;
      // Stragglers that ignored SIGHUP, or were started by the shell in a group of their own.
      await reapSession(pid, { first: "SIGHUP", killAfterMs: 500, giveUpMs: 2_000 });
    },
  };
}

/**
 * Opens the PTY's slave side and keeps it open until exit. Without it, the master reads EIO as soon as a
 * program that writes and exits at once closes the last slave descriptor, and node-pty drops the bytes still
 * in the kernel's buffer (node-pty #85, #726: here the end of `seq 1 200000` went missing 16 times in 20).
 * Held open, the master stays readable; node-pty then ends the session 200 ms after the exit, every byte read.
 */
function holdSlave(terminal: pty.IPty): number | undefined {
  const name = (terminal as unknown as { _pty?: unknown })._pty;
  if (typeof name !== "string") return undefined;
  try {
    return openSync(name, constants.O_RDWR | constants.O_NOCTTY);
  } catch {
    // Already gone: the program exited before this line ran.
    return undefined;
  }
}

/** Input straight to the PTY master (see PtyInput); node-pty's own write if its descriptor is not exposed. */
function inputFor(terminal: pty.IPty, log: Logger): TerminalInput {
  const fd = (terminal as unknown as { fd?: unknown }).fd;
  if (typeof fd !== "number") {
    return { write: (data) => (terminal.write(data), true), close: () => undefined };
  }
  return new PtyInput({ fd, onError: (error) => log.debug({ err: error }, "input write failed") });
}
