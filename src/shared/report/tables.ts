/**
 * The report's tables as text cells: one layout for the terminal, Markdown and HTML renderers, so
 * the three show the same rows, headers and notes. Numbers are formatted with the dashboard table's
 * functions (src/shared/dashboard/summaryTable.ts), so a value reads the same everywhere. Pure.
 */
import { MISSING, formatEpoch, formatLargestGap, formatLargestGapSeeds, formatQuantity, formatSignedEpochs, formatStatistic } from '../dashboard/summaryTable';
import type { MilestoneName } from '../runFormat';
import { rankReadingNotes } from '../spectrumRank';
import { GROK_THRESHOLDS } from '../summary';
import { type TimeWords, timeWords } from '../timeUnit';
import type { SedRatioPeak } from '../summary';
import type { ConditionReport, RepulsionCheckpoint, RunReport, SeedStatistic } from './model';
import { DECLINE_GROK_THRESHOLD, DECLINE_RATIO_THRESHOLD, INTERVENTION_GROK_THRESHOLD, REPORT_MILESTONES } from './model';

/** One column: its header and how its cells align (numbers right). */
export interface ReportColumn {
  title: string;
  align: 'left' | 'right';
}

/** One table of the report. */
export interface ReportTable {
  /** Stable id (HTML anchors, tests). */
  id: 'conditions' | 'detector' | 'milestones' | 'spectrum' | 'spectralEdge' | 'separation' | 'repulsion' | 'seeds' | 'grokSteps' | 'operations' | 'intervention' | 'sedPeaks';
  title: string;
  columns: ReportColumn[];
  /** Display strings, one per column. */
  rows: string[][];
  /** Plain sentences under the table: definitions and caveats. */
  notes: string[];
}

/** The whole report as text: a title, facts about the run, notes, tables. */
export interface ReportDocument {
  title: string;
  /** [label, value] pairs about the run. */
  facts: [string, string][];
  /** Run-level notes (still running, seeds that did not complete, …). */
  notes: string[];
  tables: ReportTable[];
}

function milestoneLabel(milestone: MilestoneName): string {
  return milestone === 'memorized' ? 'memorised (train acc. = 1)' : `grok (test acc. ≥ ${GROK_THRESHOLDS[milestone]})`;
}

/** The words of the report's time unit: "epoch", "step", or "epoch/step" for a run with both (src/shared/timeUnit.ts). */
function wordsOf(report: RunReport): TimeWords {
  return timeWords(report.timeUnit);
}

export { formatStatistic };

/** "11.5–13" for an IQR of epochs (or steps). */
export function formatEpochRange(range: [number, number] | null): string {
  return range ? `${formatStatistic(range[0])}–${formatStatistic(range[1])}` : MISSING;
}

/** A signed epoch difference with the statistic's precision: "+12", "−6.5" (a true minus sign). */
function formatSignedStatistic(value: number): string {
  if (value > 0) return `+${formatStatistic(value)}`;
  if (value < 0) return `\u2212${formatStatistic(-value)}`;
  return '0';
}

/** A signed IQR of epoch differences: "−7–−5" reads badly, so "−7 to −5". */
function formatSignedRange(range: [number, number] | null): string {
  return range ? `${formatSignedStatistic(range[0])} to ${formatSignedStatistic(range[1])}` : MISSING;
}

function formatQuantityRange(range: [number, number] | null, digits: number): string {
  return range ? `${formatQuantity(range[0], digits)}–${formatQuantity(range[1], digits)}` : MISSING;
}

/** A share in [0, 1] to four decimals without trailing zeros ("0.9925", "0.7", "1"): the quartiles of a few seeds' shares need the fourth. */
export function formatShareValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return MISSING;
  return value.toFixed(4).replace(/\.?0+$/, '');
}

/** "0.7 (0.65–0.75)": median and IQR of a share. */
function formatShare(statistic: SeedStatistic): string {
  if (statistic.median === null) return MISSING;
  const range = statistic.iqr ? `${formatShareValue(statistic.iqr[0])}–${formatShareValue(statistic.iqr[1])}` : MISSING;
  return `${formatShareValue(statistic.median)} (${range})`;
}

