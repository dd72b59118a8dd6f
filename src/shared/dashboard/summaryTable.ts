/**
 * The dashboard's summary tables (docs/product.md §2.4: "a summary table per seed ... and per condition"):
 * rows with the numbers of src/shared/summary.ts and their display strings ("—" for missing), and the
 * late-stage rank readings of the update spectrum (src/shared/spectrumRank.ts: λ₁/λ₂, the
 * largest-gap position, the energy rank), which always come from the records.
 *
 * A live run has no summary.json yet: its rows are computed from the records received so far (so a
 * running seed shows partial values), with the milestones and the detector epoch taken from the
 * worker's events when present, which stay exact when long runs' records were decimated. An ended
 * run with a summary.json shows that file, the numbers the CLI printed.
 */
import type { DetectorConfig, RunConfig } from '../config/types';
import type { ConditionSummary, EpochRecord, RunEvent, RunManifest, RunStatus, RunSummary, SeedStatus, SeedSummary } from '../runFormat';
import { type ConditionRankReadings, type SeedRankReadings, conditionRankReadings, seedRankReadings } from '../spectrumRank';
import { GROK_THRESHOLDS, MILESTONE_FIELDS, isComparablePair, summarizeRun, summarizeSeed } from '../summary';
import { plural } from '../text';
import { type RunTimeUnit, type TimeWords, runTimeUnit, timeWords } from '../timeUnit';

/** What the tables are computed from: a run as the dashboard holds it (a `RunSnapshot` or the store's run state). */
export interface SummaryTableSource {
  runId: string;
  manifest: RunManifest | null;
  /**
   * Without run.json: each condition's config as its seeds' assignment files give it
   * (docs/run-format.md §7), so that the numbers use the run's own settings, not defaults.
   */
  assignedConfigs?: Readonly<Record<string, RunConfig>>;
  status: RunStatus;
  seeds: readonly {
    condition: string;
    seed: number;
    status: SeedStatus;
    records: readonly EpochRecord[];
    /** Present when `records` are a decimated subset. */
    decimation?: unknown;
  }[];
  events: readonly RunEvent[];
  summary: RunSummary | null;
  /** The run's time unit when the source already knows it (the dashboard's snapshot); else it comes from the configs ({@link tableTimeUnit}). */
  timeUnit?: RunTimeUnit;
}

/** The time unit a run's tables count in: the source's, else its configs' (src/shared/timeUnit.ts). */
export function tableTimeUnit(source: Pick<SummaryTableSource, 'manifest' | 'assignedConfigs' | 'timeUnit'>): RunTimeUnit {
  return source.timeUnit ?? runTimeUnit(source.manifest ?? Object.values(source.assignedConfigs ?? {}));
}

/** Column ids of the per-seed table, in display order. */
export const SEED_COLUMNS = ['condition', 'seed', 'status', 'epoch', 'memorized', 'grok50', 'grok95', 'grok98', 'grok99', 'detector', 'leadLag', 'lateGap', 'leadingRatio', 'largestGap', 'energyRank', 'testAcc'] as const;
export type SeedColumn = (typeof SEED_COLUMNS)[number];

/** Column ids of the per-condition table, in display order. */
export const CONDITION_COLUMNS = [
  'condition',
  'fired',
  'detectorMedian',
  'detectorIqr',
  'grokked',
  'grok99Median',
  'lateGapMedian',
  'separation',
  'leadingRatioMedian',
  'largestGapSeeds',
  'energyRankMedian',
] as const;
export type ConditionColumn = (typeof CONDITION_COLUMNS)[number];

/** Header text and tooltip of a column. */
export interface ColumnTitle {
  title: string;
  tooltip: string;
}

/**
 * Header text and tooltip of each column, in the run's time words (src/shared/timeUnit.ts): "Step",
 * "First step with test accuracy ≥ 0.98" for a Transformer run.
 */
