/**
 * The report of one run (`grokking-lab report`, "Export Report"): every number of its tables, per
 * condition and per seed, computed from the run folder's manifest, summary, records and events.
 * Pure; the renderers (tables.ts → terminal, Markdown, HTML) only format it, and `--json` prints it
 * as it is, so its key names are part of the interface (documented on each field; version
 * {@link REPORT_VERSION}).
 *
 * The seed and condition numbers the dashboard's summary table shows (milestones, detector epoch,
 * lead/lag, late-stage gap, separation, the seeds' rank readings) come from the same function,
 * `summaryTables` of src/shared/dashboard/summaryTable.ts: summary.json once the run has ended, else
 * the rows and events written so far (the rank readings always from the rows). The report and the
 * dashboard cannot disagree.
 *
 * Conventions: an epoch is a row's time (docs/science.md §4): an epoch of an MLP run, a step of a
 * Transformer run (`timeUnit`; the keys keep the name `…Epoch` for both); every median and IQR is
 * over the seeds that have a value (numpy's linear interpolation, src/shared/statistics.ts), with
 * `count` saying how many they are; a missing value is null, never a zero; a Theorem-6 checkpoint where the check does not
 * apply (η = 0) has no statistics at all, never a number.
 */
import type { RunConfig } from '../config/types';
import { conditionConfig, eigengapSettings, summaryTables } from '../dashboard/summaryTable';
import type { EpochRecord, MilestoneName, RepulsionEvent, RunEvent, RunManifest, RunStatus, RunSummary, SeedStatus, SeedSummary } from '../runFormat';
import { type ConditionRankReadings, type SeedRankReadings, conditionRankReadings, seedRankReadings } from '../spectrumRank';
import { type SeedStatistic, seedStatistic } from '../statistics';
import { plural } from '../text';
import { isTransformerConfig, lastRowOf, timeUnitOf, type TimeUnit } from '../config/modelKind';
import { MILESTONE_NAMES, type SedRatioPeak, sedRatioPeak } from '../summary';
import type { InterventionMode } from '../config/types';
import { type RunTimeUnit, timeWords } from '../timeUnit';

export { type SeedStatistic, seedStatistic } from '../statistics';

/**
 * Version of the report's JSON shape; a new field may be added without a change, a renamed or
 * removed one, or one whose meaning changes, changes it. 2: `effectiveRank` became `energyRank` (it
 * is not the papers' rank), next to the largest-gap position and λ₁/λ₂. 3: the time unit (`timeUnit`
 * of the report and of each condition's settings: the `…Epoch` numbers of a Transformer run are
 * steps), the grok ≥ 0.98 milestone (`milestones.grok98`, `grokEpoch98`), and a condition's model
 * (`settings.modelKind`, `settings.model`), with `settings.activation` null for a Transformer (it
 * said `transformer` in version 2). 4: a Transformer condition and its seeds carry `transformer`
 * (R before and at grokking, k* at the end, the early-stop step, the intervention mode and speed-up,
 * the R̄ peaks, the per-operation grok steps); its spectral-edge decline counts a window as full from
 * step window · snapshotEvery and takes g₂₃ at grok from the last row with one at or before the grok step.
 */
export const REPORT_VERSION = 4;

/** The grok threshold that lead/lag is measured against: test accuracy ≥ 0.99, as in the dashboard's "Fire − grok" column. */
export const LEAD_LAG_GROK_THRESHOLD = 0.99;

/** docs/science.md §7: a seed's spectral edge "declined" before grokking when this ratio is exceeded. */
export const DECLINE_RATIO_THRESHOLD = 1.5;

/** The grok step of the intervention table (docs/science.md §12.5): the first step with test accuracy ≥ this, the reference's early-stop accuracy. */
export const INTERVENTION_GROK_THRESHOLD = 0.98;

/** Why a condition none of whose seeds reaches {@link DECLINE_GROK_THRESHOLD} has no decline (the author's controls). */
export const NO_GROK_REASON = 'no grok step: the decline is undefined';

/** docs/science.md §7: the decline is measured up to the first epoch with test accuracy ≥ this. */
export const DECLINE_GROK_THRESHOLD = 0.95;

/** The reason recorded when a repulsion event gives none: Theorem 6 needs η > 0. */
export const NOT_APPLICABLE_REASON = 'weight decay η = 0 makes F̃ᵀF̃ + ηI singular, so B and Theorem 6 are undefined';

// ─── Input ─────────────────────────────────────────────────────────────────────────────────────

/** One seed of the run as read from its folder. */
export interface ReportSeedInput {
  condition: string;
  seed: number;
  /** The seed's real status (status file, else its end event, else inferred from its rows). */
  status: SeedStatus;
  /** Why it failed, diverged or was cancelled, when recorded. */
  message?: string;
  /** Every epoch row, in increasing epoch order (not decimated). */
  records: readonly EpochRecord[];
  /** Lines of its rows file that could not be read (cut short, garbage, non-finite numbers). */
  skippedRows?: number;
}

