/**
 * GET /api/2.0/workspace/export for the fake workspace (issue 15's restore reads its pieces back with it):
 * the real service's JSON reply { content: base64, file_type }, its default format SOURCE, its 10 MB limit.
 */
import { apiError, MAX_IMPORT_BYTES, type FakeReply, type WorkspaceEntry } from "./databricks-workspace.js";

const FORMATS = ["AUTO", "SOURCE", "HTML", "JUPYTER", "DBC", "RAW", "R_MARKDOWN"];
const EXTENSIONS: Readonly<Record<string, string>> = { PYTHON: "py", SQL: "sql", SCALA: "scala", R: "r" };

/** Exports one object. Folders are not exported by this fake (the real service zips them in DBC/SOURCE/AUTO). */
export function exportObject(entries: ReadonlyMap<string, WorkspaceEntry>, path: string, rawFormat: string | null): FakeReply {
  const format = rawFormat ?? "SOURCE";
  if (!FORMATS.includes(format)) return apiError(400, "INVALID_PARAMETER_VALUE", `Invalid format: ${format}`);
  const entry = entries.get(path);
  if (!entry) return apiError(404, "RESOURCE_DOES_NOT_EXIST", `Path (${path}) doesn't exist.`);
  if (entry.type === "DIRECTORY") {
    return apiError(400, "INVALID_PARAMETER_VALUE", `The fake does not export folders (${path}); export its objects one by one.`);
  }
  if (entry.type === "FILE" && !["AUTO", "RAW", "SOURCE"].includes(format)) {
    return apiError(400, "INVALID_PARAMETER_VALUE", `Format ${format} is only supported for notebooks; ${path} is a file.`);
  }
  if (entry.type === "NOTEBOOK" && format === "RAW") {
    return apiError(400, "INVALID_PARAMETER_VALUE", `Format RAW is not supported for notebooks (${path}).`);
  }
  const content = entry.content ?? Buffer.alloc(0);
  if (content.length > MAX_IMPORT_BYTES) {
    return apiError(400, "MAX_NOTEBOOK_SIZE_EXCEEDED", `File size exported is (${content.length} bytes), exceeded max size (${MAX_IMPORT_BYTES} bytes)`);
  }
  const fileType = entry.type === "NOTEBOOK" ? (EXTENSIONS[entry.language ?? "PYTHON"] ?? "py") : (/\.([^./]+)$/.exec(path)?.[1] ?? "");
  return { status: 200, body: { content: content.toString("base64"), file_type: fileType } };
}