export function columnTitles(words: TimeWords): Record<SeedColumn | ConditionColumn, ColumnTitle> {
  const { singular: time, title: Time } = words;
  const grok = (milestone: keyof typeof GROK_THRESHOLDS): ColumnTitle => ({
    title: `Grok ≥ ${GROK_THRESHOLDS[milestone]}`,
    tooltip: `First ${time} with test accuracy ≥ ${GROK_THRESHOLDS[milestone]}${milestone === 'grok98' ? ' (the Transformer reference’s early-stop threshold)' : ''}`,
  });
  return {
    condition: { title: 'Condition', tooltip: 'Condition name (default when the experiment has none)' },
    seed: { title: 'Seed', tooltip: 'Seed number' },
    status: { title: 'Status', tooltip: 'Seed status' },
    epoch: { title: Time, tooltip: `Last ${time} recorded` },
    memorized: { title: 'Memorised', tooltip: `First ${time} with train accuracy = 1` },
    grok50: grok('grok50'),
    grok95: grok('grok95'),
    grok98: grok('grok98'),
    grok99: grok('grok99'),
    detector: { title: 'Detector', tooltip: `${Time} at which the λ₂/λ₃ slope detector fired` },
    leadLag: { title: 'Fire − grok', tooltip: `Detector ${time} − grok ≥ 0.99 ${time} (negative: the detector fired first)` },
    lateGap: { title: 'Late gap', tooltip: `Median λ₂/λ₃ over the late-stage ${words.plural}` },
    leadingRatio: { title: 'Late λ₁/λ₂', tooltip: `Median λ₁/λ₂ over the late-stage ${words.plural} (λ: eigenvalues of the update Gram, i.e. squared singular values)` },
    largestGap: {
      title: 'Largest-gap position j*',
      tooltip: `Most frequent j (1–4) of the largest ratio λ_j/λ_{j+1} over the late-stage ${words.plural}, with the share of those ${words.plural}: the "rank" of arXiv 2605.08119`,
    },
    energyRank: { title: 'Energy rank (99 % of Σλ)', tooltip: `Median over the late-stage ${words.plural} of the number of λ_k carrying 99 % of Σλ (not the papers' rank)` },
    testAcc: { title: 'Test acc.', tooltip: `Test accuracy at the last ${time} recorded` },
    fired: { title: 'Fired', tooltip: 'Seeds in which the detector fired, of all seeds' },
    detectorMedian: { title: `Fire ${time} (median)`, tooltip: `Median detector ${time} over the seeds that fired` },
    detectorIqr: { title: `Fire ${time} (IQR)`, tooltip: `25th–75th percentile of the detector ${time} over the seeds that fired` },
    grokked: { title: 'Grokked', tooltip: 'Seeds that reached test accuracy ≥ 0.99, of all seeds' },
    grok99Median: { title: 'Grok ≥ 0.99 (median)', tooltip: `Median grok ≥ 0.99 ${time} over the seeds that grokked` },
    lateGapMedian: { title: 'Late gap (median)', tooltip: 'Median over seeds of the late-stage λ₂/λ₃' },
    separation: { title: 'Separation', tooltip: 'Late gap (median) of this condition ÷ that of the reference condition' },
    leadingRatioMedian: { title: 'Late λ₁/λ₂ (median)', tooltip: 'Median over seeds of the late-stage λ₁/λ₂' },
    largestGapSeeds: { title: 'Largest-gap position j*', tooltip: 'The most common per-seed largest-gap position j* (the "rank" of arXiv 2605.08119) and how many seeds have it, of all seeds' },
    energyRankMedian: { title: 'Energy rank (median)', tooltip: 'Median over seeds of the late-stage energy rank (number of λ_k carrying 99 % of Σλ)' },
  };
}

/** One row of the per-seed table. */
export interface SeedTableRow {
  condition: string;
  seed: number;
  /** The numbers. */
  summary: SeedSummary;
  /** Late-stage rank readings of the update spectrum, from the records. */
  rankReadings: SeedRankReadings;
  /** Display strings per column. */
  cells: Record<SeedColumn, string>;
}

