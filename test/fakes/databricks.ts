/**
 * A small local fake of the Databricks REST API, speaking its real wire formats, for tests that go through
 * the real @databricks/sdk-experimental and the real CLIs: OAuth M2M (discovery + client_credentials),
 * apps.get, SCIM Me, token create/list/delete and the workspace API. Every request is recorded; faults can
 * be injected per path; tokens expire by the wall clock.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { FakeWorkspace, apiError, type FakeReply, type WorkspaceEntry } from "./databricks-workspace.js";
import { MODEL_SERVICES_PATH, SERVING_ENDPOINTS_PATH, listModelServices, listServingEndpoints } from "./databricks-models.js";
import { MALFORMED, appBody, defaultErrorBody, hex, matches, parseBody, send, splitOnce, tokenInfo } from "./databricks-wire.js";

/** A personal access token the fake knows. */
export interface FakeToken {
  tokenId: string;
  value: string;
  userName: string;
  comment: string;
  createdAt: number;
  /** Epoch ms; -1 = never. */
  expiresAt: number;
  revoked: boolean;
}

/** One request the fake received; `body` is parsed JSON, a form as an object, or the raw text. */
export interface FakeRequest {
  method: string;
  path: string;
  query: string;
  authorization: string | undefined;
  body: unknown;
}

/** What a faulted request gets instead: a status (and body/headers), no answer at all, or a dropped socket. */
export type FaultResponse = { status: number; body?: unknown; headers?: Record<string, string> } | "hang" | "close";

/** The running fake. */
export interface FakeDatabricks {
  /** http://127.0.0.1:<port>, use as DATABRICKS_HOST. */
  readonly url: string;
  /** The app service principal's M2M credentials. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every PAT the fake knows. */
  readonly tokens: FakeToken[];
  /** Every request received, in order. */
  readonly requests: FakeRequest[];
  /** The workspace, keyed by absolute path. */
  readonly workspace: Map<string, WorkspaceEntry>;
  /**
   * The workspace's model services (Unity AI Gateway v2), as `system.ai.<model>` ids; undefined (the
   * default): the listing answers 404, a workspace without v2.
   */
  modelServices: string[] | undefined;
  /** GET /api/2.0/serving-endpoints lists these endpoint names (default none). */
  servingEndpoints: string[];
  /** GET /api/2.0/apps/{name} -> { name, creator, ... }. */
  setApp(name: string, creator: string): void;
  /** A PAT the "user pasted"; returns its value. */
  issueToken(userName: string, lifetimeSeconds?: number): string;
  /** The next `times` (default 1) matching requests get `response` instead. */
  fault(match: { method?: string; path: string | RegExp }, response: FaultResponse, times?: number): void;
  close(): Promise<void>;
}

