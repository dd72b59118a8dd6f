/**
 * Epoch records and events → chart series for the dashboard (docs/product.md §2.4, "Dashboard"). Pure: the
 * webview draws what these functions return, and the tests check them without a browser.
 *
 * Conventions: x is the epoch (the model after `epoch` optimiser steps, docs/science.md §4; a
 * Transformer's step); a missing or non-finite value is `null`, which Plotly draws as a gap (with
 * `connectgaps: false`), never a zero.
 */
import type { DetectorFiredEvent, EpochRecord, RepulsionEvent, RunEvent } from '../runFormat';
import { fiveNumberSummary } from '../statistics';

/** The charts of the dashboard; the store reports which of them a change makes stale. */
export const DASHBOARD_CHARTS = [
  'accuracy',
  'loss',
  'eigenvalues',
  'gap',
  'detectorSlope',
  'spectralEdge',
  'dynamics',
  'gradientSed',
  'operations',
  'repulsion',
  'coupling',
  'fourier',
  'summary',
  'seeds',
] as const;
/**
 * One chart (or panel part) of the dashboard: `accuracy` (train/test), `loss`, `eigenvalues`
 * (λ₁…λ₅), `gap` (λ₂/λ₃ with detector markers), `detectorSlope` (with the threshold line),
 * `spectralEdge` (k*, R, g₂₃, 𝒜), `dynamics` (norms, cosines, energy rank), `gradientSed` (the
 * R_k of update- and gradient-SED, docs/science.md §8, when the experiment enables it), `operations`
 * (a multitask Transformer's accuracy per head), `repulsion`
 * (sign-match over checkpoints), `coupling` (the B_jl distribution), `fourier` (dominant
 * frequencies at checkpoints, docs/science.md §9; optional), `summary` (the tables) and `seeds` (the seed
 * toggles and their statuses).
 */
export type DashboardChart = (typeof DASHBOARD_CHARTS)[number];

/** Charts drawn from epoch records (as opposed to events or statuses). */
export const RECORD_CHARTS: readonly DashboardChart[] = ['accuracy', 'loss', 'eigenvalues', 'gap', 'detectorSlope', 'spectralEdge', 'dynamics', 'gradientSed', 'operations'];

/** Fields of EpochRecord that hold one number (epoch excluded: it is the x axis). */
export type ScalarField = Exclude<
  { [Key in keyof EpochRecord]-?: Exclude<EpochRecord[Key], undefined> extends number ? Key : never }[keyof EpochRecord],
  'epoch'
>;
/** Fields of EpochRecord that hold λ₁…λ₅-like vectors. */
export type VectorField = { [Key in keyof EpochRecord]-?: Exclude<EpochRecord[Key], undefined> extends number[] ? Key : never }[keyof EpochRecord];
/** 1-based index into a vector field (λ₁ is `eigenvalues[1]`). */
export type VectorIndex = 1 | 2 | 3 | 4 | 5;
/** A plottable quantity: a scalar field, or one component of a vector field, e.g. `eigenvalues[2]` for λ₂. */
export type Metric = ScalarField | `${VectorField}[${VectorIndex}]`;

/** How a metric is labelled and where it is drawn. */
export interface MetricDescription {
  /** Axis and legend label, with the papers' symbols. */
  label: string;
  /** The chart that shows it. */
  chart: DashboardChart;
  /** Whether the chart shows it on a log-y axis by default (positive, spanning decades). */
  logYByDefault: boolean;
}

