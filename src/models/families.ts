/**
 * Which of a workspace's models each agent uses: per family the newest version, by the numbers in the
 * name (`claude-opus-4-7` is newer than `claude-opus-4-5`, `gpt-5-5` than `gpt-5`), the plainest variant
 * first at the same version (`gpt-5-5` before `gpt-5-5-mini`).
 */

/** The models one agent can use, newest first, and the one it uses by default. */
export interface FamilyChoice {
  readonly default: string;
  readonly offered: readonly string[];
}

/** Claude Code's three tiers: its background calls pick a tier by name, so each must be a served model. */
export interface ClaudeTiers {
  readonly opus: string;
  readonly sonnet: string;
  readonly haiku: string;
}

/** Per agent: the default, the offered list, and the extra models a CLI calls on its own. */
export interface AgentModels {
  readonly claude: FamilyChoice & { readonly tiers: ClaudeTiers };
  readonly codex: FamilyChoice;
  /** `flash`: where Gemini CLI's internal "flash-lite" calls go. */
  readonly gemini: FamilyChoice & { readonly flash: string };
}

/** The defaults when nothing can be listed: the names the Databricks Apps template of this kind documents. */
export const FALLBACK_MODELS = Object.freeze({
  claude: "databricks-claude-opus-4-7",
  codex: "databricks-gpt-5-5",
  gemini: "databricks-gemini-2-5-pro",
});

/** What the env may set: ANTHROPIC_MODEL, CODEX_MODEL, GEMINI_MODEL win over any discovery. */
export interface ModelOverrides {
  readonly anthropic?: string;
  readonly codex?: string;
  readonly gemini?: string;
}

const TIERS = ["opus", "sonnet", "haiku"] as const;
/** Variant words that make a model a lesser pick at the same version. */
const LESSER = /(^|-)(mini|nano|lite|flash-lite|small)(-|$)/;

/** Picks every agent's models from a listing (empty: the fallbacks); overrides win and are offered too. */
export function chooseAgentModels(models: readonly string[], overrides: ModelOverrides = {}): AgentModels {
  const claude = newestFirst(models.filter((m) => /(^|[.-])claude-/.test(shortName(m))));
  const tier = (t: (typeof TIERS)[number]) => claude.find((m) => tierOf(m) === t);
  const claudeDefault = overrides.anthropic ?? tier("opus") ?? tier("sonnet") ?? claude[0] ?? FALLBACK_MODELS.claude;
  const tiers: ClaudeTiers = {
    opus: tier("opus") ?? tier("sonnet") ?? claudeDefault,
    sonnet: tier("sonnet") ?? tier("opus") ?? claudeDefault,
    haiku: tier("haiku") ?? tier("sonnet") ?? claudeDefault,
  };
  const gpt = newestFirst(models.filter((m) => /^gpt-/.test(shortName(m)) && !/^gpt-oss/.test(shortName(m))));
  const gemini = newestFirst(models.filter((m) => /^gemini-/.test(shortName(m))));
  const geminiDefault = overrides.gemini ?? gemini.find((m) => !/flash/.test(m)) ?? gemini[0] ?? FALLBACK_MODELS.gemini;
  const flash = gemini.find((m) => /flash-lite/.test(m)) ?? gemini.find((m) => /flash/.test(m)) ?? geminiDefault;
  return {
    claude: { ...offer(claude, claudeDefault), tiers },
    codex: offer(gpt, overrides.codex ?? gpt[0] ?? FALLBACK_MODELS.codex),
    gemini: { ...offer(gemini, geminiDefault), flash },
  };
}

function offer(listed: readonly string[], chosen: string): FamilyChoice {
  return { default: chosen, offered: listed.includes(chosen) ? listed : [chosen, ...listed] };
}

/** The name without its catalog and schema, or the `databricks-` prefix of serving endpoint names. */
export function shortName(model: string): string {
  return model.replace(/^[^.]+\.[^.]+\./, "").replace(/^databricks-/, "");
}

function tierOf(model: string): (typeof TIERS)[number] | undefined {
  return TIERS.find((t) => new RegExp(`(^|-)${t}(-|$)`).test(shortName(model)));
}

/** Newest version first; at the same version the plainest name (fewest variant words, no "mini"). */
export function newestFirst(models: readonly string[]): string[] {
  return [...new Set(models)].sort((a, b) => compareVersions(version(b), version(a)) || rank(a) - rank(b) || a.localeCompare(b));
}

/** The version numbers in a name (date stamps of 6+ digits count last, as a tie-break). */
function version(model: string): number[] {
  const name = shortName(model).replace(/(\d)\.(\d)/g, "$1-$2");
  const numbers = [...name.matchAll(/(?:^|-)(\d+)(?=-|$)/g)].map((m) => m[1]!);
  return [...numbers.filter((n) => n.length < 6), ...numbers.filter((n) => n.length >= 6)].map(Number);
}

function rank(model: string): number {
  const words = shortName(model).split("-").filter((w) => !/^\d+$/.test(w)).length;
  return words + (LESSER.test(shortName(model)) ? 10 : 0);
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? -1) - (b[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}