function countOf(count: number, of: number): string {
  return `${count}/${of}`;
}

/** A weight decay as written in experiment files: 0, 2e-4, 0.001. */
export function formatWeightDecay(value: number | null): string {
  if (value === null) return MISSING;
  if (value === 0) return '0';
  return Math.abs(value) < 1e-3 ? value.toExponential().replace('e+', 'e') : String(value);
}

/** Seeds as ranges: "0–14", "0–2, 7". */
export function formatSeedList(seeds: readonly number[]): string {
  const sorted = [...new Set(seeds)].sort((left, right) => left - right);
  const parts: string[] = [];
  for (let index = 0; index < sorted.length; index++) {
    const start = sorted[index];
    while (index + 1 < sorted.length && sorted[index + 1] === sorted[index] + 1) index++;
    parts.push(start === sorted[index] ? String(start) : `${start}–${sorted[index]}`);
  }
  return parts.length > 0 ? parts.join(', ') : MISSING;
}

/** The model column: the activation of an MLP, the model of a Transformer ("transformer 2×128"); titled for what it holds. */
function modelColumnTitle(report: RunReport): string {
  const kinds = new Set(report.conditions.map((condition) => condition.settings.modelKind));
  if (!kinds.has('transformer')) return 'Activation';
  return kinds.has('mlp') ? 'Activation or model' : 'Model';
}

function conditionsTable(report: RunReport): ReportTable {
  const words = wordsOf(report);
  return {
    id: 'conditions',
    title: 'Conditions',
    columns: [
      { title: 'Condition', align: 'left' },
      { title: modelColumnTitle(report), align: 'left' },
      { title: 'Optimiser', align: 'left' },
      { title: 'η (weight decay)', align: 'right' },
      { title: words.titlePlural, align: 'right' },
      { title: 'Seeds completed', align: 'right' },
      { title: 'Detector (threshold, lag, warm-up)', align: 'right' },
      { title: 'Late stage', align: 'right' },
    ],
    rows: report.conditions.map((condition) => {
      const { settings } = condition;
      return [
        condition.condition,
        (settings.modelKind === 'transformer' ? settings.model : settings.activation) ?? MISSING,
        settings.optimizer ?? MISSING,
        formatWeightDecay(settings.weightDecay),
        settings.epochs === null ? MISSING : String(settings.epochs),
        countOf(condition.completedCount, condition.seedCount),
        settings.detector ? `${settings.detector.threshold}, ${settings.detector.lag}, ${settings.detector.warmup}` : 'unknown',
        settings.lateStage ? `${settings.lateStage[0]}–${settings.lateStage[1]}` : 'unknown',
      ];
    }),
    notes: report.timeUnit === 'mixed' ? [`${words.titlePlural}: epochs for the MLP conditions, steps for the Transformer ones, here and in every table below.`] : [],
  };
}

