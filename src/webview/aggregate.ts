/**
 * Seed aggregation (docs/product.md §2.4: "seed aggregation (median and IQR band)"): at each epoch, the median
 * and the 25th/75th percentiles (numpy's linear interpolation, src/shared/statistics.ts) over the
 * seeds that have a value at that epoch, with how many they are. Seeds of different lengths are
 * normal (a running seed is shorter, a diverged one stops): past a seed's last row the statistics
 * are over the others, and `count` says so.
 *
 * Statistics are exact at epochs the seeds share; decimated snapshots keep seeds on shared epochs
 * (decimate.ts, `decimateAlignedRecords`) so that this holds for long runs too.
 */
import { quantile } from '../shared/statistics';
import type { Series } from '../shared/dashboard/series';

/** Median and IQR band of one metric over seeds, per epoch. */
export interface SeedAggregate {
  /** Every epoch at which at least one seed has a row, increasing. */
  x: number[];
  /** Median over the seeds with a value at x[i]; null when fewer than the minimum count have one. */
  median: (number | null)[];
  /** 25th percentile (lower edge of the band), same convention. */
  lower: (number | null)[];
  /** 75th percentile (upper edge of the band), same convention. */
  upper: (number | null)[];
  /** Number of seeds with a value at x[i]. */
  count: number[];
}

/** Options of {@link aggregateSeries}. */
export interface AggregateOptions {
  /** Fewest seeds with a value for the statistics to be given at an epoch (else a gap). Default 1. */
  minimumCount?: number;
}

/** Aggregates series that share an x axis (epochs); a null y is "no value", never a zero. */
export function aggregateSeries(series: readonly Series[], options: AggregateOptions = {}): SeedAggregate {
  const minimumCount = Math.max(1, options.minimumCount ?? 1);
  const valuesByEpoch = new Map<number, number[]>();
  for (const one of series) {
    one.x.forEach((epoch, index) => {
      let values = valuesByEpoch.get(epoch);
      if (!values) {
        values = [];
        valuesByEpoch.set(epoch, values);
      }
      const value = one.y[index];
      if (value !== null && Number.isFinite(value)) values.push(value);
    });
  }
  const x = [...valuesByEpoch.keys()].sort((left, right) => left - right);
  const aggregate: SeedAggregate = { x, median: [], lower: [], upper: [], count: [] };
  for (const epoch of x) {
    const values = valuesByEpoch.get(epoch) as number[];
    const enough = values.length >= minimumCount;
    aggregate.count.push(values.length);
    aggregate.median.push(enough ? quantile(values, 0.5) : null);
    aggregate.lower.push(enough ? quantile(values, 0.25) : null);
    aggregate.upper.push(enough ? quantile(values, 0.75) : null);
  }
  return aggregate;
}
