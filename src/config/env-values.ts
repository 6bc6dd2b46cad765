import path from "node:path";
import { ConfigError } from "./config-error.js";

/** How config.ts reads single settings from the environment, each refused with a ConfigError naming it. */

/** The environment as loadConfig reads it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** An http(s) URL setting without its trailing slashes, or `fallback`. */
export function httpUrl(env: Env, name: string, fallback: string): string {
  const value = nonEmpty(env[name]);
  if (value === undefined) return fallback;
  if (!/^https?:\/\/[^\s/]+/.test(value)) throw new ConfigError(name, "must be an http:// or https:// URL");
  return value.replace(/\/+$/, "");
}

/** The value trimmed, or undefined when absent or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** A whole-number setting within [min, max]; `fallback` when unset, required without one. */
export function integer(env: Env, name: string, min: number, max: number, fallback?: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) {
    if (fallback === undefined) throw new ConfigError(name, "is required");
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** A setting that must be one of `values`; `fallback` when unset. */
export function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${values.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

/** An absolute path setting (~ and ~/ expand to `home`); `fallback` when unset. */
export function absolute(env: Env, name: string, home: string, fallback: string): string {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const expanded = raw === "~" ? home : raw.startsWith("~/") ? path.join(home, raw.slice(2)) : raw;
  if (!path.isAbsolute(expanded)) throw new ConfigError(name, `expected an absolute path, got "${raw}"`);
  return path.resolve(expanded);
}

/** DATABRICKS_HOST may come without a scheme inside an App; the SDK and fetch want one. */
export function normalizeHost(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const withScheme = /^https?:\/\//i.test(host) ? host : `https://${host}`;
  return withScheme.replace(/\/+$/, "");
}
