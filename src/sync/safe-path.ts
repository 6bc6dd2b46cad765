/**
 * A repository-relative path the sync may use to name a workspace object: git trees can hold entries named
 * "..", "." or "" (git mktree makes them; a hostile repository can carry them), and joined onto the owner's
 * projects folder such a path would reach outside it. Refused everywhere a path from git or from the sync's own
 * records is turned into a workspace path.
 */
export function isSafeRepoPath(rel: string): boolean {
  if (rel === "" || rel.startsWith("/") || rel.includes("\\") || rel.includes("\0")) return false;
  return rel.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** What the sync reports for a path it refused. */
export const UNSAFE_PATH_REASON = "refused: an empty, . or .. path component would leave the repository's folder";
