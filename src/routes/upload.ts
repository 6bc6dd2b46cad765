import { constants, createWriteStream, lstatSync, mkdirSync, openSync, unlinkSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import busboy from "busboy";
import { Router, type Request } from "express";
import { HttpError } from "../http-error.js";

/** Longest stored file name, in characters: long enough to recognise, short enough to type. */
const MAX_NAME_LENGTH = 100;
/** Attempts at a free name ("shot-1.png", "shot-2.png", ...) before giving up. */
const MAX_SUFFIX = 1000;

/** What the upload route needs: where files go and how large they may be. */
export interface UploadRoutesOptions {
  /** The only directory uploads are written to (~/uploads); made on first use. */
  readonly uploadsDir: string;
  /** Largest upload in bytes; larger ones get 413 and leave nothing behind. */
  readonly maxBytes: number;
}

/**
 * POST /api/upload: one file, as a multipart form (field "file") or as a raw body named by the
 * X-File-Name header (URL-encoded) or ?name=. Answers 201 {path, name, size}.
 */
export function createUploadRoutes({ uploadsDir, maxBytes }: UploadRoutesOptions): Router {
  const router = Router();
  router.post("/api/upload", async (req, res) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes + 64 * 1024) throw tooLarge(maxBytes);
    ensureDirectory(uploadsDir);
    const type = req.headers["content-type"] ?? "";
    const saved = /^multipart\/form-data/i.test(type)
      ? await receiveMultipart(req, uploadsDir, maxBytes)
      : await receiveFile(req, rawName(req), uploadsDir, maxBytes);
    res.status(201).json(saved);
  });
  return router;
}

/** What an upload became on disk. */
export interface SavedUpload {
  readonly path: string;
  readonly name: string;
  readonly size: number;
}

/**
 * A file name that is safe to write and to type into a shell: the last path segment only, letters,
 * digits, dot, dash and underscore, no leading dot, at most MAX_NAME_LENGTH characters.
 */
export function safeFileName(requested: string | undefined): string {
  const base = (requested ?? "").split(/[/\\]/).pop() ?? "";
  const cleaned = base
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._-]+/, "")
    .replace(/_+/g, "_");
  const ext = path.extname(cleaned).slice(0, 16);
  const stem = cleaned.slice(0, cleaned.length - ext.length).slice(0, MAX_NAME_LENGTH - ext.length);
  const name = (stem.replace(/[._-]+$/, "") || "upload") + ext;
  return name;
}

function rawName(req: Request): string | undefined {
  const header = req.headers["x-file-name"];
  const raw = typeof header === "string" ? header : typeof req.query.name === "string" ? req.query.name : undefined;
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, "bad_file_name", "X-File-Name must be URL-encoded.");
  }
}

function receiveMultipart(req: Request, dir: string, maxBytes: number): Promise<SavedUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, parts: 20 } });
    } catch (error) {
      reject(new HttpError(400, "bad_multipart", `Not a valid multipart body: ${(error as Error).message}`));
      return;
    }
    let pending: Promise<SavedUpload> | undefined;
    parser.on("file", (field, stream, info) => {
      if (field !== "file" || pending) {
        // busboy destroys an unfinished file stream with the parser's error ("Unexpected end of form"): without
        // a listener that is an uncaught exception, and one truncated form would end the gateway.
        stream.on("error", () => {});
        stream.resume();
        return;
      }
      pending = receiveFile(stream, info.filename, dir, maxBytes, () => (stream as { truncated?: boolean }).truncated === true);
      // Settled on "close"; until then a rejection is expected, not unhandled.
      pending.catch(() => {});
    });
    parser.on("error", (error) => reject(new HttpError(400, "bad_multipart", `Not a valid multipart body: ${(error as Error).message}`)));
    parser.on("close", () => {
      if (!pending) reject(new HttpError(400, "no_file", 'The form has no file in a field named "file".'));
      else pending.then(resolve, reject);
    });
    req.on("aborted", () => reject(new HttpError(400, "aborted", "The upload was interrupted.")));
    req.pipe(parser);
  });
}

/** Streams one file into a fresh name in dir; removes the partial file on any failure. */
async function receiveFile(
  source: Readable,
  requested: string | undefined,
  dir: string,
  maxBytes: number,
  truncated: () => boolean = () => false,
): Promise<SavedUpload> {
  let opened: { file: string; fd: number };
  try {
    opened = openFresh(dir, safeFileName(requested));
  } catch (error) {
    // Drained, or a multipart parser waits for the rest of the file forever and the request never ends.
    source.on("error", () => {});
    source.resume();
    throw error;
  }
  const { file, fd } = opened;
  const out = createWriteStream("", { fd, flush: true });
  let size = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      source.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          source.unpipe(out);
          source.resume();
          reject(tooLarge(maxBytes));
        }
      });
      source.on("error", () => reject(new HttpError(400, "aborted", "The upload was interrupted.")));
      source.on("aborted", () => reject(new HttpError(400, "aborted", "The upload was interrupted.")));
      source.on("end", () => (truncated() ? reject(tooLarge(maxBytes)) : undefined));
      out.on("error", (error) => reject(diskError(error)));
      out.on("finish", () => (truncated() ? reject(tooLarge(maxBytes)) : resolve()));
      source.pipe(out);
    });
  } catch (error) {
    out.destroy();
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
    throw error;
  }
  return { path: file, name: path.basename(file), size };
}

/**
 * Creates a new file that did not exist: O_EXCL never follows a symbolic link or overwrites, so a
 * planted link cannot send the upload outside dir.
 */
function openFresh(dir: string, name: string): { file: string; fd: number } {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; i < MAX_SUFFIX; i++) {
    const file = path.join(dir, i === 0 ? name : `${stem}-${i}${ext}`);
    try {
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      return { file, fd };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw diskError(error);
    }
  }
  throw new HttpError(409, "name_taken", `Too many uploads named ${name}; remove some from ${dir}.`);
}

/** Makes the uploads directory; refuses one that is a symbolic link, so nothing lands outside it. */
function ensureDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!lstatSync(dir).isDirectory()) {
    throw new HttpError(500, "bad_uploads_dir", `${dir} is not a plain directory; uploads are refused.`);
  }
}

/** A full disk (or quota) is the owner's to fix, not an internal error: 507 saying so; anything else as is. */
function diskError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== "ENOSPC" && code !== "EDQUOT") return error;
  return new HttpError(507, "disk_full", "The disk holding ~/uploads is full; free some space and try again.");
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "too_large", `Uploads are limited to ${Math.floor(maxBytes / (1024 * 1024))} MB.`);
}
