import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request the fake received. */
export interface ModelCall {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly format: "anthropic" | "openai" | "gemini" | "other";
  readonly authorization: string | undefined;
  readonly headers: http.IncomingHttpHeaders;
  /** The model asked for: in the body, or in Gemini's path. */
  readonly model: string | undefined;
  /** The HTTP status the fake answered with. */
  status?: number;
  readonly body: any;
}

export interface FakeModelServing {
  /** http://127.0.0.1:<port>: DATABRICKS_HOST (serving routes) or DATABRICKS_GATEWAY_HOST (gateway routes). */
  readonly url: string;
  readonly calls: ModelCall[];
  /** The text every answer streams; defaults to "pong-<word>" for the newest "ping-<word>" in the request. */
  answer: (call: ModelCall) => string;
  close(): Promise<void>;
}

export interface FakeModelServingOptions {
  /**
   * Everything that is not a model call (SCIM Me, token API, …) is passed to this server, e.g. the fake
   * Databricks REST API, so one DATABRICKS_HOST serves both as a real workspace does.
   */
  readonly forwardTo?: string;
  /** Whether a bearer token may call the models (e.g. a live, unrevoked PAT of the fake workspace); default any. */
  readonly authorize?: (token: string) => boolean;
  /**
   * "v2": a Unity AI Gateway v2 workspace: model calls only under /ai-gateway/{anthropic, codex/v1, gemini,
   * mlflow/v1} and only for the listed models (404 elsewhere, as the real one answers for system.ai models).
   * "serving": only /serving-endpoints/..., for the named endpoints. "any" (default): every shape, any model.
   */
  readonly mode?: "any" | "v2" | "serving";
  /** v2: the listed model services (system.ai.* ids); serving: the endpoint names. Read per request. */
  readonly models?: () => readonly string[];
}

/**
 * A local stand-in for Databricks model serving, speaking the real streaming wire formats at the Databricks URL
 * shapes: Anthropic Messages (POST …/v1/messages, SSE; HEAD anywhere), OpenAI Responses (POST …/responses, SSE)
 * and Gemini (POST …/models/M:streamGenerateContent?alt=sse, :generateContent, :countTokens). Matching by path
 * suffix serves both /serving-endpoints/{anthropic,google} and an AI Gateway's /anthropic, /openai/v1, /gemini.
 */
