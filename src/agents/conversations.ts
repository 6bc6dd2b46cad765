import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, type Dirent } from "node:fs";
import path from "node:path";

/** One earlier conversation the "+" menu offers to resume. */
export interface Conversation {
  readonly id: string;
  /** The first thing the user asked, on one line, shortened. */
  readonly title: string;
  /** ISO time of the last change. */
  readonly updatedAt: string;
}

/** The newest conversations listed per agent and project. */
const MAX_LISTED = 20;
/** Only the head of a transcript is read for its first line: transcripts grow to many megabytes. */
const HEAD_BYTES = 256 * 1024;
/** Files looked at per listing at most, newest first: a HOME with thousands of sessions stays cheap. */
const MAX_SCANNED = 400;
const TITLE_CHARS = 120;
/** A one-file JSON transcript larger than this is left out rather than parsed whole. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

type Reader = (dir: string, cwd: string) => Conversation[];

/** How each agent that can resume keeps its conversations, and the arguments that resume one. */
const AGENTS: Readonly<Record<string, { read: Reader; resume: (id: string) => string[] }>> = {
  claude: { read: readClaude, resume: (id) => ["--resume", id] },
  codex: { read: readCodex, resume: (id) => ["resume", id] },
  gemini: { read: readGemini, resume: (id) => ["--resume", id] },
  pi: { read: readPi, resume: (id) => ["--session", id] },
  copilot: { read: readCopilot, resume: (id) => ["--resume", id] },
};

/** A conversation id as the agents write them (UUIDs, Pi's file ids): nothing that could be read as a flag. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** True for agents whose conversations can be listed and resumed. */
export function canResume(agent: string): boolean {
  return Object.hasOwn(AGENTS, agent);
}

/** The recent conversations of an agent in a project folder, newest first; [] for agents that keep none. */
export function listConversations(agent: string, dirs: Readonly<Record<string, string>>, cwd: string): Conversation[] {
  const spec = AGENTS[agent];
  const dir = dirs[agent];
  if (!spec || !dir) return [];
  return spec
    .read(dir, cwd)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, MAX_LISTED);
}

/** The arguments that resume a conversation, or undefined for an id the agent did not list for that folder. */
export function resumeArgs(agent: string, dirs: Readonly<Record<string, string>>, cwd: string, id: string): string[] | undefined {
  if (!ID.test(id) || !listConversations(agent, dirs, cwd).some((c) => c.id === id)) return undefined;
  return AGENTS[agent]!.resume(id);
}

/** Claude Code: projects/<cwd with every non-alphanumeric character as "-">/<session>.jsonl. */
function readClaude(dir: string, cwd: string): Conversation[] {
  const folder = path.join(dir, cwd.replace(/[^A-Za-z0-9]/g, "-"));
  return files(folder, ".jsonl").flatMap(({ file, mtime }) => {
    const title = firstLine(jsonLines(file), (line) => {
      if (line.type !== "user" || line.isMeta || line.message?.role !== "user") return undefined;
      return text(line.message.content);
    });
    return title ? [{ id: path.basename(file, ".jsonl"), title, updatedAt: mtime }] : [];
  });
}

/** Codex: sessions/YYYY/MM/DD/rollout-…-<id>.jsonl, whose session_meta names the folder. */
function readCodex(dir: string, cwd: string): Conversation[] {
  return files(dir, ".jsonl", 3).flatMap(({ file, mtime }) => {
    const lines = jsonLines(file);
    const meta = lines.find((l) => l.type === "session_meta")?.payload;
    if (!meta || meta.cwd !== cwd || typeof meta.id !== "string") return [];
    // The user's words: a user message item (0.169), or a user_message event (older releases).
    const title = firstLine(lines, (l) => {
      if (l.type === "response_item" && l.payload?.type === "message" && l.payload.role === "user") return text(l.payload.content);
      return l.type === "event_msg" && l.payload?.type === "user_message" ? l.payload.message : undefined;
    });
    return title ? [{ id: meta.id, title, updatedAt: mtime }] : [];
  });
}

/** Gemini CLI: tmp/<project>/chats/session-….json(l); the project folder is sha256(cwd) or a name it records. */
function readGemini(dir: string, cwd: string): Conversation[] {
  const hash = createHash("sha256").update(cwd).digest("hex");
  return subdirs(dir).flatMap((project) =>
    files(path.join(dir, project, "chats"), ".json", 0, ".jsonl").flatMap(({ file, mtime }) => {
      const record = file.endsWith(".jsonl") ? mergeLines(jsonLines(file)) : jsonFile(file);
      if (!record || typeof record.sessionId !== "string") return [];
      if (record.projectHash !== hash && project !== hash) return [];
      const title = firstLine(Array.isArray(record.messages) ? record.messages : [], (m) => (m.type === "user" ? text(m.content) : undefined));
      return title ? [{ id: record.sessionId, title, updatedAt: mtime }] : [];
    }),
  );
}