/** Larger than a 10 MB import in base64 plus JSON, so the import limit is the fake's rule, not the socket's. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const ACCESS_TOKEN_SECONDS = 3600;

interface Fault {
  method?: string;
  path: string | RegExp;
  response: FaultResponse;
  remaining: number;
}

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeDatabricks(): Promise<FakeDatabricks> {
  const clientId = crypto.randomUUID();
  const clientSecret = `dose${hex(16)}`;
  const tokens: FakeToken[] = [];
  const requests: FakeRequest[] = [];
  const faults: Fault[] = [];
  const apps = new Map<string, { creator: string; createdAt: number }>();
  const accessTokens = new Map<string, number>(); // OAuth access token -> expiry (epoch ms)
  const workspace = new FakeWorkspace();
  const userIds = new Map<string, string>();
  let url = "";
  const models: { services: string[] | undefined; endpoints: string[] } = { services: undefined, endpoints: [] };

  const userId = (userName: string) => {
    if (!userIds.has(userName)) userIds.set(userName, String(4_000_000_000_000 + userIds.size * 7919));
    return userIds.get(userName)!;
  };

  const createToken = (userName: string, lifetimeSeconds: number | undefined, comment: string): FakeToken => {
    const now = Date.now();
    const token: FakeToken = {
      tokenId: hex(32),
      value: `dapi${hex(16)}`,
      userName,
      comment,
      createdAt: now,
      expiresAt: lifetimeSeconds === undefined || lifetimeSeconds <= 0 ? -1 : now + lifetimeSeconds * 1000,
      revoked: false,
    };
    tokens.push(token);
    workspace.ensureHome(userName);
    return token;
  };

  /** The principal behind a bearer token: a PAT's user, or the service principal (its application id). */
  const principal = (authorization: string | undefined): string | FakeReply => {
    const bearer = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
    if (!bearer) return apiError(401, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API.");
    const now = Date.now();
    const spExpiry = accessTokens.get(bearer);
    if (spExpiry !== undefined && spExpiry > now) return clientId;
    const pat = tokens.find((t) => t.value === bearer);
    if (pat && !pat.revoked && (pat.expiresAt === -1 || pat.expiresAt > now)) return pat.userName;
    return apiError(403, "PERMISSION_DENIED", "Invalid access token.");
  };

  const oauth = (method: string, route: string, req: http.IncomingMessage, body: unknown): FakeReply | undefined => {
    if (method === "GET" && route === "/oidc/.well-known/oauth-authorization-server") {
      return {
        status: 200,
        body: {
          issuer: `${url}/oidc`,
          authorization_endpoint: `${url}/oidc/v1/authorize`,
          token_endpoint: `${url}/oidc/v1/token`,
          jwks_uri: `${url}/oidc/jwks.json`,
          grant_types_supported: ["client_credentials", "authorization_code", "refresh_token"],
          token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        },
      };
    }
    if (method !== "POST" || route !== "/oidc/v1/token") return undefined;
    const form = (body ?? {}) as Record<string, string>;
    let id = form.client_id;
    let secret = form.client_secret;
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (basic) [id, secret] = splitOnce(Buffer.from(basic, "base64").toString("utf8"), ":");
    if (form.grant_type !== "client_credentials") {
      return { status: 400, body: { error: "unsupported_grant_type", error_description: "Only client_credentials is supported." } };
    }
    if (id !== clientId || secret !== clientSecret) {
      return { status: 401, body: { error: "invalid_client", error_description: "Client authentication failed" } };
    }
    const accessToken = `eyJ${hex(24)}`;
    accessTokens.set(accessToken, Date.now() + ACCESS_TOKEN_SECONDS * 1000);
    return { status: 200, body: { access_token: accessToken, token_type: "Bearer", expires_in: ACCESS_TOKEN_SECONDS, scope: form.scope ?? "all-apis" } };
  };

  const api = (method: string, route: string, query: URLSearchParams, body: any, user: string): FakeReply => {
    const app = /^\/api\/2\.0\/apps\/([^/]+)$/.exec(route);
    if (method === "GET" && app) {
      const name = decodeURIComponent(app[1]!);
      const found = apps.get(name);
      if (!found) return apiError(404, "RESOURCE_DOES_NOT_EXIST", `App with name ${name} does not exist or is deleted.`);
      return { status: 200, body: appBody(name, found, clientId, url) };
    }
    const key = `${method} ${route}`;
    if (key === `GET ${MODEL_SERVICES_PATH}`) return listModelServices(query, models.services);
    if (key === `GET ${SERVING_ENDPOINTS_PATH}`) return listServingEndpoints(models.endpoints);
    if (key === "GET /api/2.0/preview/scim/v2/Me") {
      return {
        status: 200,
        body: {
          schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
          id: userId(user),
          userName: user,
          displayName: user === clientId ? "app-service-principal" : user.split("@")[0],
          active: true,
          emails: user === clientId ? [] : [{ type: "work", value: user, primary: true }],
        },
      };
    }
    if (key === "POST /api/2.0/token/create") {
      const lifetime = body?.lifetime_seconds;
      if (lifetime !== undefined && (typeof lifetime !== "number" || !Number.isInteger(lifetime))) {
        return apiError(400, "INVALID_PARAMETER_VALUE", "lifetime_seconds must be an integer.");
      }
      const comment = typeof body?.comment === "string" ? body.comment : "";
      const token = createToken(user, lifetime, comment);
      return { status: 200, body: { token_value: token.value, token_info: tokenInfo(token) } };
    }
    if (key === "POST /api/2.0/token/delete") {
      const token = tokens.find((t) => t.tokenId === body?.token_id && t.userName === user && !t.revoked);
      if (!token) return apiError(404, "RESOURCE_DOES_NOT_EXIST", `Token with id ${String(body?.token_id)} does not exist.`);
      token.revoked = true;
      return { status: 200, body: {} };
    }
    if (key === "GET /api/2.0/token/list") {
      const now = Date.now();
      const mine = tokens.filter((t) => t.userName === user && !t.revoked && (t.expiresAt === -1 || t.expiresAt > now));
      return {
        status: 200,
        body: { token_infos: mine.map((t) => ({ ...tokenInfo(t), created_by_username: t.userName, owner_id: Number(userId(t.userName)) })) },
      };
    }
    return workspace.handle(method, route, query, body, user) ?? apiError(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} ${route}'`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      const parsedUrl = new URL(req.url ?? "/", "http://fake");
      const method = req.method ?? "GET";
      const route = parsedUrl.pathname;
      const text = Buffer.concat(chunks).toString("utf8");
      const body = parseBody(text, req.headers["content-type"]);
      requests.push({ method, path: route, query: parsedUrl.search.replace(/^\?/, ""), authorization: req.headers.authorization, body });

      const fault = faults.find((f) => f.remaining > 0 && (!f.method || f.method === method) && matches(f.path, route));
      if (fault) {
        fault.remaining--;
        if (fault.response === "hang") return; // close() ends it
        if (fault.response === "close") return void req.socket.destroy();
        const { status, body: faultBody, headers } = fault.response;
        return send(res, { status, body: faultBody ?? defaultErrorBody(status) }, headers);
      }
      if (body === MALFORMED) return send(res, apiError(400, "MALFORMED_REQUEST", "Request body is not valid JSON."));
      const reply = oauth(method, route, req, body);
      if (reply) return send(res, reply);
      const who = principal(req.headers.authorization);
      if (typeof who !== "string") return send(res, who);
      send(res, api(method, route, parsedUrl.searchParams, body, who));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    clientId,
    clientSecret,
    tokens,
    requests,
    workspace: workspace.entries,
    get modelServices() {
      return models.services;
    },
    set modelServices(services) {
      models.services = services;
    },
    get servingEndpoints() {
      return models.endpoints;
    },
    set servingEndpoints(names) {
      models.endpoints = names;
    },
    setApp(name, creator) {
      apps.set(name, { creator, createdAt: apps.get(name)?.createdAt ?? Date.now() });
    },
    issueToken(userName, lifetimeSeconds) {
      return createToken(userName, lifetimeSeconds, "pasted").value;
    },
    fault(match, response, times = 1) {
      faults.push({ ...match, response, remaining: times });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
