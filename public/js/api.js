// The gateway's HTTP API as the page uses it: relative URLs, so the page also works behind a path prefix.

/** An API failure: the HTTP status and the gateway's message (or a network error's, status 0). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Sends a JSON request and returns the parsed answer (null for 204); throws ApiError. */
export async function api(method, url, body) {
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (error) {
    throw new ApiError(0, "network", `The gateway cannot be reached (${error.message}).`);
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => undefined);
  if (!res.ok) {
    throw new ApiError(res.status, data?.error?.code ?? "http_error", data?.error?.message ?? `${method} ${url}: HTTP ${res.status}`);
  }
  return data;
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
export async function uploadFile(file) {
  let res;
  try {
    res = await fetch("api/upload", {
      method: "POST",
      headers: { "Content-Type": file.type || "application/octet-stream", "X-File-Name": encodeURIComponent(file.name || "pasted") },
      body: file,
      credentials: "same-origin",
    });
  } catch (error) {
    throw new ApiError(0, "network", `Upload failed: ${error.message}`);
  }
  const data = await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? "http_error", data?.error?.message ?? `Upload failed: HTTP ${res.status}`);
  return data;
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