export async function startFakeModelServing(options: FakeModelServingOptions = {}): Promise<FakeModelServing> {
  const calls: ModelCall[] = [];
  const fake = {
    url: "",
    calls,
    answer: defaultAnswer,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } satisfies FakeModelServing;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (options.forwardTo && !isModelPath(url.pathname)) return forward(options.forwardTo, req, Buffer.concat(chunks), res);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const call: ModelCall = {
      method: req.method ?? "",
      path: url.pathname,
      query: url.search,
      format: formatOf(url.pathname),
      authorization: req.headers.authorization,
      headers: req.headers,
      model: /\/models\/([^/:]+):/.exec(url.pathname)?.[1] ?? (typeof body?.model === "string" ? body.model : undefined),
      body,
    };
    calls.push(call);
    res.on("finish", () => (call.status = res.statusCode));
    const refusal = shapeRefusal(options, call);
    if (refusal) return json(res, 404, { error_code: "ENDPOINT_NOT_FOUND", message: refusal });
    if (req.method === "HEAD") return void res.writeHead(200).end();
    if (req.method !== "POST") return json(res, 404, { error_code: "ENDPOINT_NOT_FOUND", message: `No ${url.pathname}` });
    const bearer = /^Bearer (\S+)$/.exec(call.authorization ?? "")?.[1];
    if (!bearer) {
      return json(res, 401, { error_code: "UNAUTHENTICATED", message: "Credential was not sent or was of an unsupported type." });
    }
    if (options.authorize && !options.authorize(bearer)) {
      return json(res, 403, { error_code: "PERMISSION_DENIED", message: "Invalid access token." });
    }
    const invalid = options.mode && options.mode !== "any" ? refusedShape(call) : undefined;
    if (invalid) return json(res, 400, { error_code: "BAD_REQUEST", message: invalid });
    const answer = fake.answer(call);
    if (url.pathname.endsWith("/chat/completions")) return chat(res, body, answer);
    if (url.pathname.endsWith("/v1/messages/count_tokens")) return json(res, 200, { input_tokens: 12 });
    if (url.pathname.endsWith("/v1/messages")) return anthropic(res, body, answer);
    if (url.pathname.endsWith("/responses")) return openai(res, body, answer);
    if (url.pathname.endsWith(":countTokens")) return json(res, 200, { totalTokens: 12 });
    if (url.pathname.endsWith(":streamGenerateContent") || url.pathname.endsWith(":generateContent")) {
      return gemini(res, url, body, answer);
    }
    json(res, 404, { error_code: "ENDPOINT_NOT_FOUND", message: `No ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** Model calls at the Databricks URL shapes: serving endpoints, Unity AI Gateway v2, or a gateway's per-provider roots. */
function isModelPath(pathname: string): boolean {
  return /^\/(serving-endpoints|ai-gateway|anthropic|openai|gemini)(\/|$)/.test(pathname);
}

/** Why a v2-only or serving-only workspace answers 404 to this call, or undefined when it serves it. */
function shapeRefusal(options: FakeModelServingOptions, call: ModelCall): string | undefined {
  const mode = options.mode ?? "any";
  if (mode === "any") return undefined;
  const listed = options.models?.() ?? [];
  if (mode === "v2") {
    const v2 = /^\/ai-gateway\/(anthropic\/v1\/messages(\/count_tokens)?|codex\/v1\/responses|gemini\/v1beta\/models\/[^/]+|mlflow\/v1\/chat\/completions)$/;
    if (call.method === "HEAD" && /^\/ai-gateway\/anthropic\/?$/.test(call.path)) return undefined;
    if (!v2.test(call.path)) return `No API found for '${call.method} ${call.path}'`;
  } else if (!call.path.startsWith("/serving-endpoints/")) {
    return `No API found for '${call.method} ${call.path}'`;
  } else if (call.method === "HEAD") {
    return undefined;
  }
  if (call.model === undefined || !listed.includes(call.model)) return `The model ${String(call.model)} does not exist or is not served here.`;
  return undefined;
}

function forward(target: string, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
  const upstream = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: { ...req.headers, host: new URL(target).host } });
  upstream.on("response", (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", () => json(res, 502, { error_code: "BAD_GATEWAY", message: "fake workspace unreachable" }));
  upstream.end(body);
}

function defaultAnswer(call: ModelCall): string {
  const pings = [...JSON.stringify(call.body ?? "").matchAll(/ping-(\w+)/g)];
  const last = pings.at(-1);
  return last ? `pong-${last[1]}` : "The fake model answered.";
}

/**
 * Request shapes Databricks' routes refuse with 400 although the provider's own API takes them (see
 * shared notes): empty text content blocks and tools[].eager_input_streaming on Anthropic Messages;
 * `store` and tools[].function.strict on the mlflow chat completions route.
 */
function refusedShape(call: ModelCall): string | undefined {
  const body = call.body;
  if (!body || typeof body !== "object") return undefined;
  if (call.format === "anthropic") {
    const blocks = [...(Array.isArray(body.system) ? body.system : []), ...(body.messages ?? []).flatMap((m: any) => (Array.isArray(m?.content) ? m.content : []))];
    if (blocks.some((b: any) => b?.type === "text" && b.text === "")) return "messages: text content blocks must be non-empty";
    if ((body.tools ?? []).some((t: any) => t && "eager_input_streaming" in t)) return "tools.0.eager_input_streaming: Extra inputs are not permitted";
  }
  if (call.path.endsWith("/chat/completions")) {
    if ("store" in body) return "Unrecognized request argument supplied: store";
    if ((body.tools ?? []).some((t: any) => t?.function && "strict" in t.function)) return "tools.0.function.strict: Extra inputs are not permitted";
  }
  return undefined;
}

/** OpenAI chat completions, as the mlflow route answers: a JSON completion, or SSE chunks ending in [DONE]. */
function chat(res: http.ServerResponse, body: any, text: string): void {
  const base = { id: "chatcmpl-fake", created: Math.floor(Date.now() / 1000), model: body?.model ?? "fake" };
  if (!body?.stream) {
    return json(res, 200, {
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
    });
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (delta: unknown, finish: string | null) => ({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] });
  res.write(`data: ${JSON.stringify(chunk({ role: "assistant", content: text }, null))}\n\n`);
  res.write(`data: ${JSON.stringify(chunk({}, "stop"))}\n\n`);
  res.end("data: [DONE]\n\n");
}

function formatOf(pathname: string): ModelCall["format"] {
  if (pathname.includes("/v1/messages") || /\/anthropic\/?$/.test(pathname)) return "anthropic";
  if (pathname.endsWith("/responses") || pathname.endsWith("/chat/completions")) return "openai";
  if (/:(streamGenerateContent|generateContent|countTokens)$/.test(pathname)) return "gemini";
  return "other";
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function sse(res: http.ServerResponse, events: { event?: string; data: unknown }[]): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const e of events) res.write(`${e.event ? `event: ${e.event}\n` : ""}data: ${JSON.stringify(e.data)}\n\n`);
  res.end();
}

function anthropic(res: http.ServerResponse, body: any, text: string): void {
  const model = body?.model ?? "fake";
  const usage = { input_tokens: 12, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const message = { id: "msg_fake", type: "message", role: "assistant", model, stop_sequence: null };
  if (!body?.stream) {
    return json(res, 200, { ...message, content: [{ type: "text", text }], stop_reason: "end_turn", usage });
  }
  sse(res, [
    { event: "message_start", data: { type: "message_start", message: { ...message, content: [], stop_reason: null, usage } } },
    { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } },
    { event: "ping", data: { type: "ping" } },
    { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } } },
    { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
    {
      event: "message_delta",
      data: { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 5 } },
    },
    { event: "message_stop", data: { type: "message_stop" } },
  ]);
}

function openai(res: http.ServerResponse, body: any, text: string): void {
  const model = body?.model ?? "fake";
  const created_at = Math.floor(Date.now() / 1000);
  const base = { id: "resp_fake", object: "response", created_at, model };
  const part = { type: "output_text", text, annotations: [] };
  const item = { id: "msg_fake", type: "message", status: "completed", role: "assistant", content: [part] };
  const usage = {
    input_tokens: 12,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 5,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 17,
  };
  const events: { type: string; [key: string]: unknown }[] = [
    { type: "response.created", response: { ...base, status: "in_progress", output: [] } },
    { type: "response.in_progress", response: { ...base, status: "in_progress", output: [] } },
    { type: "response.output_item.added", output_index: 0, item: { ...item, status: "in_progress", content: [] } },
    { type: "response.content_part.added", item_id: item.id, output_index: 0, content_index: 0, part: { ...part, text: "" } },
    { type: "response.output_text.delta", item_id: item.id, output_index: 0, content_index: 0, delta: text },
    { type: "response.output_text.done", item_id: item.id, output_index: 0, content_index: 0, text },
    { type: "response.content_part.done", item_id: item.id, output_index: 0, content_index: 0, part },
    { type: "response.output_item.done", output_index: 0, item },
    { type: "response.completed", response: { ...base, status: "completed", output: [item], usage } },
  ];
  sse(res, events.map((data, sequence_number) => ({ event: data.type, data: { ...data, sequence_number } })));
}

function gemini(res: http.ServerResponse, url: URL, body: any, text: string): void {
  const model = /models\/([^/:]+)/.exec(url.pathname)?.[1] ?? "fake";
  // Gemini CLI asks some questions (who speaks next, summaries) expecting JSON back.
  const wantsJson = body?.generationConfig?.responseMimeType === "application/json";
  const answer = wantsJson ? JSON.stringify({ reasoning: "The model answered.", next_speaker: "user" }) : text;
  const chunk = {
    candidates: [{ content: { parts: [{ text: answer }], role: "model" }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 5, totalTokenCount: 17 },
    modelVersion: model,
  };
  if (url.pathname.endsWith(":generateContent")) return json(res, 200, chunk);
  sse(res, [{ data: chunk }]);
}
