import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * git for tests, isolated from the real user's configuration: HOME is the test gateway's temp HOME (where the
 * gateway installs its hooks), no system config, fixed identity.
 */
export function gitEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Test Author",
    GIT_AUTHOR_EMAIL: "author@example.com",
    GIT_COMMITTER_NAME: "Test Author",
    GIT_COMMITTER_EMAIL: "author@example.com",
  };
}

/** Runs git and resolves with stdout and stderr (async: the gateway under test shares this process). */
export function runGit(home: string, cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env: gitEnv(home), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(" ")}: ${stderr || error.message}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** A repository under test: write files, commit, read HEAD. */
export class TestRepo {
  private constructor(
    readonly home: string,
    readonly dir: string,
  ) {}

  /** `git init` a new repository at `dir`. */
  static async init(home: string, dir: string): Promise<TestRepo> {
    mkdirSync(dir, { recursive: true });
    await runGit(home, dir, ["init", "-q", "-b", "main"]);
    return new TestRepo(home, dir);
  }

  /** An existing repository at `dir`, committed to with `home`'s git configuration. */
  static open(home: string, dir: string): TestRepo {
    return new TestRepo(home, dir);
  }

  /** Writes (string or Buffer) or deletes (null) files, relative to the repository. */
  write(files: Record<string, string | Buffer | null>): void {
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(this.dir, name);
      if (content === null) rmSync(file, { force: true });
      else {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    }
  }

  /** Writes files, stages everything (`git add -A`) and commits; resolves with the new HEAD. */
  async commit(files: Record<string, string | Buffer | null>, message = "change"): Promise<string> {
    this.write(files);
    await this.git("add", "-A");
    await this.git("commit", "-q", "-m", message);
    return this.head();
  }

  async head(): Promise<string> {
    return (await this.git("rev-parse", "HEAD")).stdout.trim();
  }

  git(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return runGit(this.home, this.dir, args);
  }
}
