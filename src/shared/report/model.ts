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
 * Conventions: an epoch is a row number (docs/science.md §4); every median and IQR is over the seeds that
 * have a value (numpy's linear interpolation, src/shared/statistics.ts), with `count` saying how many
 * they are; a missing value is null, never a zero; a Theorem-6 checkpoint where the check does not
 * apply (η = 0) has no statistics at all, never a number.
 */
import type { RunConfig } from '../config/types';
import { conditionConfig, eigengapSettings, summaryTables } from '../dashboard/summaryTable';
import type { EpochRecord, MilestoneName, RepulsionEvent, RunEvent, RunManifest, RunStatus, RunSummary, SeedStatus, SeedSummary } from '../runFormat';
import { type ConditionRankReadings, type SeedRankReadings, conditionRankReadings, seedRankReadings } from '../spectrumRank';
import { type SeedStatistic, seedStatistic } from '../statistics';
import { plural } from '../text';
import { isTransformerConfig, lastRowOf } from '../config/modelKind';

export { type SeedStatistic, seedStatistic } from '../statistics';

/**
 * Version of the report's JSON shape; a new field may be added without a change, a renamed or
 * removed one changes it. 2: `effectiveRank` became `energyRank` (it is not the papers' rank), next
 * to the largest-gap position and λ₁/λ₂.
 */
export const REPORT_VERSION = 2;

/** The grok threshold that lead/lag is measured against: test accuracy ≥ 0.99, as in the dashboard's "Fire − grok" column. */
export const LEAD_LAG_GROK_THRESHOLD = 0.99;

/** docs/science.md §7: a seed's spectral edge "declined" before grokking when this ratio is exceeded. */
export const DECLINE_RATIO_THRESHOLD = 1.5;

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
  /** The papers' η; null when run.json is missing. */
  weightDecay: number | null;
  activation: string | null;
  optimizer: string | null;
  epochs: number | null;
  /** Null when the run folder does not say (no run.json, no assignment file): never a default passed off as the run's. */
  detector: { threshold: number; lag: number; warmup: number } | null;
  /** [from, to] epochs of the late-stage window (late gap, λ₁/λ₂, largest-gap position, energy rank); null when unknown. */
  lateStage: [number, number] | null;
}

/** Milestones of docs/science.md §4, in display order. */
export const REPORT_MILESTONES: readonly MilestoneName[] = ['memorized', 'grok50', 'grok95', 'grok99'];

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
  /** First epoch of each milestone: `memorized` (train accuracy = 1), `grok50`/`grok95`/`grok99` (test accuracy ≥ 0.5/0.95/0.99); `count` = seeds that reached it. */
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
  grokEpoch99: number | null;
  detectorEpoch: number | null;
  /** detectorEpoch − grokEpoch99. */
  leadLag: number | null;
  /** Median λ₂/λ₃ over the late-stage window. */
  lateGap: number | null;
  finalTestAcc: number | null;
  spectralEdge: SeedDecline;
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
    weightDecay: config?.optimizer.weightDecay ?? null,
    activation: config ? (isTransformerConfig(config) ? 'transformer' : config.model.activation) : null,
    optimizer: config?.optimizer.name ?? null,
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
 */
export function spectralEdgeDecline(records: readonly EpochRecord[], window: number | undefined): SeedDecline {
  const grokIndex = records.findIndex((record) => record.testAcc >= DECLINE_GROK_THRESHOLD);
  const none: SeedDecline = { grokEpoch95: null, peakG23: null, peakEpoch: null, g23AtGrok: null, ratio: null, declined: null };
  if (grokIndex < 0 || window === undefined) return none;
  const grokRecord = records[grokIndex];
  const fullWindowG23 = (record: EpochRecord): number | null =>
    record.epoch >= window && typeof record.g23 === 'number' && Number.isFinite(record.g23) ? record.g23 : null;
  let peakG23: number | null = null;
  let peakEpoch: number | null = null;
  for (const record of records.slice(0, grokIndex)) {
    const value = fullWindowG23(record);
    if (value !== null && (peakG23 === null || value > peakG23)) {
      peakG23 = value;
      peakEpoch = record.epoch;
    }
  }
  const atGrok = fullWindowG23(grokRecord);
  const ratio = peakG23 !== null && atGrok !== null && atGrok > 0 ? peakG23 / atGrok : null;
  return { grokEpoch95: grokRecord.epoch, peakG23, peakEpoch, g23AtGrok: atGrok, ratio, declined: ratio === null ? null : ratio > DECLINE_RATIO_THRESHOLD };
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

/** "seed 2 failed at epoch 15 (worker exited with code 1)". */
function describeIncomplete(seed: ConditionReport['incompleteSeeds'][number]): string {
  const where = seed.lastEpoch === null ? ' before its first row' : ` at epoch ${seed.lastEpoch}`;
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
    const spectralEdgeWindow = conditionConfig(input, condition)?.diagnostics.spectralEdge.window;
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
          grokEpoch99: summary?.grokEpoch99 ?? null,
          detectorEpoch: summary?.detectorEpoch ?? null,
          leadLag: summary?.detectorLead ?? null,
          lateGap: summary?.lateGap ?? null,
          // The dashboard table's readings; from the rows here for a seed summary.json does not list.
          ...(row?.rankReadings ?? seedRankReadings(seed.records, settings.lateStage ?? undefined)),
          finalTestAcc: summary?.finalTestAcc ?? (last ? last.testAcc : null),
          spectralEdge: spectralEdgeDecline(seed.records, spectralEdgeWindow),
        };
      });
    const incompleteSeeds = seeds
      .filter((seed) => seed.status !== 'completed')
      .map((seed) => ({ seed: seed.seed, status: seed.status, lastEpoch: seed.lastEpoch, message: seed.message }));
    if (incompleteSeeds.length > 0) {
      notes.push(`${condition}: ${incompleteSeeds.map(describeIncomplete).join('; ')}. ${incompleteSeeds.length === 1 ? 'It is' : 'They are'} counted in every "x of n", with the rows written.`);
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
    };
  });

  return {
    reportVersion: REPORT_VERSION,
    run: runFacts(input),
    source: tables.source,
    notes,
    leadLagGrokThreshold: LEAD_LAG_GROK_THRESHOLD,
    conditions,
    separations: tables.separations.map(({ numerator, denominator, ratio }) => ({ numerator, denominator, ratio })),
  };
}
