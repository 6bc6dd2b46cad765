import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { HttpError } from "../http-error.js";
import type { Guard } from "./guard.js";
import { checkOrigin, isUnsafeMethod, signedInEmail } from "./identity.js";
import { sameEmail, type OwnerStatus } from "./owner.js";

/** What the guard needs of the owner lookup (OwnerResolver). */
export interface OwnerSource {
  owner(): string | undefined;
  status(): OwnerStatus;
  start(): void;
  close(): void;
}

export interface OwnerGuardOptions {
  readonly owner: OwnerSource;
  readonly logger: Logger;
}

/**
 * App mode: only the owner passes. Fails closed with 503 while the owner is unknown; checks
 * X-Forwarded-Email on every request and upgrade, and the Origin of upgrades and state-changing requests.
 */
export function createOwnerGuard({ owner, logger }: OwnerGuardOptions): Guard {
  const log = logger.child({ component: "guard" });

  const check = (req: IncomingMessage, upgrade: boolean): HttpError | undefined => {
    const expected = owner.owner();
    if (expected === undefined) {
      return new HttpError(503, "owner_unknown", "The gateway does not know its owner yet (it is asking Databricks who created this app). Try again in a minute.");
    }
    const email = signedInEmail(req);
    if (email instanceof HttpError) return email;
    if (!sameEmail(email, expected)) {
      // Logged without the email: a log line is no place for another user's identity.
      log.warn({ path: pathOf(req) }, "request by a user who is not the owner refused");
      return new HttpError(403, "not_owner", `This gateway belongs to another user; you are signed in as ${email}.`);
    }
    if (upgrade || isUnsafeMethod(req.method)) return checkOrigin(req);
    return undefined;
  };

  return {
    http: (req, _res, next) => next(check(req, false)),
    checkUpgrade: (req) => check(req, true),
    health: () => {
      const status = owner.status();
      return status.known
        ? { mode: "app", owner: "known" }
        : { mode: "app", owner: "not yet known", attempts: status.attempts, lastError: status.lastError };
    },
    user: (req) => {
      const email = signedInEmail(req);
      return email instanceof HttpError ? undefined : email;
    },
    start: () => owner.start(),
    close: () => owner.close(),
  };
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? "/").split("?")[0]!;
}
