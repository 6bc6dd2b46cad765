import type { z } from "zod";
import { HttpError } from "../http-error.js";

/** Validates a request body against a schema, or throws a 400 naming the first problem. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body ?? undefined);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  const message = body === undefined ? "Expected a JSON body (Content-Type: application/json)." : `${where}${issue.message}`;
  throw new HttpError(400, "bad_request", message);
}