function detectorTable(report: RunReport): ReportTable {
  const threshold = report.leadLagGrokThreshold;
  const { singular: time, plural: times } = wordsOf(report);
  return {
    id: 'detector',
    title: 'Lock-in detector and grokking',
    columns: [
      { title: 'Condition', align: 'left' },
      { title: 'Fired', align: 'right' },
      { title: `Fire ${time} (median)`, align: 'right' },
      { title: `Fire ${time} (IQR)`, align: 'right' },
      { title: `Grokked (≥ ${threshold})`, align: 'right' },
      { title: `Fire − grok ≥ ${threshold} (median)`, align: 'right' },
      { title: 'Fire − grok (IQR)', align: 'right' },
      { title: 'Late gap λ₂/λ₃ (median)', align: 'right' },
      { title: 'Late gap (IQR)', align: 'right' },
    ],
    rows: report.conditions.map((condition) => [
      condition.condition,
      countOf(condition.detectorEpoch.count, condition.seedCount),
      formatEpoch(condition.detectorEpoch.median),
      formatEpochRange(condition.detectorEpoch.iqr),
      countOf(condition.milestones.grok99.count, condition.seedCount),
      formatSignedEpochs(condition.leadLag.median),
      formatSignedRange(condition.leadLag.iqr),
      formatQuantity(condition.lateGap.median),
      formatQuantityRange(condition.lateGap.iqr, 2),
    ]),
    notes: [
      `Fired: seeds in which the detector fired (slope of ln λ₂/λ₃ above the threshold after the warm-up, docs/science.md §5), of all seeds; the fire ${time} is over those seeds.`,
      `Fire − grok: the detector ${time} minus the first ${time} with test accuracy ≥ ${threshold}, per seed with both (negative: the detector fired first, a lead; positive: a lag).`,
      `Late gap: per seed the median of λ₂/λ₃ (eigenvalues of the update Gram) over the late-stage ${times}, then the median over seeds.`,
    ],
  };
}

function milestonesTable(report: RunReport): ReportTable {
  const words = wordsOf(report);
  const rows = report.conditions.flatMap((condition) =>
    REPORT_MILESTONES.map((milestone) => {
      const statistic = condition.milestones[milestone];
      return [condition.condition, milestoneLabel(milestone), countOf(statistic.count, condition.seedCount), formatEpoch(statistic.median), formatEpochRange(statistic.iqr)];
    }),
  );
  return {
    id: 'milestones',
    title: `Milestones (first ${words.singular})`,
    columns: [
      { title: 'Condition', align: 'left' },
      { title: 'Milestone', align: 'left' },
      { title: 'Reached', align: 'right' },
      { title: `${words.title} (median)`, align: 'right' },
      { title: `${words.title} (IQR)`, align: 'right' },
    ],
    rows,
    notes: [
      `Median and IQR over the seeds that reached the milestone; a run "groks" when test accuracy reaches 0.99 (docs/science.md §4). Test accuracy ≥ 0.98 is the Transformer reference's early-stop threshold.`,
    ],
  };
}

function spectrumTable(report: RunReport): ReportTable {
  const lateStages = [...new Set(report.conditions.flatMap((condition) => (condition.settings.lateStage ? [`${condition.settings.lateStage[0]}–${condition.settings.lateStage[1]}`] : [])))];
  return {
    id: 'spectrum',
    title: 'Late-stage update spectrum: largest-gap position and energy rank',
    columns: [
      { title: 'Condition', align: 'left' },
      { title: 'Largest-gap position j*', align: 'right' },
      { title: 'λ₁/λ₂ (median)', align: 'right' },
      { title: 'λ₁/λ₂ (IQR)', align: 'right' },
      { title: 'λ₂/λ₃ (median)', align: 'right' },
      { title: 'Energy rank, 99 % of Σλ (median)', align: 'right' },
      { title: 'Energy rank (IQR)', align: 'right' },
    ],
    rows: report.conditions.map((condition) => [
      condition.condition,
      formatLargestGapSeeds(condition, condition.seedCount),
      formatQuantity(condition.leadingRatio.median),
      formatQuantityRange(condition.leadingRatio.iqr, 2),
      formatQuantity(condition.lateGap.median),
      formatStatistic(condition.energyRank.median),
      formatEpochRange(condition.energyRank.iqr),
    ]),
    notes: [
      `λ: eigenvalues of the Gram of the last w first-layer updates (squared singular values). λ₁/λ₂, λ₂/λ₃ (the late gap) and the energy rank: per seed the median over the late-stage ${wordsOf(report).plural} (${lateStages.join(', ') || 'unknown'}), then the median over seeds.`,
      ...rankReadingNotes(wordsOf(report)),
    ],
  };
}

