/** The median of some numbers (NaN when there are none). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** A percentile (0-100) by linear interpolation between the closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** The largest value (NaN when there are none). */
export function max(values: readonly number[]): number {
  return values.length === 0 ? NaN : Math.max(...values);
}
