/** The fake Databricks API's wire helpers: body parsing, replies, and the real services' JSON shapes. */
import { randomBytes } from "node:crypto";
import type http from "node:http";
import type { FakeReply } from "./databricks-workspace.js";

/** A JSON body that does not parse. */
export const MALFORMED = Symbol("malformed");

/** A request body: JSON, a form as an object, the raw text, or MALFORMED for JSON that does not parse. */
export function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === "") return undefined;
  if ((contentType ?? "").includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return (contentType ?? "").includes("json") ? MALFORMED : text;
  }
}

/** Writes a JSON reply. */
export function send(res: http.ServerResponse, reply: FakeReply, headers: Record<string, string> = {}): void {
  const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
  res.writeHead(reply.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The Databricks error body an injected fault answers with when the test gives none. */
export function defaultErrorBody(status: number): unknown {
  if (status < 400) return {};
  const codes: Record<number, string> = { 429: "REQUEST_LIMIT_EXCEEDED", 503: "TEMPORARILY_UNAVAILABLE", 500: "INTERNAL_ERROR" };
  return { error_code: codes[status] ?? String(status), message: `Injected fault: HTTP ${status}` };
}

/** True when a fault's path (exact string or RegExp) matches the request path. */
export function matches(pattern: string | RegExp, route: string): boolean {
  return typeof pattern === "string" ? pattern === route : pattern.test(route);
}

/** A token as token/create and token/list describe it. */
export function tokenInfo(token: { tokenId: string; createdAt: number; expiresAt: number; comment: string }): Record<string, unknown> {
  return { token_id: token.tokenId, creation_time: token.createdAt, expiry_time: token.expiresAt, comment: token.comment };
}

/** An App as GET /api/2.0/apps/{name} describes it. */
export function appBody(name: string, app: { creator: string; createdAt: number }, clientId: string, url: string): unknown {
  const created = new Date(app.createdAt).toISOString();
  return {
    name,
    id: `app-${name}`,
    description: "",
    creator: app.creator,
    updater: app.creator,
    create_time: created,
    update_time: created,
    url: `${url.replace("127.0.0.1", `${name}.apps.127.0.0.1`)}`,
    app_status: { state: "RUNNING", message: "App has status: App is running" },
    compute_status: { state: "ACTIVE", message: "App compute is running." },
    service_principal_client_id: clientId,
    service_principal_name: `app-${name}`,
  };
}

/** Splits at the first separator only (a Basic credential's secret may hold a colon). */
export function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, ""] : [text.slice(0, index), text.slice(index + separator.length)];
}

/** Random hex, for token values and ids. */
export function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}