function spectralEdgeTable(report: RunReport): ReportTable {
  const words = wordsOf(report);
  const transformer = report.conditions.some((condition) => condition.transformer);
  const reasons = report.conditions.flatMap((condition) => (condition.transformer?.spectralEdge.reason ? [`${condition.condition}: ${condition.transformer.spectralEdge.reason}.`] : []));
  return {
    id: 'spectralEdge',
    title: 'Spectral-edge decline before grokking',
    columns: [
      { title: 'Condition', align: 'left' },
      { title: 'Spectral edge declined', align: 'right' },
      { title: 'Decline ratio (median)', align: 'right' },
      { title: 'Decline ratio (IQR)', align: 'right' },
      ...(transformer
        ? ([
            { title: 'R before grokking (median)', align: 'right' },
            { title: 'R at grokking (median)', align: 'right' },
            { title: 'k* at the end', align: 'right' },
          ] satisfies ReportColumn[])
        : []),
    ],
    rows: report.conditions.map((condition) => {
      const decline = condition.spectralEdgeDecline;
      const row = [condition.condition, `${decline.declinedCount}/${decline.evaluatedCount}`, formatQuantity(decline.ratio.median), formatQuantityRange(decline.ratio.iqr, 2)];
      if (!transformer) return row;
      const edge = condition.transformer?.spectralEdge;
      if (!edge) return [...row, MISSING, MISSING, MISSING];
      if (edge.reason) row[1] = 'undefined (no grok step)';
      const kStar = edge.kStarEnd.value === null ? MISSING : `k* = ${edge.kStarEnd.value} in ${edge.kStarEnd.count}/${edge.kStarEnd.of}`;
      return [...row, formatQuantity(edge.rBeforeGrok.median), formatQuantity(edge.rAtGrok.median), kStar];
    }),
    notes: [
      `Spectral-edge decline (docs/science.md §7, arXiv 2603.28964): per seed, the largest g₂₃ = σ₂² − σ₃² before the first ${words.singular} with test accuracy ≥ ${DECLINE_GROK_THRESHOLD}, divided by g₂₃ at that ${words.singular}; "declined" when above ${DECLINE_RATIO_THRESHOLD}. Counted as declined / seeds with a ratio (seeds that never reach ${DECLINE_GROK_THRESHOLD} have none).`,
      ...(transformer
        ? [
            `Transformer (docs/science.md §12.4): only full windows count (step ≥ window · snapshotEvery); g₂₃ and R "at grokking" are those of the last full window ending at or before the grok step (≥ ${DECLINE_GROK_THRESHOLD}). R = σ_k*/σ_k*+1: "before grokking" is per seed the mean over the full windows before the grok step (R_early), "at grokking" that of the grok window (R_grok), each then the median over seeds; k* at the end (k*_term): the most common k* of the seeds' last full window, in how many of the seeds with one.`,
            ...reasons,
          ]
        : []),
    ],
  };
}

/** "12.3 @ 1400": an R̄ peak and the step it describes. */
function formatPeak(peak: SedRatioPeak | null): string {
  return peak ? `${formatQuantity(peak.value)} @ ${peak.epoch}` : MISSING;
}

/** "120 (90–150)": median and IQR of a quantity. */
function formatQuantityStatistic(statistic: SeedStatistic): string {
  if (statistic.median === null) return MISSING;
  return `${formatQuantity(statistic.median)} (${formatQuantityRange(statistic.iqr, 2)})`;
}

function transformerConditions(report: RunReport): ConditionReport[] {
  return report.conditions.filter((condition) => condition.transformer);
}