/** Everything the report is computed from. */
export interface ReportInput {
  /** The run folder's name (the run id when run.json is missing). */
  runId: string;
  manifest: RunManifest | null;
  /** Without run.json: each condition's config from its seeds' assignment files, where there are some. */
  assignedConfigs?: Readonly<Record<string, RunConfig>>;
  /** The run's real status (run.json's, corrected for an abandoned run). */
  status: RunStatus;
  /** Every seed of every condition, in manifest order. */
  seeds: readonly ReportSeedInput[];
  events: readonly RunEvent[];
  /** Lines of events.jsonl that could not be read. */
  skippedEvents?: number;
  summary: RunSummary | null;
}

// ─── Output ────────────────────────────────────────────────────────────────────────────────────

/** The report of a run. */
export interface RunReport {
  /** {@link REPORT_VERSION}. */
  reportVersion: typeof REPORT_VERSION;
  run: RunFacts;
  /**
   * What every `…Epoch` number, `lastEpoch` and checkpoint counts (src/shared/timeUnit.ts): `epoch`
   * for a run of MLPs, `step` for a run of Transformers, `mixed` for a run with both (each
   * condition's `settings.timeUnit` says which).
   */
  timeUnit: RunTimeUnit;
  /**
   * `final`: the seed numbers come from summary.json (the run has ended); `live`: from the rows and
   * events written so far (a running run, or one that ended without a summary).
   */
  source: 'final' | 'live';
  /** Plain sentences about the whole run: still running, numbers partial, seeds that did not complete. */
  notes: string[];
  /** {@link LEAD_LAG_GROK_THRESHOLD}: lead/lag = detector epoch − first epoch with test accuracy ≥ this. */
  leadLagGrokThreshold: number;
  conditions: ConditionReport[];
  /**
   * Separation between conditions (docs/science.md §5, summary.json's definition): late-stage gap median
   * of `numerator` ÷ that of `denominator`. Each pair of conditions once, the one listed first in the
   * manifest as numerator; empty with fewer than two conditions.
   */
  separations: { numerator: string; denominator: string; ratio: number | null }[];
}

/** Who, what and when of the run (from run.json). */
export interface RunFacts {
  runId: string;
  /** Null when run.json is missing. */
  experiment: string | null;
  description: string | null;
  /** The experiment file, as the producer recorded it. */
  file: string | null;
  status: RunStatus;
  startTime: string | null;
  endTime: string | null;
  /** E.g. `wasm (1 thread)`. */
  engine: string | null;
  /** `cli`, `extension`, … */
  producer: string | null;
  host: string | null;
  /** Versions recorded (grokkingLab, node, …). */
  versions: Record<string, string>;
  git: { commit: string; dirty: boolean } | null;
  /** The seeds of the experiment. */
  seeds: number[];
}

/** The settings of a condition that its numbers depend on (from its resolved config; see conditionSettings). */
export interface ConditionSettings {
  /** `mlp` or `transformer`; null when the run folder does not say. */
  modelKind: 'mlp' | 'transformer' | null;
  /** The model in a few words: `mlp 2048 square` (hidden width, activation), `transformer 2×128` (layers × d_model). */
  model: string | null;
  /** The papers' η; null when run.json is missing. */
  weightDecay: number | null;
  /** The MLP's hidden activation σ; null for a Transformer (and when unknown). */
  activation: string | null;
  optimizer: string | null;
  /** What this condition's rows count: `epoch` (MLP) or `step` (Transformer); null when unknown. */
  timeUnit: TimeUnit | null;
  /** The last row it was set to run: its epochs, or its steps (a Transformer may stop early). */
  epochs: number | null;
  /** Null when the run folder does not say (no run.json, no assignment file): never a default passed off as the run's. */
  detector: { threshold: number; lag: number; warmup: number } | null;
  /** [from, to] epochs of the late-stage window (late gap, λ₁/λ₂, largest-gap position, energy rank); null when unknown. */
  lateStage: [number, number] | null;
}

/** Milestones of docs/science.md §4, in display order (src/shared/summary.ts MILESTONE_TESTS). */
export const REPORT_MILESTONES: readonly MilestoneName[] = MILESTONE_NAMES;

/**
 * The report of one condition. Its rank readings of the update spectrum ({@link ConditionRankReadings},
 * src/shared/spectrumRank.ts; `count` of a statistic is of `seedCount`): `energyRank` (per seed the
 * median over `settings.lateStage` of the number of λ_k carrying 99 % of Σλ, then over seeds),
 * `leadingRatio` (the same for λ₁/λ₂) and `largestGapPosition` (the most common per-seed
 * largest-gap position j* = argmax λ_j/λ_{j+1}, arXiv 2605.08119's "rank", and in how many seeds).
 */
