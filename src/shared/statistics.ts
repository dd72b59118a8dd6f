/** Small order statistics used by summaries and reports. Pure; NaN-free inputs expected. */

/** Quantile q ∈ [0, 1] with linear interpolation between order statistics (numpy's default). Null for no values. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function median(values: readonly number[]): number | null {
  return quantile(values, 0.5);
}

/** [25th, 75th] percentiles, or null for no values. */
export function interquartileRange(values: readonly number[]): [number, number] | null {
  if (values.length === 0) return null;
  return [quantile(values, 0.25) as number, quantile(values, 0.75) as number];
}

/** Quantiles 0, 0.25, 0.5, 0.75, 1 (empty array for no values). */
export function fiveNumberSummary(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  return [0, 0.25, 0.5, 0.75, 1].map((q) => quantile(values, q) as number);
}
