/**
 * The workspace part of the fake Databricks REST API (/api/2.0/workspace/*): an in-memory tree keyed by
 * absolute path, with the real service's rules for AUTO notebook conversion, missing parents, the 10 MB
 * import limit and per-user home folders.
 */

import { exportObject } from "./databricks-export.js";

/** One object of the fake workspace. */
export interface WorkspaceEntry {
  type: "DIRECTORY" | "FILE" | "NOTEBOOK";
  content?: Buffer;
  language?: string;
}

/** What a handler answers: a status and a JSON body. */
export interface FakeReply {
  readonly status: number;
  readonly body: unknown;
}

/** The documented import limit. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

const LANGUAGES: Readonly<Record<string, string>> = { ".py": "PYTHON", ".sql": "SQL", ".scala": "SCALA", ".r": "R" };
const NOTEBOOK_HEADER = /^(#|--|\/\/) Databricks notebook source/;

/** A Databricks error reply. */
export function apiError(status: number, errorCode: string, message: string): FakeReply {
  return { status, body: { error_code: errorCode, message } };
}

/** The workspace endpoints, acting for `userName`; undefined when the route is not a workspace one. */
export class FakeWorkspace {
  readonly entries = new Map<string, WorkspaceEntry>([
    ["/", { type: "DIRECTORY" }],
    ["/Users", { type: "DIRECTORY" }],
    ["/Shared", { type: "DIRECTORY" }],
  ]);
  private readonly meta = new Map<string, { objectId: number; createdAt: number; modifiedAt: number }>();
  private nextId = 1_000_000;

  /** Creates /Users/<userName> as the workspace does for every user. */
  ensureHome(userName: string): void {
    if (!this.entries.has(`/Users/${userName}`)) this.entries.set(`/Users/${userName}`, { type: "DIRECTORY" });
  }

  handle(method: string, route: string, query: URLSearchParams, body: any, userName: string): FakeReply | undefined {
    const key = `${method} ${route}`;
    if (key === "GET /api/2.0/workspace/get-status") return this.withPath(query.get("path"), userName, (p) => this.getStatus(p));
    if (key === "GET /api/2.0/workspace/list") return this.withPath(query.get("path"), userName, (p) => this.list(p));
    if (key === "POST /api/2.0/workspace/mkdirs") return this.withPath(body?.path, userName, (p) => this.mkdirs(p));
    if (key === "POST /api/2.0/workspace/delete") return this.withPath(body?.path, userName, (p) => this.remove(p, body?.recursive === true));
    if (key === "POST /api/2.0/workspace/import") return this.withPath(body?.path, userName, (p) => this.import(p, body));
    if (key === "GET /api/2.0/workspace/export") return this.withPath(query.get("path"), userName, (p) => exportObject(this.entries, p, query.get("format")));
    return undefined;
  }

  private withPath(raw: unknown, userName: string, action: (path: string) => FakeReply): FakeReply {
    if (typeof raw !== "string" || raw === "") return apiError(400, "INVALID_PARAMETER_VALUE", "Missing required field: path");
    if (!raw.startsWith("/")) return apiError(400, "INVALID_PARAMETER_VALUE", `Path (${raw}) doesn't start with '/'`);
    const path = raw.length > 1 ? raw.replace(/\/+$/, "") : raw;
    if (path.split("/").some((part) => part === "." || part === "..")) {
      return apiError(400, "INVALID_PARAMETER_VALUE", `Invalid path: ${raw}`);
    }
    // A principal has rights in its own home folder only (the app's service principal has none in the user's).
    const home = /^\/Users\/([^/]+)\//.exec(path + "/")?.[1];
    if (home !== undefined && home !== userName) {
      return apiError(403, "PERMISSION_DENIED", `${userName} does not have Manage permissions on ${path}.`);
    }
    return action(path);
  }

  private getStatus(path: string): FakeReply {
    const entry = this.entries.get(path);
    if (!entry) return apiError(404, "RESOURCE_DOES_NOT_EXIST", `Path (${path}) doesn't exist.`);
    return { status: 200, body: this.describe(path, entry) };
  }

  private list(path: string): FakeReply {
    const entry = this.entries.get(path);
    if (!entry) return apiError(404, "RESOURCE_DOES_NOT_EXIST", `Path (${path}) doesn't exist.`);
    if (entry.type !== "DIRECTORY") return { status: 200, body: { objects: [this.describe(path, entry)] } };
    const objects = [...this.entries]
      .filter(([child]) => child !== path && parentOf(child) === path)
      .map(([child, e]) => this.describe(child, e));
    // The real service leaves `objects` out for an empty directory.
    return { status: 200, body: objects.length > 0 ? { objects } : {} };
  }