export interface ConditionReport extends ConditionRankReadings {
  condition: string;
  settings: ConditionSettings;
  /** Seeds of the condition, whatever their status. Every "x of n" below has this n. */
  seedCount: number;
  /** Seeds that completed. */
  completedCount: number;
  /** Seeds that did not complete (failed, diverged, cancelled, interrupted, still running or queued), named. Their rows so far are included in the statistics. */
  incompleteSeeds: { seed: number; status: SeedStatus; lastEpoch: number | null; message: string | null }[];
  /** Epoch at which the detector fired (docs/science.md §5); `count` = seeds in which it fired. */
  detectorEpoch: SeedStatistic;
  /** First epoch of each milestone: `memorized` (train accuracy = 1), `grok50`/`grok95`/`grok98`/`grok99` (test accuracy ≥ 0.5/0.95/0.98/0.99); `count` = seeds that reached it. */
  milestones: Record<MilestoneName, SeedStatistic>;
  /** Detector epoch − grok≥0.99 epoch per seed (negative: the detector fired first); over seeds with both. */
  leadLag: SeedStatistic;
  /** Late-stage gap: per seed the median of λ₂/λ₃ over `settings.lateStage`, then over seeds. */
  lateGap: SeedStatistic;
  /** Spectral-edge decline before grokking (docs/science.md §7). */
  spectralEdgeDecline: {
    /** Seeds whose ratio exceeds {@link DECLINE_RATIO_THRESHOLD}. */
    declinedCount: number;
    /** Seeds with a ratio (they reached test accuracy ≥ 0.95 and have g₂₃ before and at that epoch). */
    evaluatedCount: number;
    /** The ratio max g₂₃(before) / g₂₃(at) over the evaluated seeds. */
    ratio: SeedStatistic;
  };
  /** Theorem 6 (docs/science.md §6) at each checkpoint epoch of the condition, ascending. */
  repulsion: RepulsionCheckpoint[];
  seeds: SeedReport[];
  /** Only for a Transformer condition (docs/science.md §12): its steps, R and k*, intervention and SED peaks. */
  transformer?: ConditionTransformerReport;
}

/** A statistic over seeds of an R̄ peak's value (docs/science.md §12.6). */
export interface SedPeakStatistics {
  /** Update-SED R̄ peak (`updateSedRatios`). */
  update: SeedStatistic;
  /** Gradient-SED R̄ peak (`gradientSedRatios`). */
  gradient: SeedStatistic;
}

/** The Transformer numbers of a condition, over its seeds (`count` of each statistic: seeds with a value). */
export interface ConditionTransformerReport {
  /** `training.intervention.mode` (docs/science.md §12.5). */
  interventionMode: InterventionMode;
  /** The last record of the seeds that stopped early (before `settings.epochs`). */
  earlyStopStep: SeedStatistic;
  /** First step with test accuracy ≥ {@link INTERVENTION_GROK_THRESHOLD} (= milestones.grok98). */
  grokStep: SeedStatistic;
  /**
   * Median grok step of the run's first mode-none condition ÷ this condition's; null without a
   * mode-none condition or a median on either side.
   */
  speedUp: number | null;
  /** The condition whose grok step `speedUp` divides; null without one. */
  speedUpBaseline: string | null;
  /** R = σ_{k*} / σ_{k*+1} (docs/science.md §7): the author's R_early, R_grok, and k*_term. */
  spectralEdge: {
    rBeforeGrok: SeedStatistic;
    rAtGrok: SeedStatistic;
    /** The most common k* at the end over the seeds with one, in how many of them (`of`); null value without any. */
    kStarEnd: { value: number | null; count: number; of: number };
    /** {@link NO_GROK_REASON} when no seed reaches test accuracy ≥ 0.95; else null. */
    reason: string | null;
  };
  sedPeaks: SedPeakStatistics;
  /** Per operation of a multitask condition (empty for one head): grok steps and R̄ peaks over seeds. */
  operations: { operation: string; grokStep95: SeedStatistic; grokStep98: SeedStatistic; sedPeaks: SedPeakStatistics }[];
}

/** A seed's Transformer numbers. */
export interface SeedTransformerReport {
  /** Its last record's step when it completed before its steps (early stop), else null. */
  earlyStopStep: number | null;
  /** R and k* of the spectral edge (docs/science.md §7, full windows only). */
  spectralEdge: SeedEdgeReadings;
  /** R̄ peaks, with the step they describe; null without SED fields. */
  updateSedPeak: SedRatioPeak | null;
  gradientSedPeak: SedRatioPeak | null;
  /** Per operation of a multitask run (empty for one head). */
  operations: { operation: string; grokStep95: number | null; grokStep98: number | null; updateSedPeak: SedRatioPeak | null; gradientSedPeak: SedRatioPeak | null }[];
}

/** R and k* of one seed's spectral edge. */
export interface SeedEdgeReadings {
  /** The row whose g₂₃ and R are "at grok" (the last full-window row with g₂₃ at or before the first row with test accuracy ≥ 0.95). */
  grokWindowEpoch: number | null;
  /** Mean R (`edgeRatio`) over the full-window rows strictly before the grok step (R_early). */
  rBeforeGrok: number | null;
  /** R of the grok-window row (R_grok). */
  rAtGrok: number | null;
  /** k* of the last full-window row (k*_term). */
  kStarEnd: number | null;
}

