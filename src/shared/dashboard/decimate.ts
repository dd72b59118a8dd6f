/**
 * Spike-preserving decimation for long runs (docs/product.md §1: "honest plots ... no spike-hiding
 * downsampling"; the users' ask in docs/product.md §3.3, answered by W&B's min/max "full fidelity").
 *
 * The x range is cut into buckets; from each bucket the points with the minimum and the maximum of
 * every series are kept, plus the first and last points and every gap boundary (the last value
 * before a gap, the gap's first null, the first value after it). Every point kept is a real data
 * point, so no spike disappears and no value is invented; lines between kept points are the only
 * approximation. Striding or averaging would both hide an isolated spike.
 *
 * How many buckets: the data are read once into `maxPoints / 2` equal-width fine buckets (the most
 * that one series can afford), remembering each fine bucket's extremes; then groups of g consecutive
 * fine buckets act as coarser buckets (the extremes of a group are the extremes of its members'),
 * and g is the smallest that fits the budget. Trying a g costs (series × fine buckets), not a pass
 * over the data, which matters for 20 seeds × 30 metrics × 10⁵ epochs.
 */
import type { EpochRecord } from '../runFormat';
import type { Metric, Series } from './series';
import { METRICS, metricReader } from './series';

/** Points of one source (a series, or a seed's records) read by index. */
interface Source {
  length: number;
  /** x (epoch) of point i, increasing with i. */
  x(index: number): number;
  /** One reader per y column: the value of point i, or null for a gap. */
  columns: readonly ((index: number) => number | null)[];
}

/** One source scanned into fine buckets. */
interface ScannedSource {
  /** Points kept whatever the bucket size: first, last and gap boundaries. */
  fixed: number[];
  /** Per column c and fine bucket f, at c·F + f: index of the minimum / maximum (−1 if the bucket has no value) and the value. */
  minimumIndex: Int32Array;
  maximumIndex: Int32Array;
  minimumValue: Float64Array;
  maximumValue: Float64Array;
}

/** Equal-width fine buckets over [first, last] of x, shared by every source of one decimation. */
function fineBucketing(first: number, last: number, fineCount: number): (x: number) => number {
  const width = (last - first) / fineCount;
  if (!(width > 0)) return () => 0;
  return (x) => Math.min(fineCount - 1, Math.max(0, Math.floor((x - first) / width)));
}

/** Reads a source once: its fixed points and each fine bucket's extremes per column. */
function scan(source: Source, bucketOf: (x: number) => number, fineCount: number): ScannedSource {
  const size = source.columns.length * fineCount;
  const scanned: ScannedSource = {
    fixed: source.length > 0 ? [0, source.length - 1] : [],
    minimumIndex: new Int32Array(size).fill(-1),
    maximumIndex: new Int32Array(size).fill(-1),
    minimumValue: new Float64Array(size),
    maximumValue: new Float64Array(size),
  };
  const columnCount = source.columns.length;
  // Point-major order: each point (a record object) is visited once for all its columns.
  const previousWasGap = new Uint8Array(columnCount);
  for (let index = 0; index < source.length; index++) {
    const bucket = bucketOf(source.x(index));
    for (let column = 0; column < columnCount; column++) {
      const value = source.columns[column](index);
      if (value === null) {
        // First null of a gap, and the value before it: the line breaks exactly where it did.
        if (index > 0 && !previousWasGap[column]) scanned.fixed.push(index - 1, index);
        previousWasGap[column] = 1;
        continue;
      }
      if (previousWasGap[column]) scanned.fixed.push(index); // the first value after a gap
      previousWasGap[column] = 0;
      const slot = column * fineCount + bucket;
      if (scanned.minimumIndex[slot] < 0 || value < scanned.minimumValue[slot]) {
        scanned.minimumIndex[slot] = index;
        scanned.minimumValue[slot] = value;
      }
      if (scanned.maximumIndex[slot] < 0 || value > scanned.maximumValue[slot]) {
        scanned.maximumIndex[slot] = index;
        scanned.maximumValue[slot] = value;
      }
    }
  }
  return scanned;
}

/** Calls `keep` with every index kept when groups of `group` fine buckets form one bucket. */
function forEachKept(scanned: ScannedSource, columnCount: number, fineCount: number, group: number, keep: (index: number) => void): void {
  for (const index of scanned.fixed) keep(index);
  for (let column = 0; column < columnCount; column++) {
    for (let start = 0; start < fineCount; start += group) {
      let minimumSlot = -1;
      let maximumSlot = -1;
      const end = Math.min(fineCount, start + group);
      for (let fine = start; fine < end; fine++) {
        const slot = column * fineCount + fine;
        if (scanned.minimumIndex[slot] < 0) continue;
        if (minimumSlot < 0 || scanned.minimumValue[slot] < scanned.minimumValue[minimumSlot]) minimumSlot = slot;
        if (maximumSlot < 0 || scanned.maximumValue[slot] > scanned.maximumValue[maximumSlot]) maximumSlot = slot;
      }
      if (minimumSlot >= 0) keep(scanned.minimumIndex[minimumSlot]);
      if (maximumSlot >= 0) keep(scanned.maximumIndex[maximumSlot]);
    }
  }
}

/**
 * The smallest group size g ∈ [1, fineCount] whose result fits `maxPoints` (binary search; the size
 * shrinks as g grows). When even one bucket does not fit (gap boundaries, or many series), g = fineCount.
 */
