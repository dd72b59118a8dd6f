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

/** Median, interquartile range and count of one quantity over seeds. */
export interface SeedStatistic {
  /** Median over the seeds that have a value; null when none has. */
  median: number | null;
  /** [25th, 75th] percentile over the same seeds; null when none has. */
  iqr: [number, number] | null;
  /** Number of seeds with a value (of all the seeds asked about). */
  count: number;
}

/** Median, IQR and count of the finite, non-null values (one per seed). */
export function seedStatistic(values: readonly (number | null)[]): SeedStatistic {
  const present = values.filter((value): value is number => value !== null && Number.isFinite(value));
  return { median: median(present), iqr: interquartileRange(present), count: present.length };
}

/** The most frequent value and how often it occurs; ties go to the smaller value. Null for no values. */
export function mode(values: readonly number[]): { value: number; count: number } | null {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best: { value: number; count: number } | null = null;
  for (const [value, count] of counts) {
    if (best === null || count > best.count || (count === best.count && value < best.value)) best = { value, count };
  }
  return best;
}

/** Quantiles 0, 0.25, 0.5, 0.75, 1 (empty array for no values). */
export function fiveNumberSummary(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  return [0, 0.25, 0.5, 0.75, 1].map((q) => quantile(values, q) as number);
}