/** The Theorem-6 statistics of a condition at one checkpoint, over its seeds. */
export type RepulsionCheckpoint =
  | {
      epoch: number;
      applicable: true;
      /** Seeds with a result at this checkpoint. */
      seedCount: number;
      /** Share of the examined pairs with B_jl < 0. */
      fractionNegative: SeedStatistic;
      /** Sign-match by the exact closed form (1 up to rounding: the sign rule is an identity). */
      signMatch: SeedStatistic;
      /** Sign-match as computed in the arXiv 2605.08119 code (its 1/η² scaling slip). */
      publishedSignMatch: SeedStatistic;
    }
  | {
      epoch: number;
      applicable: false;
      seedCount: number;
      /** Why the check does not apply (η = 0), as recorded. */
      reason: string;
    };

/** The spectral-edge decline of one seed (docs/science.md §7; σ_j singular values of the window, g₂₃ = σ₂² − σ₃²). */
export interface SeedDecline {
  /** First epoch with test accuracy ≥ 0.95, or null. */
  grokEpoch95: number | null;
  /** Largest g₂₃ before that epoch, and where. */
  peakG23: number | null;
  peakEpoch: number | null;
  /** g₂₃ at that epoch. */
  g23AtGrok: number | null;
  /** peakG23 / g23AtGrok, or null when one is missing or g23AtGrok ≤ 0. */
  ratio: number | null;
  /** ratio > {@link DECLINE_RATIO_THRESHOLD}; null without a ratio. */
  declined: boolean | null;
}

/**
 * One seed's row, with its rank readings over the late-stage epochs ({@link SeedRankReadings}):
 * `energyRank`, `leadingRatio` (λ₁/λ₂), `largestGapPosition` and `largestGapShare`.
 */
export interface SeedReport extends SeedRankReadings {
  seed: number;
  status: SeedStatus;
  message: string | null;
  /** Last epoch recorded; null before the first row. */
  lastEpoch: number | null;
  memorizedEpoch: number | null;
  grokEpoch50: number | null;
  grokEpoch95: number | null;
  grokEpoch98: number | null;
  grokEpoch99: number | null;
  detectorEpoch: number | null;
  /** detectorEpoch − grokEpoch99. */
  leadLag: number | null;
  /** Median λ₂/λ₃ over the late-stage window. */
  lateGap: number | null;
  finalTestAcc: number | null;
  spectralEdge: SeedDecline;
  /** Only for a Transformer seed. */
  transformer?: SeedTransformerReport;
}

// ─── Computation ───────────────────────────────────────────────────────────────────────────────

/**
 * The settings a condition's numbers depend on: its config's, from run.json (readers upgrade older
 * manifests, src/shared/runFormatUpgrade.ts) or, without it, from its seeds' assignment files;
 * null where the run folder does not say (conditionConfig in src/shared/dashboard/summaryTable.ts).
 */
export function conditionSettings(input: Pick<ReportInput, 'manifest' | 'assignedConfigs'>, condition: string): ConditionSettings {
  const config = conditionConfig(input, condition);
  const eigengap = eigengapSettings(input, condition);
  return {
    modelKind: config ? (isTransformerConfig(config) ? 'transformer' : 'mlp') : null,
    model: config ? (isTransformerConfig(config) ? `transformer ${config.model.layers}×${config.model.width}` : `mlp ${config.model.hidden} ${config.model.activation}`) : null,
    weightDecay: config?.optimizer.weightDecay ?? null,
    activation: config && !isTransformerConfig(config) ? config.model.activation : null,
    optimizer: config?.optimizer.name ?? null,
    timeUnit: config ? timeUnitOf(config) : null,
    epochs: config ? lastRowOf(config) : null,
    detector: eigengap ? { threshold: eigengap.detector.threshold, lag: eigengap.detector.lag, warmup: eigengap.detector.warmup } : null,
    lateStage: eigengap?.lateStage ?? null,
  };
}

/**
 * docs/science.md §7: the largest g₂₃ strictly before the first epoch with test accuracy ≥ 0.95, divided
 * by g₂₃ at that epoch; "declined" when the ratio exceeds 1.5. Read from the rows themselves. As in
 * the author's code (multitask-grokking `gram_R_trajectory`, whose trajectory starts once a window
 * holds `window` updates), only rows with a full window count: epoch ≥ `window` (row t's window
 * holds min(t, w) updates, docs/science.md §5). Without the window (a run folder that does not say
 * how it was configured) there is no decline.
 *
 * A Transformer (`snapshotEvery` given, docs/science.md §12.4): an update spans `snapshotEvery`
 * steps and only rows at snapshots carry g₂₃, so a window is full from step window · snapshotEvery,
 * and g₂₃ at grok is that of the last full-window row with g₂₃ at or before the grok row (the
 * replication's last window ending ≤ the grok step).
 */
