// The gateway's HTTP API as the page uses it: relative URLs, so the page also works behind a path prefix.

/** An API failure: the HTTP status and the gateway's message (or a network error's, status 0). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Sends a request and returns the parsed JSON answer (null for 204); throws ApiError with the gateway's message,
 * else `failure`'s words for a network error or an answer without one.
 */
async function request(url, init, failure) {
  let res;
  try {
    res = await fetch(url, { ...init, credentials: "same-origin" });
  } catch (error) {
    throw new ApiError(0, "network", failure.network(error));
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? "http_error", data?.error?.message ?? failure.http(res.status));
  return data;
}

/** Sends a JSON request and returns the parsed answer (null for 204); throws ApiError. */
export function api(method, url, body) {
  return request(
    url,
    {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    },
    {
      network: (error) => `The gateway cannot be reached (${error.message}).`,
      http: (status) => `${method} ${url}: HTTP ${status}`,
    },
  );
}

/** GET of a status endpoint for the status bar: {ok: true, value} or {ok: false, error}; never throws. */
export async function readStatus(url) {
  try {
    return { ok: true, value: await api("GET", url) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** POST /api/upload (src/routes/upload.ts): one file as a raw body; resolves with the gateway's {path, name, size}. */
export function uploadFile(file) {
  return request(
    "api/upload",
    {
      method: "POST",
      headers: { "Content-Type": file.type || "application/octet-stream", "X-File-Name": encodeURIComponent(file.name || "pasted") },
      body: file,
    },
    { network: (error) => `Upload failed: ${error.message}`, http: (status) => `Upload failed: HTTP ${status}` },
  );
}

/** The sessions API (src/routes/sessions.ts). */
export const sessions = {
  list: () => api("GET", "api/sessions"),
  /** extra: {model} (the picker's choice), {resume} (a conversation from GET /api/agents/:id/conversations). */
  create: (agent, cols, rows, extra = {}) => api("POST", "api/sessions", { agent, cols, rows, ...extra }),
  remove: (id) => api("DELETE", `api/sessions/${encodeURIComponent(id)}`),
  socketUrl: (id) => new URL(`api/sessions/${encodeURIComponent(id)}/ws`, location.href.replace(/^http/, "ws")).href,
};

/** GET /api/models: the route and, per agent, the model in use and the models offered. */
export const models = () => api("GET", "api/models");

/** GET /api/agents: [{id, label, available, reason?, version?}]. */
export const agents = () => api("GET", "api/agents");