/** Per seed of every Transformer condition: its grok steps and early stop (docs/science.md §12.3). */
function grokStepsTable(report: RunReport): ReportTable | null {
  const conditions = transformerConditions(report);
  if (conditions.length === 0) return null;
  return {
    id: 'grokSteps',
    title: 'Grok steps per seed (Transformer)',
    columns: [
      { title: 'Condition', align: 'left' },
      { title: 'Seed', align: 'right' },
      { title: 'Memorised', align: 'right' },
      { title: 'Grok ≥ 0.5', align: 'right' },
      { title: 'Grok ≥ 0.95', align: 'right' },
      { title: 'Grok ≥ 0.98', align: 'right' },
      { title: 'Grok ≥ 0.99', align: 'right' },
      { title: 'Early stop', align: 'right' },
      { title: 'Last step', align: 'right' },
      { title: 'R before grokking', align: 'right' },
      { title: 'R at grokking', align: 'right' },
      { title: 'k* at the end', align: 'right' },
    ],
    rows: conditions.flatMap((condition) =>
      condition.seeds.map((seed) => [
        condition.condition,
        String(seed.seed),
        formatEpoch(seed.memorizedEpoch),
        formatEpoch(seed.grokEpoch50),
        formatEpoch(seed.grokEpoch95),
        formatEpoch(seed.grokEpoch98),
        formatEpoch(seed.grokEpoch99),
        seed.transformer?.earlyStopStep === null || seed.transformer === undefined ? 'no' : String(seed.transformer.earlyStopStep),
        formatEpoch(seed.lastEpoch),
        formatQuantity(seed.transformer?.spectralEdge.rBeforeGrok ?? null),
        formatQuantity(seed.transformer?.spectralEdge.rAtGrok ?? null),
        seed.transformer?.spectralEdge.kStarEnd === null || seed.transformer === undefined ? MISSING : String(seed.transformer.spectralEdge.kStarEnd),
      ]),
    ),
    notes: [
      'The first step with train accuracy 1 (memorised) and with test accuracy ≥ x (a multitask row\'s accuracy is its smallest head\'s). Early stop: the last record of a seed that stopped before its steps (every head ≥ the early-stop accuracy on consecutive evaluations, docs/science.md §12.3); "no" when it ran them all.',
      'R before grokking: mean R = σ_k*/σ_k*+1 over the full windows before the first step with test accuracy ≥ 0.95; R at grokking: R of the last full window ending at or before it; k* at the end: k* of the last full window.',
    ],
  };
}

/** Per operation of a multitask Transformer seed: the first step its head reaches 0.95 and 0.98, and its R̄ peaks. */
function operationsTable(report: RunReport): ReportTable | null {
  const conditions = transformerConditions(report).filter((condition) => (condition.transformer?.operations.length ?? 0) > 0);
  if (conditions.length === 0) return null;
  const sed = conditions.some((condition) => condition.seeds.some((seed) => seed.transformer?.operations.some((entry) => entry.updateSedPeak || entry.gradientSedPeak)));
  return {
    id: 'operations',
    title: 'Grok steps per operation (multitask)',
    columns: [
      { title: 'Condition', align: 'left' },
      { title: 'Seed', align: 'right' },
      { title: 'Operation', align: 'left' },
      { title: 'Test acc. ≥ 0.95', align: 'right' },
      { title: 'Test acc. ≥ 0.98', align: 'right' },
      ...(sed
        ? ([
            { title: 'Update-SED R̄ peak @ step', align: 'right' },
            { title: 'Gradient-SED R̄ peak @ step', align: 'right' },
          ] satisfies ReportColumn[])
        : []),
    ],
    rows: conditions.flatMap((condition) =>
      condition.seeds.flatMap((seed) =>
        (seed.transformer?.operations ?? []).map((entry) => [
          condition.condition,
          String(seed.seed),
          entry.operation,
          formatEpoch(entry.grokStep95),
          formatEpoch(entry.grokStep98),
          ...(sed ? [formatPeak(entry.updateSedPeak), formatPeak(entry.gradientSedPeak)] : []),
        ]),
      ),
    ),
    notes: ["The first step at which the operation's own head reaches the test accuracy (its entry of `operations`); the row's milestones are those of the smallest head."],
  };
}

