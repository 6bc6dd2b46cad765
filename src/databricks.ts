import { Context, WorkspaceClient, type ConfigOptions } from "@databricks/sdk-experimental";

/** Every Databricks call is bounded: the SDK's own timeout does not cancel a hung request. */
export const DEFAULT_CALL_TIMEOUT_MS = 15_000;
/** Bound on one call of the sync and the backup, which move workspace files: a 10 MB import over a slow link still fits. */
export const FILE_CALL_TIMEOUT_MS = 60_000;

/**
 * A cancellation Context for one SDK call, tied to an AbortSignal that fires after `ms`. Pass it as the
 * second argument of every SDK method.
 */
export function deadline(ms: number = DEFAULT_CALL_TIMEOUT_MS, signal?: AbortSignal): Context {
  // Not AbortSignal.timeout() + AbortSignal.any(): Node holds a timeout signal only weakly and any() holds its
  // sources weakly too, so under GC pressure the timeout signal was collected and never fired, and a hung call
  // with a signal hung forever (seen in the token rotation tests). A plain timer holds the controller strongly.
  const controller = new AbortController();
  const followers = signal ? following(signal) : undefined;
  const timer = setTimeout(() => {
    followers?.delete(controller);
    controller.abort(new DOMException(`The call took longer than ${ms} ms`, "TimeoutError"));
  }, ms);
  timer.unref();
  if (signal?.aborted) controller.abort(signal.reason);
  else followers?.add(controller);
  const abort = controller.signal;
  return new Context({
    cancellationToken: {
      get isCancellationRequested() {
        return abort.aborted;
      },
      onCancellationRequested: (listener: (e?: unknown) => unknown) => {
        if (abort.aborted) listener(abort.reason);
        else abort.addEventListener("abort", () => listener(abort.reason), { once: true });
      },
    },
  });
}

/**
 * The calls still following a long-lived signal (a service's shutdown), each until its deadline passed. One
 * listener per signal aborts them all: a listener per call would pile up on it (a sync of 200 files within a
 * minute) and Node warns past ten.
 */
const followersOf = new WeakMap<AbortSignal, Set<AbortController>>();

function following(signal: AbortSignal): Set<AbortController> {
  let followers = followersOf.get(signal);
  if (!followers) {
    const calls = new Set<AbortController>();
    signal.addEventListener("abort", () => {
      for (const call of calls) call.abort(signal.reason);
      calls.clear();
    }, { once: true });
    followersOf.set(signal, calls);
    followers = calls;
  }
  return followers;
}

/**
 * A client that acts as the owner, with a personal access token. `env: {}` keeps the app's own client
 * id and secret (in the process environment inside an App) out of it: the SDK would otherwise refuse
 * "more than one authorization method" or, worse, act as the service principal.
 */
export function userClient(host: string, token: string, options: Partial<ConfigOptions> = {}): WorkspaceClient {
  return new WorkspaceClient({ host, token, authType: "pat", env: {}, retryTimeoutSeconds: 30, ...options });
}

/** A client that acts as the app's service principal (OAuth M2M): only to read the app's own metadata. */
export function appClient(
  settings: { host: string; clientId: string; clientSecret: string },
  options: Partial<ConfigOptions> = {},
): WorkspaceClient {
  return new WorkspaceClient({
    host: settings.host,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    authType: "oauth-m2m",
    env: {},
    retryTimeoutSeconds: 30,
    ...options,
  });
}

/** The HTTP status of an SDK error (ApiError.statusCode), or undefined for network errors and timeouts. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}
