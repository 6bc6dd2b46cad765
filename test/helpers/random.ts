/** A small seeded PRNG (mulberry32), so a failing fuzz case can be replayed from its seed. */
export function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(256)));
  const text = (length: number) => String.fromCharCode(...Array.from({ length }, () => int(0x2fff)));
  /** A random JSON-ish value of bounded depth: wrong types, odd numbers, nested junk. */
  const value = (depth = 3): unknown => {
    const kind = int(depth > 0 ? 10 : 7);
    switch (kind) {
      case 0: return null;
      case 1: return pick([true, false]);
      case 2: return pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53, NaN, 1000, 1001, 80]);
      case 3: return text(int(20));
      case 4: return pick(["input", "resize", "ack", "exit", "", "__proto__", "constructor"]);
      case 5: return int(5000);
      case 6: return pick([undefined, "\u0000", "../../etc/passwd", "<script>"]);
      case 7: return Array.from({ length: int(4) }, () => value(depth - 1));
      default: {
        const out: Record<string, unknown> = {};
        for (let i = int(5); i > 0; i--) out[pick(["type", "data", "cols", "rows", "bytes", "agent", "cwd", text(3)])] = value(depth - 1);
        return out;
      }
    }
  };
  return { next, int, pick, bytes, text, value };
}

/** How many cases each fuzz test runs: FUZZ_CASES (npm run fuzz raises it), else a quick default. */
export function fuzzCases(quick: number): number {
  const raw = Number(process.env.FUZZ_CASES);
  return Number.isInteger(raw) && raw > 0 ? raw : quick;
}