export function spectralEdgeDecline(records: readonly EpochRecord[], window: number | undefined, snapshotEvery?: number): SeedDecline {
  const grokIndex = records.findIndex((record) => record.testAcc >= DECLINE_GROK_THRESHOLD);
  const none: SeedDecline = { grokEpoch95: null, peakG23: null, peakEpoch: null, g23AtGrok: null, ratio: null, declined: null };
  if (grokIndex < 0 || window === undefined) return none;
  const grokRecord = records[grokIndex];
  const isFull = fullWindow(window, snapshotEvery);
  const fullWindowG23 = (record: EpochRecord): number | null => (isFull(record) && typeof record.g23 === 'number' && Number.isFinite(record.g23) ? record.g23 : null);
  let peakG23: number | null = null;
  let peakEpoch: number | null = null;
  for (const record of records.slice(0, grokIndex)) {
    const value = fullWindowG23(record);
    if (value !== null && (peakG23 === null || value > peakG23)) {
      peakG23 = value;
      peakEpoch = record.epoch;
    }
  }
  const grokWindow = snapshotEvery === undefined ? grokRecord : grokWindowRow(records, grokIndex, isFull, 'g23');
  const atGrok = grokWindow ? fullWindowG23(grokWindow) : null;
  const ratio = peakG23 !== null && atGrok !== null && atGrok > 0 ? peakG23 / atGrok : null;
  return { grokEpoch95: grokRecord.epoch, peakG23, peakEpoch, g23AtGrok: atGrok, ratio, declined: ratio === null ? null : ratio > DECLINE_RATIO_THRESHOLD };
}

/** Whether a row's spectral-edge window is full: epoch ≥ window (MLP), step ≥ window · snapshotEvery (Transformer). */
function fullWindow(window: number, snapshotEvery: number | undefined): (record: EpochRecord) => boolean {
  const from = window * (snapshotEvery ?? 1);
  return (record) => record.epoch >= from;
}