// A Record over ScalarField makes this list exhaustive: a new numeric field of EpochRecord does not
// compile until it is described here.
const SCALAR_METRICS: Record<ScalarField, MetricDescription> = {
  trainAcc: { label: 'train accuracy', chart: 'accuracy', logYByDefault: false },
  testAcc: { label: 'test accuracy', chart: 'accuracy', logYByDefault: false },
  trainLoss: { label: 'train loss', chart: 'loss', logYByDefault: true },
  testLoss: { label: 'test loss', chart: 'loss', logYByDefault: true },
  gap23: { label: 'λ₂/λ₃', chart: 'gap', logYByDefault: true },
  gapSlope: { label: 'slope s(t)', chart: 'detectorSlope', logYByDefault: false },
  // The record field keeps its name (run format); the quantity is the energy rank, not the papers' rank (src/shared/spectrumRank.ts).
  effectiveRank: { label: 'energy rank (99 % of Σλ)', chart: 'dynamics', logYByDefault: false },
  secondLayerGap23: { label: 'λ₂/λ₃ of ΔV', chart: 'gap', logYByDefault: true },
  weightNorm: { label: '‖W‖_F', chart: 'dynamics', logYByDefault: false },
  secondLayerNorm: { label: '‖V‖_F', chart: 'dynamics', logYByDefault: false },
  kStar: { label: 'k*', chart: 'spectralEdge', logYByDefault: false },
  kStarPlain: { label: 'k* (plain argmax)', chart: 'spectralEdge', logYByDefault: false },
  edgeRatio: { label: 'R = σ_k*/σ_k*+1', chart: 'spectralEdge', logYByDefault: false },
  g23: { label: 'g₂₃ = σ₂² − σ₃²', chart: 'spectralEdge', logYByDefault: true },
  adiabatic: { label: '𝒜', chart: 'spectralEdge', logYByDefault: true },
  gradientFNorm: { label: '‖G_F‖_F', chart: 'dynamics', logYByDefault: true },
  updateCosine: { label: 'cos(ΔW_t, ΔW_t−1)', chart: 'dynamics', logYByDefault: false },
  secondLayerUpdateCosine: { label: 'cos(ΔV_t, ΔV_t−1)', chart: 'dynamics', logYByDefault: false },
  milliseconds: { label: 'ms per epoch', chart: 'dynamics', logYByDefault: false },
  // Gradient-direction SED (docs/science.md §8, adapted from arXiv 2604.25143).
  randomSedSensitivityMedian: { label: 'median A(r) of random directions', chart: 'gradientSed', logYByDefault: true },
  // A Transformer's forward SED windows (docs/science.md §12.6): the step the row's SED values describe.
  gradientSedStep: { label: 'step described by the SED values', chart: 'gradientSed', logYByDefault: false },
  // A Transformer's gradient-projection intervention (docs/science.md §12.5).
  interventionSteps: { label: 'projected steps since the last record', chart: 'dynamics', logYByDefault: false },
  interventionShare: { label: '‖VᵀVg‖/‖g‖ (intervention)', chart: 'dynamics', logYByDefault: false },
  interventionDirections: { label: 'directions projected (intervention)', chart: 'dynamics', logYByDefault: false },
};

const SUBSCRIPTS = ['₀', '₁', '₂', '₃', '₄', '₅'];
const VECTOR_METRICS: Record<VectorField, (index: VectorIndex) => MetricDescription> = {
  eigenvalues: (index) => ({ label: `λ${SUBSCRIPTS[index]}`, chart: 'eigenvalues', logYByDefault: true }),
  singularValues: (index) => ({ label: `σ${SUBSCRIPTS[index]}`, chart: 'eigenvalues', logYByDefault: true }),
  secondLayerEigenvalues: (index) => ({ label: `λ${SUBSCRIPTS[index]} of ΔV`, chart: 'eigenvalues', logYByDefault: true }),
  gradientSedRatios: (index) => ({ label: `R${SUBSCRIPTS[index]} (gradient-SED)`, chart: 'gradientSed', logYByDefault: true }),
  updateSedRatios: (index) => ({ label: `R${SUBSCRIPTS[index]} (update-SED)`, chart: 'gradientSed', logYByDefault: true }),
  gradientSingularValues: (index) => ({ label: `s${SUBSCRIPTS[index]} of the gradient window`, chart: 'gradientSed', logYByDefault: true }),
  gradientSedSensitivities: (index) => ({ label: `A(v${SUBSCRIPTS[index]}) (gradient-SED)`, chart: 'gradientSed', logYByDefault: true }),
  updateSedSensitivities: (index) => ({ label: `A(v${SUBSCRIPTS[index]}) (update-SED)`, chart: 'gradientSed', logYByDefault: true }),
};

const VECTOR_INDICES: readonly VectorIndex[] = [1, 2, 3, 4, 5];

/** Every metric, scalar fields first, then λ₁…λ₅ of each vector field. */
export const METRICS: readonly Metric[] = [
  ...(Object.keys(SCALAR_METRICS) as ScalarField[]),
  ...(Object.keys(VECTOR_METRICS) as VectorField[]).flatMap((field) => VECTOR_INDICES.map((index): Metric => `${field}[${index}]`)),
];

const VECTOR_METRIC_PATTERN = /^([A-Za-z]+)\[([1-5])\]$/;