/** Pi: sessions/--<cwd with "/" as "-">--/<time>_<id>.jsonl, a "session" line first. */
function readPi(dir: string, cwd: string): Conversation[] {
  const folder = path.join(dir, `--${cwd.replace(/^\//, "").replace(/[/\\:]/g, "-")}--`);
  return files(folder, ".jsonl").flatMap(({ file, mtime }) => {
    const lines = jsonLines(file);
    const session = lines.find((l) => l.type === "session");
    if (!session || typeof session.id !== "string") return [];
    const title = firstLine(lines, (l) => (l.type === "message" && l.message?.role === "user" ? text(l.message.content) : undefined));
    return title ? [{ id: session.id, title, updatedAt: mtime }] : [];
  });
}

/** Copilot CLI: session-state/<id>/events.jsonl, whose session.start names the folder. */
function readCopilot(dir: string, cwd: string): Conversation[] {
  return subdirs(dir).flatMap((id) => {
    if (!ID.test(id)) return [];
    const [events] = files(path.join(dir, id), ".jsonl");
    if (!events || path.basename(events.file) !== "events.jsonl") return [];
    const lines = jsonLines(events.file);
    const start = lines.find((l) => l.type === "session.start")?.data;
    if (start?.context?.cwd !== cwd || start.sessionId !== id) return [];
    const title = firstLine(lines, (l) => (l.type === "user.message" ? l.data?.content : undefined));
    return title ? [{ id, title, updatedAt: events.mtime }] : [];
  });
}

type Json = Record<string, any>;

/** Files with the extension under `dir` (down to `depth` more levels), newest first, at most MAX_SCANNED. */
function files(dir: string, ext: string, depth = 0, ext2?: string): { file: string; mtime: string }[] {
  const found: { file: string; ms: number }[] = [];
  const walk = (folder: string, level: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory() && level < depth) walk(full, level + 1);
      else if (entry.isFile() && (entry.name.endsWith(ext) || (ext2 && entry.name.endsWith(ext2)))) {
        try {
          found.push({ file: full, ms: statSync(full).mtimeMs });
        } catch {
          // Gone meanwhile.
        }
      }
    }
  };
  walk(dir, 0);
  return found
    .sort((a, b) => b.ms - a.ms)
    .slice(0, MAX_SCANNED)
    .map(({ file, ms }) => ({ file, mtime: new Date(ms).toISOString() }));
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).slice(0, MAX_SCANNED);
  } catch {
    return [];
  }
}

/** The head of a file as text (a transcript's first lines). */
function head(file: string): string {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    return buffer.subarray(0, readSync(fd, buffer, 0, HEAD_BYTES, 0)).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The JSON objects of a JSONL file's head; broken or cut-off lines are skipped. */
function jsonLines(file: string): Json[] {
  let content: string;
  try {
    content = head(file);
  } catch {
    return [];
  }
  return content.split("\n").flatMap((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return value && typeof value === "object" && !Array.isArray(value) ? [value as Json] : [];
    } catch {
      return [];
    }
  });
}

/** A whole JSON file (Gemini's older session format), when it is small enough to read. */
function jsonFile(file: string): Json | undefined {
  try {
    if (statSync(file).size > MAX_JSON_BYTES) return undefined;
    const value: unknown = JSON.parse(readFileSync(file, "utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** A JSONL conversation record (header line, then one message per line) as one record. */
function mergeLines(lines: Json[]): Json {
  const record: Json = { messages: [] };
  for (const line of lines) {
    if (line.sessionId && !line.type) Object.assign(record, line);
    else if (line.type) record.messages.push(line);
  }
  return record;
}

/** The first line a picker finds, as a title: one line, no markup-looking preambles, shortened. */
function firstLine(lines: readonly Json[], pick: (line: Json) => unknown): string | undefined {
  for (const line of lines) {
    const value = pick(line);
    if (typeof value !== "string") continue;
    const title = value.replace(/\s+/g, " ").trim();
    // Context blocks the CLIs put before the user's own words (<environment_context>, <command-name>, …).
    if (!title || title.startsWith("<")) continue;
    return title.length > TITLE_CHARS ? `${title.slice(0, TITLE_CHARS - 1)}…` : title;
  }
  return undefined;
}

/** A message's text: a string, or the text parts of a content array. */
function text(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.flatMap((p) => (p && typeof p === "object" && typeof p.text === "string" ? [p.text as string] : []));
  return parts.length ? parts.join(" ") : undefined;
}