function finite(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The last full-window row with a finite `field` at or before records[grokIndex]. */
function grokWindowRow(records: readonly EpochRecord[], grokIndex: number, isFull: (record: EpochRecord) => boolean, field: 'g23' | 'edgeRatio'): EpochRecord | undefined {
  for (let index = grokIndex; index >= 0; index--) {
    const record = records[index];
    if (isFull(record) && finite(record[field])) return record;
  }
  return undefined;
}

/**
 * The author's R_early, R_grok and k*_term (docs/science.md §7, §12.4) from one seed's rows, full
 * windows only (as {@link spectralEdgeDecline}): the mean R over the rows strictly before the first row
 * with test accuracy ≥ 0.95, R of the last row with R at or before it, and k* of the last row with k*.
 */
export function spectralEdgeReadings(records: readonly EpochRecord[], window: number | undefined, snapshotEvery?: number): SeedEdgeReadings {
  const none: SeedEdgeReadings = { grokWindowEpoch: null, rBeforeGrok: null, rAtGrok: null, kStarEnd: null };
  if (window === undefined) return none;
  const isFull = fullWindow(window, snapshotEvery);
  const lastKStar = [...records].reverse().find((record) => isFull(record) && finite(record.kStar));
  const kStarEnd = lastKStar?.kStar ?? null;
  const grokIndex = records.findIndex((record) => record.testAcc >= DECLINE_GROK_THRESHOLD);
  if (grokIndex < 0) return { ...none, kStarEnd };
  const before = records.slice(0, grokIndex).filter((record) => isFull(record) && finite(record.edgeRatio)).map((record) => record.edgeRatio as number);
  const grokWindow = grokWindowRow(records, grokIndex, isFull, 'edgeRatio');
  return {
    grokWindowEpoch: grokWindow?.epoch ?? null,
    rBeforeGrok: before.length > 0 ? before.reduce((sum, value) => sum + value, 0) / before.length : null,
    rAtGrok: grokWindow?.edgeRatio ?? null,
    kStarEnd,
  };
}

/** First row at which `operation`'s head has test accuracy ≥ threshold. */
function operationGrokStep(records: readonly EpochRecord[], operation: string, threshold: number): number | null {
  const record = records.find((row) => (row.operations?.find((entry) => entry.operation === operation)?.testAcc ?? -1) >= threshold);
  return record ? record.epoch : null;
}

/** The operations of a multitask seed, in the order of its rows. */
function operationsOf(records: readonly EpochRecord[]): string[] {
  const names: string[] = [];
  for (const record of records) for (const entry of record.operations ?? []) if (!names.includes(entry.operation)) names.push(entry.operation);
  return names;
}

/** A seed's Transformer numbers (docs/science.md §12). */
export function seedTransformerReport(records: readonly EpochRecord[], options: { window?: number; snapshotEvery: number; steps: number | null; completed: boolean; sedVectors?: number }): SeedTransformerReport {
  const last = records.at(-1);
  const count = options.sedVectors;
  return {
    earlyStopStep: options.completed && last && options.steps !== null && last.epoch < options.steps ? last.epoch : null,
    spectralEdge: spectralEdgeReadings(records, options.window, options.snapshotEvery),
    updateSedPeak: sedRatioPeak(records, 'updateSedRatios', { count }),
    gradientSedPeak: sedRatioPeak(records, 'gradientSedRatios', { count }),
    operations: operationsOf(records).map((operation) => ({
      operation,
      grokStep95: operationGrokStep(records, operation, 0.95),
      grokStep98: operationGrokStep(records, operation, 0.98),
      updateSedPeak: sedRatioPeak(records, 'updateSedRatios', { count, operation }),
      gradientSedPeak: sedRatioPeak(records, 'gradientSedRatios', { count, operation }),
    })),
  };
}

/** The most common value (ties to the smallest) and in how many. */
function mostCommon(values: readonly (number | null)[]): { value: number | null; count: number; of: number } {
  const present = values.filter((value): value is number => value !== null);
  const counts = new Map<number, number>();
  for (const value of present) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best: number | null = null;
  for (const [value, count] of counts) if (best === null || count > (counts.get(best) ?? 0) || (count === counts.get(best) && value < best)) best = value;
  return { value: best, count: best === null ? 0 : (counts.get(best) ?? 0), of: present.length };
}

function sedPeakStatistics(peaks: readonly { update: SedRatioPeak | null; gradient: SedRatioPeak | null }[]): SedPeakStatistics {
  return { update: seedStatistic(peaks.map((peak) => peak.update?.value ?? null)), gradient: seedStatistic(peaks.map((peak) => peak.gradient?.value ?? null)) };
}

/** A Transformer condition's numbers over its seeds; the speed-up is filled in once every condition is known. */
function conditionTransformerReport(seeds: readonly SeedReport[], mode: InterventionMode): ConditionTransformerReport {
  const readings = seeds.flatMap((seed) => (seed.transformer ? [seed.transformer] : []));
  const operations = [...new Set(readings.flatMap((reading) => reading.operations.map((entry) => entry.operation)))];
  return {
    interventionMode: mode,
    earlyStopStep: seedStatistic(readings.map((reading) => reading.earlyStopStep)),
    grokStep: seedStatistic(seeds.map((seed) => seed.grokEpoch98)),
    speedUp: null,
    speedUpBaseline: null,
    spectralEdge: {
      rBeforeGrok: seedStatistic(readings.map((reading) => reading.spectralEdge.rBeforeGrok)),
      rAtGrok: seedStatistic(readings.map((reading) => reading.spectralEdge.rAtGrok)),
      kStarEnd: mostCommon(readings.map((reading) => reading.spectralEdge.kStarEnd)),
      reason: seeds.length > 0 && seeds.every((seed) => seed.spectralEdge.grokEpoch95 === null) ? NO_GROK_REASON : null,
    },
    sedPeaks: sedPeakStatistics(readings.map((reading) => ({ update: reading.updateSedPeak, gradient: reading.gradientSedPeak }))),
    operations: operations.map((operation) => {
      const entries = readings.flatMap((reading) => reading.operations.filter((entry) => entry.operation === operation));
      return {
        operation,
        grokStep95: seedStatistic(entries.map((entry) => entry.grokStep95)),
        grokStep98: seedStatistic(entries.map((entry) => entry.grokStep98)),
        sedPeaks: sedPeakStatistics(entries.map((entry) => ({ update: entry.updateSedPeak, gradient: entry.gradientSedPeak }))),
      };
    }),
  };
}

/** Speed-up = median grok step of the first mode-none Transformer condition ÷ each condition's. */
function fillSpeedUps(conditions: readonly ConditionReport[]): void {
  const baseline = conditions.find((condition) => condition.transformer?.interventionMode === 'none');
  const baselineMedian = baseline?.transformer?.grokStep.median ?? null;
  for (const condition of conditions) {
    const report = condition.transformer;
    if (!report || !baseline) continue;
    report.speedUpBaseline = baseline.condition;
    const median = report.grokStep.median;
    report.speedUp = baselineMedian !== null && median !== null && median > 0 ? baselineMedian / median : null;
  }
}

/** The repulsion events of one seed, one per checkpoint epoch (a replayed line counts once: the later wins, as in the dashboard). */
function repulsionBySeed(events: readonly RunEvent[], condition: string): Map<number, Map<number, RepulsionEvent>> {
  const bySeed = new Map<number, Map<number, RepulsionEvent>>();
  for (const event of events) {
    if (event.type !== 'repulsion' || event.condition !== condition) continue;
    let byEpoch = bySeed.get(event.seed);
    if (!byEpoch) {
      byEpoch = new Map();
      bySeed.set(event.seed, byEpoch);
    }
    byEpoch.set(event.epoch, event);
  }
  return bySeed;
}

/**
 * Theorem-6 statistics per checkpoint over the seeds of a condition. A checkpoint is "not
 * applicable" when no seed's check applied there (η = 0): then it carries the recorded reason and
 * no number.
 */
export function repulsionCheckpoints(events: readonly RunEvent[], condition: string): RepulsionCheckpoint[] {
  const bySeed = repulsionBySeed(events, condition);
  const epochs = [...new Set([...bySeed.values()].flatMap((byEpoch) => [...byEpoch.keys()]))].sort((left, right) => left - right);
  return epochs.map((epoch): RepulsionCheckpoint => {
    const atEpoch = [...bySeed.values()].flatMap((byEpoch) => {
      const event = byEpoch.get(epoch);
      return event ? [event] : [];
    });
    const applicable = atEpoch.filter((event) => event.applicable);
    if (applicable.length === 0) {
      const reason = atEpoch.find((event) => event.reason)?.reason ?? NOT_APPLICABLE_REASON;
      return { epoch, applicable: false, seedCount: atEpoch.length, reason };
    }
    const statistic = (name: 'fractionNegative' | 'signMatch' | 'publishedSignMatch') => seedStatistic(applicable.map((event) => event[name] ?? null));
    return {
      epoch,
      applicable: true,
      seedCount: applicable.length,
      fractionNegative: statistic('fractionNegative'),
      signMatch: statistic('signMatch'),
      publishedSignMatch: statistic('publishedSignMatch'),
    };
  });
}

function runFacts(input: ReportInput): RunFacts {
  const manifest = input.manifest;
  const engine = manifest?.engine;
  return {
    runId: manifest?.runId ?? input.runId,
    experiment: manifest?.experiment ?? null,
    description: manifest?.description ?? null,
    file: manifest?.file ?? null,
    status: input.status,
    startTime: manifest?.startTime ?? null,
    endTime: manifest?.endTime ?? null,
    engine: engine ? `${engine.name}${engine.backend ? ` (${engine.backend})` : ''}, ${plural(engine.threads, 'thread')}` : null,
    producer: manifest?.producer ?? null,
    host: manifest?.host ?? null,
    versions: manifest ? { ...manifest.versions } : {},
    git: manifest?.git ? { commit: manifest.git.commit, dirty: manifest.git.dirty } : null,
    seeds: manifest ? [...manifest.seeds] : [...new Set(input.seeds.map((seed) => seed.seed))].sort((left, right) => left - right),
  };
}

/** "seed 2 failed at epoch 15 (worker exited with code 1)"; "at step 1500" for a Transformer. */
function describeIncomplete(seed: ConditionReport['incompleteSeeds'][number], unit: RunTimeUnit): string {
  const where = seed.lastEpoch === null ? ' before its first row' : ` at ${timeWords(unit).singular} ${seed.lastEpoch}`;
  const verb = seed.status === 'running' ? 'still running' : seed.status === 'queued' ? 'not started' : seed.status;
  return `seed ${seed.seed} ${verb}${seed.status === 'queued' ? '' : where}${seed.message ? ` (${seed.message})` : ''}`;
}

/**
 * What the report could not read, in plain sentences: a run folder without run.json (its settings
 * taken from the assignment files, or unknown), and lines of rows or events that were skipped.
 */
function readingNotes(input: ReportInput): string[] {
  const notes: string[] = [];
  if (!input.manifest) {
    const conditions = [...new Set(input.seeds.map((seed) => seed.condition))];
    const known = conditions.filter((condition) => input.assignedConfigs?.[condition] !== undefined);
    const unknown = conditions.filter((condition) => !known.includes(condition));
    if (known.length > 0) notes.push(`The run has no readable run.json: the settings of ${known.join(', ')} come from the seeds' assignment files.`);
    if (unknown.length > 0) {
      notes.push(
        `The run has no readable run.json and ${unknown.join(', ')} ${unknown.length === 1 ? 'has' : 'have'} no assignment file: its detector settings and late stage are unknown, so its late gap and spectrum readings are left out and its detector epochs are those the workers recorded.`,
      );
    }
  }
  const skipped = input.seeds.filter((seed) => (seed.skippedRows ?? 0) > 0);
  if (skipped.length > 0) {
    notes.push(
      `Unreadable lines skipped: ${skipped.map((seed) => `${seed.condition}/seed-${seed.seed}.jsonl ${plural(seed.skippedRows ?? 0, 'line')}`).join(', ')} (a line cut short when a worker was killed, or a damaged file); the numbers use the other rows.`,
    );
  }
  if ((input.skippedEvents ?? 0) > 0) notes.push(`Unreadable lines skipped in events.jsonl: ${plural(input.skippedEvents ?? 0, 'line')}.`);
  return notes;
}

/** The report of a run. */
export function buildRunReport(input: ReportInput): RunReport {
  const tables = summaryTables(input);
  const seedRows = new Map<string, { summary: SeedSummary; rankReadings: SeedRankReadings }>(tables.seeds.map((row) => [`${row.condition}\u0000${row.seed}`, row]));
  const notes: string[] = [];
  if (input.status === 'running') notes.push('This run is still running: every number is computed from the rows written so far and will change.');
  else if (tables.source === 'live') notes.push('The run has no summary.json (it ended without writing one): the numbers are computed from the rows and events it wrote.');
  notes.push(...readingNotes(input));

  const conditions = tables.conditions.map((conditionRow): ConditionReport => {
    const condition = conditionRow.condition;
    const settings = conditionSettings(input, condition);
    const config = conditionConfig(input, condition);
    const spectralEdgeWindow = config?.diagnostics.spectralEdge.window;
    const transformerConfig = config && isTransformerConfig(config) ? config : null;
    const snapshotEvery = transformerConfig?.diagnostics.snapshotEvery;
    const seeds = input.seeds
      .filter((seed) => seed.condition === condition)
      .map((seed): SeedReport => {
        const row = seedRows.get(`${condition}\u0000${seed.seed}`);
        const summary = row?.summary;
        const last = seed.records.at(-1);
        return {
          seed: seed.seed,
          status: seed.status,
          message: seed.message ?? null,
          lastEpoch: last ? last.epoch : null,
          memorizedEpoch: summary?.memorizedEpoch ?? null,
          grokEpoch50: summary?.grokEpoch50 ?? null,
          grokEpoch95: summary?.grokEpoch95 ?? null,
          grokEpoch98: summary?.grokEpoch98 ?? null,
          grokEpoch99: summary?.grokEpoch99 ?? null,
          detectorEpoch: summary?.detectorEpoch ?? null,
          leadLag: summary?.detectorLead ?? null,
          lateGap: summary?.lateGap ?? null,
          // The dashboard table's readings; from the rows here for a seed summary.json does not list.
          ...(row?.rankReadings ?? seedRankReadings(seed.records, settings.lateStage ?? undefined)),
          finalTestAcc: summary?.finalTestAcc ?? (last ? last.testAcc : null),
          spectralEdge: spectralEdgeDecline(seed.records, spectralEdgeWindow, snapshotEvery),
          ...(transformerConfig
            ? {
                transformer: seedTransformerReport(seed.records, {
                  window: spectralEdgeWindow,
                  snapshotEvery: transformerConfig.diagnostics.snapshotEvery,
                  steps: settings.epochs,
                  completed: seed.status === 'completed',
                  sedVectors: transformerConfig.diagnostics.gradientSed.vectors,
                }),
              }
            : {}),
        };
      });
    const incompleteSeeds = seeds
      .filter((seed) => seed.status !== 'completed')
      .map((seed) => ({ seed: seed.seed, status: seed.status, lastEpoch: seed.lastEpoch, message: seed.message }));
    if (incompleteSeeds.length > 0) {
      const unit = settings.timeUnit ?? tables.timeUnit;
      notes.push(`${condition}: ${incompleteSeeds.map((seed) => describeIncomplete(seed, unit)).join('; ')}. ${incompleteSeeds.length === 1 ? 'It is' : 'They are'} counted in every "x of n", with the rows written.`);
    }
    const declines = seeds.map((seed) => seed.spectralEdge);
    return {
      condition,
      settings,
      seedCount: seeds.length,
      completedCount: seeds.filter((seed) => seed.status === 'completed').length,
      incompleteSeeds,
      detectorEpoch: seedStatistic(seeds.map((seed) => seed.detectorEpoch)),
      milestones: {
        memorized: seedStatistic(seeds.map((seed) => seed.memorizedEpoch)),
        grok50: seedStatistic(seeds.map((seed) => seed.grokEpoch50)),
        grok95: seedStatistic(seeds.map((seed) => seed.grokEpoch95)),
        grok98: seedStatistic(seeds.map((seed) => seed.grokEpoch98)),
        grok99: seedStatistic(seeds.map((seed) => seed.grokEpoch99)),
      },
      leadLag: seedStatistic(seeds.map((seed) => seed.leadLag)),
      lateGap: seedStatistic(seeds.map((seed) => seed.lateGap)),
      ...conditionRankReadings(seeds),
      spectralEdgeDecline: {
        declinedCount: declines.filter((decline) => decline.declined === true).length,
        evaluatedCount: declines.filter((decline) => decline.ratio !== null).length,
        ratio: seedStatistic(declines.map((decline) => decline.ratio)),
      },
      repulsion: repulsionCheckpoints(input.events, condition),
      seeds,
      ...(transformerConfig ? { transformer: conditionTransformerReport(seeds, transformerConfig.training.intervention.mode) } : {}),
    };
  });
  fillSpeedUps(conditions);

  return {
    reportVersion: REPORT_VERSION,
    run: runFacts(input),
    timeUnit: tables.timeUnit,
    source: tables.source,
    notes,
    leadLagGrokThreshold: LEAD_LAG_GROK_THRESHOLD,
    conditions,
    separations: tables.separations.map(({ numerator, denominator, ratio }) => ({ numerator, denominator, ratio })),
  };
}