/** Label, chart and default axis of a metric. */
export function describeMetric(metric: Metric): MetricDescription {
  const match = VECTOR_METRIC_PATTERN.exec(metric);
  if (match) return VECTOR_METRICS[match[1] as VectorField](Number(match[2]) as VectorIndex);
  return SCALAR_METRICS[metric as ScalarField];
}

/** A number that can be drawn, or null (absent, null in JSON, NaN, ±∞). */
function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Returns a function reading one metric from a record, or null when the record has no finite value
 * for it. Parses the metric once, for use in loops over many records.
 */
export function metricReader(metric: Metric): (record: EpochRecord) => number | null {
  const match = VECTOR_METRIC_PATTERN.exec(metric);
  if (match) {
    const field = match[1] as VectorField;
    const position = Number(match[2]) - 1;
    return (record) => {
      const vector: unknown = record[field];
      return Array.isArray(vector) ? finiteOrNull(vector[position]) : null;
    };
  }
  const field = metric as ScalarField;
  return (record) => finiteOrNull(record[field]);
}

/** x/y arrays as Plotly takes them: `x` increasing, `y[i]` null for a gap. */
export interface Series {
  x: number[];
  y: (number | null)[];
}

/** One metric over a seed's records: x = epoch, y = the value or null (every record gives a point, so gaps stay gaps). */
export function metricSeries(records: readonly EpochRecord[], metric: Metric): Series {
  const read = metricReader(metric);
  return { x: records.map((record) => record.epoch), y: records.map(read) };
}

/**
 * A metric computed only every few epochs (the gradient-direction SED, docs/science.md §8): the rows
 * that have a value, so that the line joins them instead of showing a gap between each two.
 */
export function sparseMetricSeries(records: readonly EpochRecord[], metric: Metric): Series {
  const full = metricSeries(records, metric);
  const kept = full.y.flatMap((value, index) => (value === null ? [] : [index]));
  return { x: kept.map((index) => full.x[index]), y: kept.map((index) => full.y[index]) };
}

/**
 * The operations (heads) of a multitask Transformer's records, in the order the records list them
 * (the config's); none for single-task and MLP records, which carry no `operations`.
 */
export function operationNames(records: readonly EpochRecord[]): string[] {
  const names: string[] = [];
  for (const record of records) {
    if (!Array.isArray(record.operations)) continue;
    for (const entry of record.operations) if (typeof entry?.operation === 'string' && !names.includes(entry.operation)) names.push(entry.operation);
  }
  return names;
}

/** One head's train or test accuracy over a seed's records: x = step, y = the head's value, or null (a gap) where a row does not list it. */
export function operationSeries(records: readonly EpochRecord[], operation: string, field: 'trainAcc' | 'testAcc'): Series {
  return {
    x: records.map((record) => record.epoch),
    y: records.map((record) => finiteOrNull(Array.isArray(record.operations) ? record.operations.find((entry) => entry?.operation === operation)?.[field] : undefined)),
  };
}

/** Whether a series has at least one drawable value (an all-gap series is left out of legends). */
export function hasValues(series: Series): boolean {
  return series.y.some((value) => value !== null);
}

// ─── Events ────────────────────────────────────────────────────────────────────────────────────

/** Where the detector fired: a vertical marker at `epoch`, or a point at (epoch, gap23) on the gap chart. */
export interface DetectorMarker {
  condition: string;
  seed: number;
  epoch: number;
  /** g(t) = λ₂/λ₃ at the fire. */
  gap23: number;
  /** s(t) at the fire (above the threshold by definition). */
  gapSlope: number;
}

/** Detector fires from a run's events, one per (condition, seed) (the first, should a file hold two), by epoch. */
export function detectorMarkers(events: readonly RunEvent[]): DetectorMarker[] {
  const first = new Map<string, DetectorMarker>();
  for (const event of events) {
    if (event.type !== 'detectorFired') continue;
    const key = `${event.condition}\u0000${event.seed}`;
    const previous = first.get(key);
    if (!previous || event.epoch < previous.epoch) first.set(key, markerOf(event));
  }
  return [...first.values()].sort((left, right) => left.epoch - right.epoch);
}

function markerOf(event: DetectorFiredEvent): DetectorMarker {
  return { condition: event.condition, seed: event.seed, epoch: event.epoch, gap23: event.gap23, gapSlope: event.gapSlope };
}

/** The Theorem-6 statistics plotted over checkpoints (docs/science.md §6). */
export type RepulsionStatistic = 'fractionNegative' | 'signMatch' | 'publishedSignMatch' | 'fractionNegativePositiveCos' | 'diagonality';