/** The intervention's conditions (docs/science.md §12.5): grok step per mode and the speed-up over mode none. */
function interventionTable(report: RunReport): ReportTable | null {
  const conditions = transformerConditions(report);
  if (!conditions.some((condition) => condition.transformer?.interventionMode !== 'none')) return null;
  const baseline = conditions.find((condition) => condition.transformer?.speedUpBaseline)?.transformer?.speedUpBaseline ?? null;
  return {
    id: 'intervention',
    title: 'Gradient-projection intervention',
    columns: [
      { title: 'Condition', align: 'left' },
      { title: 'Mode', align: 'left' },
      { title: `Grokked (≥ ${INTERVENTION_GROK_THRESHOLD})`, align: 'right' },
      { title: 'Grok step (median)', align: 'right' },
      { title: 'Grok step (IQR)', align: 'right' },
      { title: 'Stopped early', align: 'right' },
      { title: 'Early-stop step (median)', align: 'right' },
      { title: 'Speed-up', align: 'right' },
    ],
    rows: conditions.map((condition) => {
      const transformer = condition.transformer;
      if (!transformer) return [];
      return [
        condition.condition,
        transformer.interventionMode,
        countOf(transformer.grokStep.count, condition.seedCount),
        formatEpoch(transformer.grokStep.median),
        formatEpochRange(transformer.grokStep.iqr),
        countOf(transformer.earlyStopStep.count, condition.seedCount),
        formatEpoch(transformer.earlyStopStep.median),
        transformer.speedUp === null ? MISSING : `${formatQuantity(transformer.speedUp)}×`,
      ];
    }),
    notes: [
      `Grok step: the first step with test accuracy ≥ ${INTERVENTION_GROK_THRESHOLD} (the reference's early-stop accuracy; every head for a multitask run), median and IQR over the seeds that reached it. Early-stop step: the last record of the seeds that stopped early (≥ ${INTERVENTION_GROK_THRESHOLD} on consecutive evaluations), a few evaluations after the grok step.`,
      baseline
        ? `Speed-up: the median grok step of ${baseline} (mode none) ÷ the condition's; above 1 the condition grokked sooner.`
        : 'No condition has mode none: no speed-up.',
    ],
  };
}

/** R̄ peaks of update-SED and gradient-SED (docs/science.md §12.6), per condition and per operation. */
function sedPeaksTable(report: RunReport): ReportTable | null {
  const conditions = transformerConditions(report);
  const hasPeak = (statistics: { update: SeedStatistic; gradient: SeedStatistic }) => statistics.update.count > 0 || statistics.gradient.count > 0;
  if (!conditions.some((condition) => condition.transformer && (hasPeak(condition.transformer.sedPeaks) || condition.transformer.operations.some((entry) => hasPeak(entry.sedPeaks))))) return null;
  const rows: string[][] = [];
  for (const condition of conditions) {
    const transformer = condition.transformer;
    if (!transformer) continue;
    const row = (label: string, seed: string, update: string, gradient: string) => rows.push([condition.condition, label, seed, update, gradient]);
    if (transformer.operations.length === 0) {
      row('all', 'median (IQR)', formatQuantityStatistic(transformer.sedPeaks.update), formatQuantityStatistic(transformer.sedPeaks.gradient));
      for (const seed of condition.seeds) row('all', `seed ${seed.seed}`, formatPeak(seed.transformer?.updateSedPeak ?? null), formatPeak(seed.transformer?.gradientSedPeak ?? null));
    } else {
      for (const entry of transformer.operations) {
        row(entry.operation, 'median (IQR)', formatQuantityStatistic(entry.sedPeaks.update), formatQuantityStatistic(entry.sedPeaks.gradient));
        for (const seed of condition.seeds) {
          const own = seed.transformer?.operations.find((candidate) => candidate.operation === entry.operation);
          row(entry.operation, `seed ${seed.seed}`, formatPeak(own?.updateSedPeak ?? null), formatPeak(own?.gradientSedPeak ?? null));
        }
      }
    }
  }
  return {
    id: 'sedPeaks',
    title: 'R̄ peaks: update-SED and gradient-SED',
    columns: [
      { title: 'Condition', align: 'left' },
      { title: 'Operation', align: 'left' },
      { title: 'Seeds', align: 'left' },
      { title: 'Update-SED R̄ peak', align: 'right' },
      { title: 'Gradient-SED R̄ peak', align: 'right' },
    ],
    rows,
    notes: [
      'R̄ peak (docs/science.md §12.6, arXiv 2604.25143): the largest over the rows of the mean of R_1…R_k (k = diagnostics.gradientSed.vectors), per seed with the step it describes ("value @ step"), then the median (IQR) over the seeds with one. Per operation for a multitask run.',
    ],
  };
}

