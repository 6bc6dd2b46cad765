import path from "node:path/posix";

/** The workspace's import limit for one file (databricks.md). */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

const NOTEBOOK_SOURCE_EXTENSIONS = new Set([".py", ".sql", ".scala", ".r"]);
const NOTEBOOK_HEADER = /^(#|--|\/\/) Databricks notebook source/;

/**
 * Where an AUTO import of `file` lands, relative to the repository's folder: the workspace turns .ipynb files
 * and source files starting with the "Databricks notebook source" comment into notebooks and drops their
 * extension; everything else keeps its name.
 */
export function remoteName(file: string, content: Buffer): string {
  const ext = path.extname(file).toLowerCase();
  if (!ext) return file;
  const stem = file.slice(0, -ext.length);
  if (ext === ".ipynb") return stem;
  if (NOTEBOOK_SOURCE_EXTENSIONS.has(ext) && NOTEBOOK_HEADER.test(content.subarray(0, 64).toString("utf8"))) return stem;
  return file;
}

/** The workspace folder all repositories sync into: /Users/<owner>/projects (shown as /Workspace/Users/...). */
export function projectsRoot(owner: string): string {
  return `/Users/${owner}/projects`;
}

/** The folders of a relative path, outermost first: "a/b/c.txt" -> ["a", "a/b"]. */
export function parentDirs(file: string): string[] {
  const parts = file.split("/").slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}