function repulsionEventsOf(events: readonly RunEvent[], condition: string, seed: number): RepulsionEvent[] {
  const byEpoch = new Map<number, RepulsionEvent>();
  for (const event of events) {
    // A checkpoint written twice (a replayed file) counts once: the later line wins.
    if (event.type === 'repulsion' && event.condition === condition && event.seed === seed) byEpoch.set(event.epoch, event);
  }
  return [...byEpoch.values()].sort((left, right) => left.epoch - right.epoch);
}

/** One repulsion statistic of one seed over its checkpoints. */
export interface RepulsionSeries extends Series {
  condition: string;
  seed: number;
  statistic: RepulsionStatistic;
}

/**
 * One repulsion statistic of one seed over its checkpoint epochs. A checkpoint where the check does
 * not apply (η = 0) or lacks the statistic is a gap.
 */
export function repulsionSeries(events: readonly RunEvent[], condition: string, seed: number, statistic: RepulsionStatistic): RepulsionSeries {
  const checkpoints = repulsionEventsOf(events, condition, seed);
  return {
    condition,
    seed,
    statistic,
    x: checkpoints.map((event) => event.epoch),
    y: checkpoints.map((event) => (event.applicable ? finiteOrNull(event[statistic]) : null)),
  };
}

/** The B_jl distribution of one seed at one checkpoint. */
export interface CouplingDistribution {
  condition: string;
  seed: number;
  /** Checkpoint epoch. */
  epoch: number;
  /** B_jl (or B_jl/√(B_jj B_ll) when normalised) of every examined pair, when the event lists the pairs; else empty. */
  values: number[];
  /** Quantiles 0, 0.25, 0.5, 0.75, 1 (from the pairs when listed, else as recorded); empty when unknown. */
  quantiles: number[];
}

/**
 * The B_jl distribution at the seed's latest applicable checkpoint (at or before `atEpoch` when
 * given), from its pair list or, without one, its recorded quantiles. Null when the seed has no
 * applicable checkpoint yet (or the check never applies: η = 0).
 */
export function couplingDistribution(
  events: readonly RunEvent[],
  condition: string,
  seed: number,
  options: { normalized?: boolean; atEpoch?: number } = {},
): CouplingDistribution | null {
  const applicable = repulsionEventsOf(events, condition, seed).filter(
    (event) => event.applicable && (options.atEpoch === undefined || event.epoch <= options.atEpoch),
  );
  const latest = applicable.at(-1);
  if (!latest) return null;
  // pairList rows are [j, l, cos, B_jl, B_jl/√(B_jj B_ll)].
  const column = options.normalized ? 4 : 3;
  const values = (latest.pairList ?? []).map((pair) => pair[column]).filter((value) => Number.isFinite(value));
  const recorded = (options.normalized ? latest.normalizedCouplingQuantiles : latest.couplingQuantiles) ?? [];
  return { condition, seed, epoch: latest.epoch, values, quantiles: values.length > 0 ? fiveNumberSummary(values) : [...recorded] };
}

// ─── Log axes ──────────────────────────────────────────────────────────────────────────────────

/** A series prepared for a log axis, with what had to be left out. */
export interface LogAxisSeries extends Series {
  /** Number of points whose value on that axis was ≤ 0 and became gaps (a log axis cannot show them). */
  droppedCount: number;
  /** Whether anything is left to draw on the log axis. */
  drawable: boolean;
}

/**
 * Prepares a series for a log axis (`y`, or `x` for log-epochs where epoch 0 cannot be shown): every
 * point whose value on that axis is ≤ 0 becomes a gap (null y; on the x axis the point is removed),
 * and the count is returned so the chart can say "n points ≤ 0 not shown" instead of hiding them silently.
 */
export function forLogAxis(series: Series, axis: 'x' | 'y' = 'y'): LogAxisSeries {
  if (axis === 'y') {
    let droppedCount = 0;
    const y = series.y.map((value) => {
      if (value !== null && value <= 0) {
        droppedCount++;
        return null;
      }
      return value;
    });
    return { x: [...series.x], y, droppedCount, drawable: y.some((value) => value !== null) };
  }
  const x: number[] = [];
  const y: (number | null)[] = [];
  let droppedCount = 0;
  series.x.forEach((epoch, index) => {
    if (epoch > 0) {
      x.push(epoch);
      y.push(series.y[index]);
    } else if (series.y[index] !== null) {
      droppedCount++;
    }
  });
  return { x, y, droppedCount, drawable: y.some((value) => value !== null) };
}