function separationTable(report: RunReport): ReportTable {
  return {
    id: 'separation',
    title: 'Separation between conditions',
    columns: [
      { title: 'Conditions', align: 'left' },
      { title: 'Late gap ratio', align: 'right' },
    ],
    rows: report.separations.map((pair) => [`${pair.numerator} ÷ ${pair.denominator}`, pair.ratio === null ? MISSING : `${formatQuantity(pair.ratio)}×`]),
    notes: [
      report.separations.length > 0
        ? 'Late-stage gap median of the first condition ÷ that of the second (docs/science.md §5; the separation of summary.json), for each pair of conditions once; with a grid, for the named conditions at the same grid point.'
        : report.conditions.length <= 1
          ? 'One condition: no separation.'
          : 'No two named conditions share a grid point: the grid points are compared in the tables above (summary.json holds the ratio of every pair).',
    ],
  };
}

function repulsionRow(condition: ConditionReport, checkpoint: RepulsionCheckpoint): string[] {
  if (!checkpoint.applicable) {
    const cell = 'not applicable (η = 0)';
    return [condition.condition, String(checkpoint.epoch), String(checkpoint.seedCount), cell, cell, cell];
  }
  return [
    condition.condition,
    String(checkpoint.epoch),
    String(checkpoint.seedCount),
    formatShare(checkpoint.fractionNegative),
    formatShare(checkpoint.signMatch),
    formatShare(checkpoint.publishedSignMatch),
  ];
}

function repulsionTable(report: RunReport): ReportTable {
  const reasons = report.conditions.flatMap((condition) => {
    const inapplicable = condition.repulsion.find((checkpoint) => !checkpoint.applicable);
    return inapplicable && !inapplicable.applicable ? [`${condition.condition}: ${inapplicable.reason}.`] : [];
  });
  const rows = report.conditions.flatMap((condition) => condition.repulsion.map((checkpoint) => repulsionRow(condition, checkpoint)));
  return {
    id: 'repulsion',
    title: 'Feature repulsion (Theorem 6 of arXiv 2509.21519) per checkpoint',
    columns: [
      { title: 'Condition', align: 'left' },
      { title: 'Checkpoint', align: 'right' },
      { title: 'Seeds', align: 'right' },
      { title: 'B_jl < 0 share', align: 'right' },
      { title: 'Sign-match (exact)', align: 'right' },
      { title: 'Sign-match (as published)', align: 'right' },
    ],
    rows,
    notes: [
      ...(rows.length === 0 ? ['No repulsion checkpoint was recorded (diagnostics.repulsion.checkpoints).'] : []),
      'Each cell: median (IQR) over the seeds with a result at that checkpoint. B_jl < 0 share = fractionNegative over the examined pairs; sign-match by the exact closed form is 1 up to rounding (the sign rule is an identity, docs/science.md §6); "as published" = publishedSignMatch, as computed in the arXiv 2605.08119 code.',
      ...reasons,
    ],
  };
}