  private mkdirs(path: string): FakeReply {
    const parts = path.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const prefix = "/" + parts.slice(0, i).join("/");
      const existing = this.entries.get(prefix);
      if (existing && existing.type !== "DIRECTORY") {
        return apiError(400, "RESOURCE_ALREADY_EXISTS", `Cannot create directory ${path}: ${prefix} is not a directory.`);
      }
    }
    for (let i = 1; i <= parts.length; i++) {
      const prefix = "/" + parts.slice(0, i).join("/");
      if (!this.entries.has(prefix)) this.put(prefix, { type: "DIRECTORY" });
    }
    return { status: 200, body: {} };
  }

  private remove(path: string, recursive: boolean): FakeReply {
    const entry = this.entries.get(path);
    if (!entry) return apiError(404, "RESOURCE_DOES_NOT_EXIST", `Path (${path}) doesn't exist.`);
    if (path === "/") return apiError(400, "INVALID_PARAMETER_VALUE", "Cannot delete the root folder.");
    const children = [...this.entries.keys()].filter((p) => p.startsWith(path + "/"));
    if (children.length > 0 && !recursive) {
      return apiError(400, "DIRECTORY_NOT_EMPTY", `Folder (${path}) is not empty.`);
    }
    for (const p of [path, ...children]) {
      this.entries.delete(p);
      this.meta.delete(p);
    }
    return { status: 200, body: {} };
  }

  private import(path: string, body: any): FakeReply {
    if (typeof body?.content !== "string") return apiError(400, "INVALID_PARAMETER_VALUE", "Missing required field: content");
    const format = typeof body.format === "string" ? body.format : "SOURCE";
    if (!["AUTO", "SOURCE", "JUPYTER", "HTML", "DBC", "RAW", "R_MARKDOWN"].includes(format)) {
      return apiError(400, "INVALID_PARAMETER_VALUE", `Invalid format: ${format}`);
    }
    const content = Buffer.from(body.content, "base64");
    if (content.length > MAX_IMPORT_BYTES) {
      return apiError(
        400,
        "MAX_NOTEBOOK_SIZE_EXCEEDED",
        `File size imported is (${content.length} bytes), exceeded max size (${MAX_IMPORT_BYTES} bytes)`,
      );
    }
    const target = importTarget(path, format, content, typeof body.language === "string" ? body.language : undefined);
    if ("error" in target) return target.error;
    const parent = parentOf(target.path);
    if (this.entries.get(parent)?.type !== "DIRECTORY") {
      return apiError(404, "RESOURCE_DOES_NOT_EXIST", `The parent folder (${parent}) does not exist.`);
    }
    const existing = this.entries.get(target.path);
    if (existing && (existing.type === "DIRECTORY" || body.overwrite !== true)) {
      return apiError(400, "RESOURCE_ALREADY_EXISTS", `${target.path} already exists.`);
    }
    this.put(target.path, target.entry);
    return { status: 200, body: {} };
  }

  private put(path: string, entry: WorkspaceEntry): void {
    const now = Date.now();
    const previous = this.meta.get(path);
    this.entries.set(path, entry);
    this.meta.set(path, { objectId: previous?.objectId ?? this.nextId++, createdAt: previous?.createdAt ?? now, modifiedAt: now });
  }

  private describe(path: string, entry: WorkspaceEntry): Record<string, unknown> {
    let meta = this.meta.get(path);
    if (!meta) {
      // Entries a test put straight into the map get their metadata on first sight.
      meta = { objectId: this.nextId++, createdAt: Date.now(), modifiedAt: Date.now() };
      this.meta.set(path, meta);
    }
    return {
      object_type: entry.type,
      path,
      object_id: meta.objectId,
      resource_id: String(meta.objectId),
      created_at: meta.createdAt,
      modified_at: meta.modifiedAt,
      ...(entry.language ? { language: entry.language } : {}),
      ...(entry.type === "FILE" ? { size: entry.content?.length ?? 0 } : {}),
    };
  }
}

function parentOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

/** Where an import lands and as what: AUTO turns .ipynb and "Databricks notebook source" files into notebooks. */
function importTarget(
  path: string,
  format: string,
  content: Buffer,
  language: string | undefined,
): { path: string; entry: WorkspaceEntry } | { error: FakeReply } {
  const dot = path.lastIndexOf(".");
  const ext = dot > path.lastIndexOf("/") ? path.slice(dot).toLowerCase() : "";
  const stem = ext ? path.slice(0, dot) : path;
  if (format === "RAW") return { path, entry: { type: "FILE", content } };
  if (format === "AUTO") {
    if (ext === ".ipynb") return { path: stem, entry: { type: "NOTEBOOK", content, language: "PYTHON" } };
    const lang = LANGUAGES[ext];
    if (lang && NOTEBOOK_HEADER.test(content.subarray(0, 64).toString("utf8"))) {
      return { path: stem, entry: { type: "NOTEBOOK", content, language: lang } };
    }
    return { path, entry: { type: "FILE", content } };
  }
  if (format === "SOURCE" && !language) {
    return { error: apiError(400, "INVALID_PARAMETER_VALUE", "The language field is required when format is SOURCE.") };
  }
  return { path, entry: { type: "NOTEBOOK", content, language: language ?? "PYTHON" } };
}