function smallestFittingGroup(fineCount: number, maxPoints: number, sizeFor: (group: number) => number): number {
  if (sizeFor(1) <= maxPoints) return 1;
  let low = 2;
  let high = fineCount;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sizeFor(middle) <= maxPoints) high = middle;
    else low = middle + 1;
  }
  return high;
}

/** The fine bucket count for a budget: a single series keeps at most two points per bucket. */
function fineCountFor(maxPoints: number): number {
  return Math.max(1, Math.floor(maxPoints / 2));
}

/**
 * Indices of the points to keep so that at most `maxPoints` remain, for several y columns sharing
 * one x (e.g. a median and its band, or every metric of a seed's records). Increasing; every index
 * when the series already fits. Gap boundaries are always kept, even when they alone exceed the budget.
 */
export function decimationIndices(x: readonly number[], columns: readonly (readonly (number | null)[])[], maxPoints: number): number[] {
  const length = x.length;
  if (length <= Math.max(2, maxPoints)) return Array.from({ length }, (_, index) => index);
  const fineCount = fineCountFor(maxPoints);
  const source: Source = { length, x: (index) => x[index], columns: columns.map((column) => (index: number) => column[index]) };
  const scanned = scan(source, fineBucketing(x[0], x[length - 1], fineCount), fineCount);
  const keptFor = (group: number): Uint8Array => {
    const kept = new Uint8Array(length);
    forEachKept(scanned, columns.length, fineCount, group, (index) => (kept[index] = 1));
    return kept;
  };
  const countOf = (kept: Uint8Array) => kept.reduce((total, flag) => total + flag, 0);
  const kept = keptFor(smallestFittingGroup(fineCount, maxPoints, (group) => countOf(keptFor(group))));
  const indices: number[] = [];
  kept.forEach((flag, index) => {
    if (flag) indices.push(index);
  });
  return indices;
}

/** A series reduced by {@link decimateSeries}. */
export interface DecimatedSeries extends Series {
  /** Number of points before decimation. */
  sourceCount: number;
}

/** Decimates one series (x increasing) to at most `maxPoints`, keeping spikes, ends and gaps. */
export function decimateSeries(series: Series, maxPoints: number): DecimatedSeries {
  const indices = decimationIndices(series.x, [series.y], maxPoints);
  return { x: indices.map((index) => series.x[index]), y: indices.map((index) => series.y[index]), sourceCount: series.x.length };
}

/**
 * The metrics whose extremes record decimation keeps by default: every metric except the singular
 * values, which are √λ of the eigenvalues and so have their extremes on the same rows.
 */
const DECIMATION_METRICS: readonly Metric[] = METRICS.filter((metric) => !metric.startsWith('singularValues['));

/** Records of several seeds reduced together by {@link decimateAlignedRecords}. */
export interface AlignedDecimation {
  /** Each seed's kept records, in input order and epoch order. */
  records: EpochRecord[][];
  /** Whether any seed lost records. */
  decimated: boolean;
}

/**
 * Decimates the records of several seeds (of one run) so that none keeps more than
 * `maxRecordsPerSeed`: for every seed and every metric, each bucket's minimum and maximum, its first
 * and last rows and its gap boundaries, on buckets of epochs shared by all seeds; then every seed
 * keeps its rows at the union of those epochs. Seeds therefore stay on shared epochs, so the
 * median/IQR aggregation (aggregate.ts) stays exact at every kept epoch. Records must be in
 * increasing epoch order with integer epochs (the run format's). When every seed already fits, the
 * records are returned as they are.
 *
 * Cost: one read of every value of every metric (about 2 µs per record with the default metrics,
 * e.g. 4 s for 20 seeds × 10⁵ rows), so a host calls it once per snapshot of a long run, not per append.
 */
export function decimateAlignedRecords(
  seeds: readonly (readonly EpochRecord[])[],
  maxRecordsPerSeed: number,
  metrics: readonly Metric[] = DECIMATION_METRICS,
): AlignedDecimation {
  if (seeds.every((records) => records.length <= Math.max(2, maxRecordsPerSeed))) {
    return { records: seeds.map((records) => [...records]), decimated: false };
  }
  const nonEmpty = seeds.filter((records) => records.length > 0);
  const first = Math.min(...nonEmpty.map((records) => records[0].epoch));
  const last = Math.max(...nonEmpty.map((records) => (records.at(-1) as EpochRecord).epoch));
  const fineCount = fineCountFor(maxRecordsPerSeed);
  const bucketOf = fineBucketing(first, last, fineCount);
  const readers = metrics.map(metricReader);
  const scanned = nonEmpty.map((records) =>
    scan(
      { length: records.length, x: (index) => records[index].epoch, columns: readers.map((read) => (index: number) => read(records[index])) },
      bucketOf,
      fineCount,
    ),
  );
  const keptEpochsFor = (group: number): { flags: Uint8Array; count: number } => {
    const flags = new Uint8Array(last - first + 1);
    let count = 0;
    scanned.forEach((source, seed) => {
      const records = nonEmpty[seed];
      forEachKept(source, readers.length, fineCount, group, (index) => {
        const offset = records[index].epoch - first;
        if (!flags[offset]) {
          flags[offset] = 1;
          count++;
        }
      });
    });
    return { flags, count };
  };
  // Every seed keeps at most the union's size, so fitting the union fits every seed.
  const { flags } = keptEpochsFor(smallestFittingGroup(fineCount, maxRecordsPerSeed, (group) => keptEpochsFor(group).count));
  const records = seeds.map((seedRecords) => seedRecords.filter((record) => flags[record.epoch - first] === 1));
  return { records, decimated: records.some((kept, index) => kept.length < seeds[index].length) };
}
