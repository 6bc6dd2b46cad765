import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A small filesystem mounted at a fresh directory, to run out of space on purpose. */
export interface SmallDisk {
  readonly dir: string;
  /** Fills the disk with a file until writes fail with ENOSPC. */
  fill(): void;
  /** Removes the filler: space is back. */
  free(): void;
  dispose(): void;
}

/**
 * Mounts a tmpfs of `bytes` at `at` (made if missing) or a fresh temp directory (needs root or CAP_SYS_ADMIN, as on the CI machine); undefined when mounting is
 * not permitted here, so the caller can skip with a reason instead of pretending.
 */
export function mountSmallDisk(bytes: number, at?: string): SmallDisk | undefined {
  const dir = at ?? mkdtempSync(path.join(tmpdir(), "gw-small-disk-"));
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0700`, "tmpfs", dir], { stdio: "ignore" });
  } catch {
    if (!at) rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const filler = path.join(dir, ".filler");
  return {
    dir,
    fill() {
      mkdirSync(dir, { recursive: true });
      const chunk = Buffer.alloc(4096, 0x66);
      try {
        for (let i = 0; ; i++) writeFileSync(filler, chunk, { flag: "a" });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    dispose() {
      try {
        execFileSync("umount", ["-l", dir], { stdio: "ignore" });
      } finally {
        if (!at) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
