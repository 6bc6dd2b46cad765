import { Router } from "express";
import { z } from "zod";
import { HttpError } from "../http-error.js";
import type { TokenManager } from "../token/token-manager.js";
import { parseBody } from "./validate.js";

/** Longest token accepted: PATs are ~40 characters, OAuth access tokens a few hundred to a few thousand. */
const MAX_TOKEN_LENGTH = 4096;

const pasteBody = z.strictObject({
  token: z
    .string()
    .trim()
    .min(1, "token must not be empty")
    .max(MAX_TOKEN_LENGTH, `token is longer than ${MAX_TOKEN_LENGTH} characters`)
    .regex(/^[\x21-\x7e]+$/, "token must be printable ASCII without spaces"),
});

/** The token manager, as far as the routes use it. */
export interface TokenRoutesOptions {
  readonly tokens: Pick<TokenManager, "status" | "accept">;
}

/** GET /api/token (the status, never the value) and POST /api/token (a pasted PAT). */
export function createTokenRoutes({ tokens }: TokenRoutesOptions): Router {
  const router = Router();

  router.get("/api/token", (_req, res) => {
    res.json(tokens.status());
  });

  router.post("/api/token", async (req, res) => {
    const { token } = parseBody(pasteBody, req.body);
    const result = await tokens.accept(token);
    if (!result.ok) throw new HttpError(result.httpStatus, result.code, result.message);
    res.json(result.status);
  });

  return router;
}
