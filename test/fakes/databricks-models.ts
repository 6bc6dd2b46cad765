/**
 * The model-services listing of Unity AI Gateway v2 (GET /api/2.1/unity-catalog/model-services), as strict as
 * the real one: page_size is required (499 without it, as the service answers), pages are cut at page_size
 * with an opaque next_page_token, names come as `model-services/<catalog>.<schema>.<model>`.
 */
import { apiError, type FakeReply } from "./databricks-workspace.js";

export const MODEL_SERVICES_PATH = "/api/2.1/unity-catalog/model-services";

/** The listing's reply; `services` undefined: a workspace without v2 (404, as an older workspace answers). */
export function listModelServices(query: URLSearchParams, services: readonly string[] | undefined): FakeReply {
  if (!services) return apiError(404, "ENDPOINT_NOT_FOUND", `No API found for 'GET ${MODEL_SERVICES_PATH}'`);
  const size = query.get("page_size");
  if (size === null) return apiError(499, "INVALID_PARAMETER_VALUE", "page_size is required.");
  const pageSize = Number(size);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    return apiError(400, "INVALID_PARAMETER_VALUE", "page_size must be between 1 and 1000.");
  }
  const token = query.get("page_token");
  const start = token ? Number(Buffer.from(token, "base64url").toString("utf8").replace(/^offset:/, "")) : 0;
  if (!Number.isInteger(start) || start < 0 || start > services.length) return apiError(400, "INVALID_PARAMETER_VALUE", "Invalid page_token.");
  const page = services.slice(start, start + pageSize);
  const next = start + pageSize < services.length ? Buffer.from(`offset:${start + pageSize}`).toString("base64url") : undefined;
  return {
    status: 200,
    body: {
      model_services: page.map((id) => ({ name: `model-services/${id}`, full_name: id, created_at: 1_780_000_000_000 })),
      ...(next ? { next_page_token: next } : {}),
    },
  };
}

export const SERVING_ENDPOINTS_PATH = "/api/2.0/serving-endpoints";

/** GET /api/2.0/serving-endpoints: every endpoint in one answer, as the real API lists them. */
export function listServingEndpoints(names: readonly string[]): FakeReply {
  return {
    status: 200,
    body: {
      endpoints: names.map((name) => ({
        name,
        creator: "databricks",
        state: { ready: "READY", config_update: "NOT_UPDATING" },
        task: name.includes("embedding") ? "llm/v1/embeddings" : "llm/v1/chat",
        config: { served_entities: [{ name, foundation_model: { name } }] },
      })),
    },
  };
}