/** One row of the per-condition table. */
export interface ConditionTableRow {
  condition: string;
  /** The numbers. */
  summary: ConditionSummary;
  /** lateGapMedian ÷ that of the reference condition; null for the reference itself or when unknown. */
  separation: number | null;
  /** Rank readings over the condition's seeds. */
  rankReadings: ConditionRankReadings;
  /** Display strings per column. */
  cells: Record<ConditionColumn, string>;
}

/** One ordered pair of conditions and their separation (numerator listed before denominator). */
export interface SeparationRow {
  numerator: string;
  denominator: string;
  ratio: number | null;
  /** E.g. "grok ÷ control: 4.00×". */
  text: string;
}

/** Both tables of one run. */
export interface SummaryTables {
  runId: string;
  /** `final`: from summary.json; `live`: computed from the records and events received so far. */
  source: 'final' | 'live';
  /** The run's time unit ({@link tableTimeUnit}): the words of `columns` and `note`. */
  timeUnit: RunTimeUnit;
  /** Header text and tooltip of each column, in the run's time words. */
  columns: Record<SeedColumn | ConditionColumn, ColumnTitle>;
  /** Note to show under the tables when some numbers are approximate, else null. */
  note: string | null;
  seeds: SeedTableRow[];
  conditions: ConditionTableRow[];
  /** The condition the `separation` column divides by (the last one), or null with fewer than two conditions. */
  separationReference: string | null;
  /** Every comparable pair of conditions once ({@link isComparablePair}), in condition order. */
  separations: SeparationRow[];
}

/** The text of a missing value. */
export const MISSING = '—';

