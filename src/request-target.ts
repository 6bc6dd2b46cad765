/**
 * A request target (origin-form: "/path?query") as a URL, or undefined when it is not one. The target is
 * appended to a base rather than resolved against it: "//host/x" would otherwise be read as a host and "//["
 * would throw. The one parser for the upgrade dispatcher and the loopback model and MCP proxies.
 */
export function parseTarget(target: string | undefined): URL | undefined {
  const raw = target ?? "/";
  if (!raw.startsWith("/") || !URL.canParse(`http://x${raw}`)) return undefined;
  return new URL(`http://x${raw}`);
}
