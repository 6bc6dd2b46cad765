/**
 * Polls `predicate` (sync or async) every 25 ms until it holds; after `timeoutMs` throws an error naming
 * `what` (a function is called then, to add what it knows at that moment, e.g. a process's output).
 */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  what: string | (() => string) = "the condition",
  timeoutMs = 10_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