/** An epoch, or a median of epochs (which may end in .5). */
export function formatEpoch(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return MISSING;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** A signed epoch difference: "+12", "−40" (a true minus sign), "0". */
export function formatSignedEpochs(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return MISSING;
  if (value > 0) return `+${formatEpoch(value)}`;
  if (value < 0) return `\u2212${formatEpoch(-value)}`;
  return '0';
}

/**
 * A statistic of epochs or counts (e.g. a median energy rank): an integer as it is, else at most two
 * decimals without trailing zeros (quartiles of integers end in .25, .5 or .75: "11.25", not a
 * rounded "11.3").
 */
export function formatStatistic(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return MISSING;
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
}

/** A seed's largest-gap position with the share of its late-stage epochs at it: "2 (64 %)". */
export function formatLargestGap(readings: Pick<SeedRankReadings, 'largestGapPosition' | 'largestGapShare'>): string {
  const { largestGapPosition: position, largestGapShare: share } = readings;
  if (position === null || share === null) return MISSING;
  return `${position} (${Math.round(share * 100)} %)`;
}

/** A condition's most common largest-gap position and its seeds, of all: "2 in 14/15 seeds". */
export function formatLargestGapSeeds(readings: Pick<ConditionRankReadings, 'largestGapPosition'>, seedCount: number): string {
  const { position, seeds } = readings.largestGapPosition;
  return position === null ? MISSING : `${position} in ${seeds}/${plural(seedCount, 'seed')}`;
}

/** A ratio-like quantity (gap λ₂/λ₃, separation, accuracy): fixed decimals, exponent outside [1e-3, 1e5). */
export function formatQuantity(value: number | null, digits = 2): string {
  if (value === null || !Number.isFinite(value)) return MISSING;
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential(digits);
  return value.toFixed(digits);
}

/**
 * The config a condition ran with: run.json's (complete, because readers upgrade older manifests,
 * src/shared/runFormatUpgrade.ts), else its seeds' assignment files'; undefined when neither says
 * (docs/run-format.md §9): never a default passed off as the run's.
 */
export function conditionConfig(source: Pick<SummaryTableSource, 'manifest' | 'assignedConfigs'>, condition: string): RunConfig | undefined {
  return source.manifest?.conditions.find((entry) => entry.name === condition)?.config ?? source.assignedConfigs?.[condition];
}

/** The detector settings and late-stage range a condition's numbers depend on, or undefined when unknown. The report uses the same. */
export function eigengapSettings(source: Pick<SummaryTableSource, 'manifest' | 'assignedConfigs'>, condition: string): { detector: DetectorConfig; lateStage: [number, number] } | undefined {
  const config = conditionConfig(source, condition);
  if (!config) return undefined;
  const { detector, lateStage } = config.diagnostics.eigengap;
  return { detector: { ...detector }, lateStage: [lateStage[0], lateStage[1]] };
}

/** The condition order: the manifest's, then any other condition seen in the seeds. */
function conditionOrder(source: SummaryTableSource): string[] {
  const order = source.manifest ? source.manifest.conditions.map((condition) => condition.name) : [];
  for (const seed of source.seeds) if (!order.includes(seed.condition)) order.push(seed.condition);
  return order;
}

/** Seed summaries from the records and events received so far. */
function liveSeedSummaries(source: SummaryTableSource): SeedSummary[] {
  return source.seeds.map((seed) => {
    const settings = eigengapSettings(source, seed.condition);
    const summary = summarizeSeed({ condition: seed.condition, seed: seed.seed, status: seed.status, records: seed.records, detector: settings?.detector, lateStage: settings?.lateStage });
    // The worker writes each milestone and the detector fire as an event from every row, so an
    // event is exact where decimated records may have skipped the first epoch that qualified.
    for (const event of source.events) {
      if (event.condition !== seed.condition || event.seed !== seed.seed) continue;
      if (event.type === 'milestone') {
        const field = MILESTONE_FIELDS[event.milestone];
        const known = summary[field];
        if (known === null || event.epoch < known) summary[field] = event.epoch;
      } else if (event.type === 'detectorFired') {
        if (summary.detectorEpoch === null || event.epoch < summary.detectorEpoch) summary.detectorEpoch = event.epoch;
      }
    }
    summary.detectorLead = summary.detectorEpoch !== null && summary.grokEpoch99 !== null ? summary.detectorEpoch - summary.grokEpoch99 : null;
    return summary;
  });
}

function seedRow(summary: SeedSummary, rankReadings: SeedRankReadings): SeedTableRow {
  return {
    condition: summary.condition,
    seed: summary.seed,
    summary,
    rankReadings,
    cells: {
      condition: summary.condition,
      seed: String(summary.seed),
      status: summary.status,
      epoch: formatEpoch(summary.epochs),
      memorized: formatEpoch(summary.memorizedEpoch),
      grok50: formatEpoch(summary.grokEpoch50),
      grok95: formatEpoch(summary.grokEpoch95),
      grok98: formatEpoch(summary.grokEpoch98),
      grok99: formatEpoch(summary.grokEpoch99),
      detector: formatEpoch(summary.detectorEpoch),
      leadLag: formatSignedEpochs(summary.detectorLead),
      lateGap: formatQuantity(summary.lateGap),
      leadingRatio: formatQuantity(rankReadings.leadingRatio),
      largestGap: formatLargestGap(rankReadings),
      energyRank: formatStatistic(rankReadings.energyRank),
      testAcc: formatQuantity(summary.finalTestAcc, 3),
    },
  };
}

function conditionRow(summary: ConditionSummary, reference: ConditionSummary | null, rankReadings: ConditionRankReadings): ConditionTableRow {
  const separation =
    reference && reference !== summary && summary.lateGapMedian !== null && reference.lateGapMedian !== null && reference.lateGapMedian !== 0
      ? summary.lateGapMedian / reference.lateGapMedian
      : null;
  const iqr = summary.detectorEpochIqr;
  return {
    condition: summary.condition,
    summary,
    separation,
    rankReadings,
    cells: {
      condition: summary.condition,
      fired: `${summary.firedCount}/${summary.seedCount}`,
      detectorMedian: formatEpoch(summary.detectorEpochMedian),
      detectorIqr: iqr ? `${formatEpoch(iqr[0])}–${formatEpoch(iqr[1])}` : MISSING,
      grokked: `${summary.grokkedCount}/${summary.seedCount}`,
      grok99Median: formatEpoch(summary.grokEpoch99Median),
      lateGapMedian: formatQuantity(summary.lateGapMedian),
      separation: reference === null ? MISSING : reference === summary ? 'reference' : separation === null ? MISSING : `${formatQuantity(separation)}×`,
      leadingRatioMedian: formatQuantity(rankReadings.leadingRatio.median),
      largestGapSeeds: formatLargestGapSeeds(rankReadings, summary.seedCount),
      energyRankMedian: formatStatistic(rankReadings.energyRank.median),
    },
  };
}

/** Each seed's late-stage rank readings from the records the source holds (a seed without records: every reading null). */
function rankReadingsBySeed(source: SummaryTableSource): (condition: string, seed: number) => SeedRankReadings {
  const records = new Map(source.seeds.map((entry) => [`${entry.condition}/${entry.seed}`, entry.records]));
  const lateStages = new Map<string, readonly [number, number] | undefined>();
  return (condition, seed) => {
    if (!lateStages.has(condition)) lateStages.set(condition, eigengapSettings(source, condition)?.lateStage);
    return seedRankReadings(records.get(`${condition}/${seed}`) ?? [], lateStages.get(condition));
  };
}

/** What decimated records make approximate: the rank readings always, the late gap until summary.json. */
function decimationNote(final: boolean): string {
  return final
    ? 'λ₁/λ₂, the largest-gap position and the energy rank are over the decimated rows of long seeds (approximate; the report reads every row).'
    : 'Late gaps, λ₁/λ₂, largest-gap positions and energy ranks are over the decimated rows of long seeds (approximate; the late gap until summary.json is written).';
}

/**
 * The per-seed and per-condition tables of a run: from summary.json once the run has ended, else
 * from its records and events so far (see the module comment).
 */
export function summaryTables(source: SummaryTableSource): SummaryTables {
  const final = source.summary !== null && source.status !== 'running' ? source.summary : null;
  const order = conditionOrder(source);
  const summary = final ?? summarizeRun(source.runId, order, liveSeedSummaries(source));
  const reference = summary.conditions.length >= 2 ? (summary.conditions.at(-1) as ConditionSummary) : null;
  const position = (condition: string) => summary.conditions.findIndex((entry) => entry.condition === condition);
  const manifestCondition = (name: string) => source.manifest?.conditions.find((condition) => condition.name === name);
  const separations = summary.separation
    .filter((pair) => position(pair.numerator) < position(pair.denominator))
    .filter((pair) => isComparablePair(manifestCondition(pair.numerator), manifestCondition(pair.denominator)))
    .map((pair) => ({ ...pair, text: `${pair.numerator} ÷ ${pair.denominator}: ${pair.ratio === null ? MISSING : `${formatQuantity(pair.ratio)}×`}` }));
  const decimated = source.seeds.some((seed) => seed.decimation !== undefined);
  const rankReadingsOf = rankReadingsBySeed(source);
  const seeds = summary.seeds.map((seed) => seedRow(seed, rankReadingsOf(seed.condition, seed.seed)));
  const conditionReadings = (condition: string) => conditionRankReadings(seeds.filter((row) => row.condition === condition).map((row) => row.rankReadings));
  const timeUnit = tableTimeUnit(source);
  return {
    runId: source.runId,
    source: final ? 'final' : 'live',
    timeUnit,
    columns: columnTitles(timeWords(timeUnit)),
    note: decimated ? decimationNote(final !== null) : null,
    seeds,
    conditions: summary.conditions.map((condition) => conditionRow(condition, reference, conditionReadings(condition.condition))),
    separationReference: reference?.condition ?? null,
    separations,
  };
}