function seedsTable(report: RunReport): ReportTable {
  const threshold = report.leadLagGrokThreshold;
  const words = wordsOf(report);
  return {
    id: 'seeds',
    title: 'Seeds',
    columns: [
      { title: 'Condition', align: 'left' },
      { title: 'Seed', align: 'right' },
      { title: 'Status', align: 'left' },
      { title: `Last ${words.singular}`, align: 'right' },
      { title: 'Memorised', align: 'right' },
      { title: 'Grok ≥ 0.5', align: 'right' },
      { title: 'Grok ≥ 0.95', align: 'right' },
      { title: 'Grok ≥ 0.98', align: 'right' },
      { title: 'Grok ≥ 0.99', align: 'right' },
      { title: 'Detector', align: 'right' },
      { title: `Fire − grok ≥ ${threshold}`, align: 'right' },
      { title: 'Late gap', align: 'right' },
      { title: 'Late λ₁/λ₂', align: 'right' },
      { title: 'Largest-gap position j*', align: 'right' },
      { title: 'Energy rank', align: 'right' },
      { title: 'Decline ratio', align: 'right' },
      { title: 'Test acc.', align: 'right' },
    ],
    rows: report.conditions.flatMap((condition) =>
      condition.seeds.map((seed) => [
        condition.condition,
        String(seed.seed),
        seed.status,
        formatEpoch(seed.lastEpoch),
        formatEpoch(seed.memorizedEpoch),
        formatEpoch(seed.grokEpoch50),
        formatEpoch(seed.grokEpoch95),
        formatEpoch(seed.grokEpoch98),
        formatEpoch(seed.grokEpoch99),
        formatEpoch(seed.detectorEpoch),
        formatSignedEpochs(seed.leadLag),
        formatQuantity(seed.lateGap),
        formatQuantity(seed.leadingRatio),
        formatLargestGap(seed),
        formatStatistic(seed.energyRank),
        seed.spectralEdge.ratio === null ? MISSING : `${formatQuantity(seed.spectralEdge.ratio)}${seed.spectralEdge.declined ? ' (declined)' : ''}`,
        formatQuantity(seed.finalTestAcc, 3),
      ]),
    ),
    notes: [
      `Memorised, Grok ≥ x, Detector: the first ${words.singular} with train accuracy 1, with test accuracy ≥ x, at which the detector fired.`,
      `Late gap (λ₂/λ₃), late λ₁/λ₂ and energy rank (99 % of Σλ): medians over the late-stage ${words.plural}; largest-gap position j*: the most frequent over them, with the share of those ${words.plural}.`,
    ],
  };
}

function runFacts(report: RunReport): [string, string][] {
  const { run } = report;
  const facts: [string, string][] = [['Run', run.runId]];
  if (run.experiment) facts.push(['Experiment', run.description ? `${run.experiment}: ${run.description}` : run.experiment]);
  facts.push(['Status', run.status]);
  if (run.file) facts.push(['Experiment file', run.file]);
  facts.push(['Seeds', `${formatSeedList(run.seeds)} (${run.seeds.length} per condition)`]);
  if (run.startTime) facts.push(['Started', run.startTime]);
  if (run.endTime) facts.push(['Ended', run.endTime]);
  if (run.engine) facts.push(['Engine', run.engine]);
  const producer = [run.producer, run.host ? `on ${run.host}` : null].filter(Boolean).join(' ');
  if (producer) facts.push(['Produced by', producer]);
  const versions = Object.entries(run.versions).map(([name, version]) => `${name} ${version}`);
  if (versions.length > 0) facts.push(['Versions', versions.join(', ')]);
  if (run.git) facts.push(['Git commit', `${run.git.commit}${run.git.dirty ? ' (uncommitted changes)' : ''}`]);
  facts.push(['Numbers from', report.source === 'final' ? 'summary.json (the run has ended), spectra and checkpoints from the rows and events' : 'the rows and events written so far']);
  return facts;
}

/** The report laid out as tables. */
export function reportDocument(report: RunReport): ReportDocument {
  return {
    title: `Grokking Lab report: ${report.run.experiment ?? report.run.runId}`,
    facts: runFacts(report),
    notes: [...report.notes],
    tables: [
      conditionsTable(report),
      detectorTable(report),
      milestonesTable(report),
      spectrumTable(report),
      spectralEdgeTable(report),
      separationTable(report),
      repulsionTable(report),
      seedsTable(report),
      ...[grokStepsTable(report), operationsTable(report), interventionTable(report), sedPeaksTable(report)].filter((table): table is ReportTable => table !== null),
    ],
  };
}
