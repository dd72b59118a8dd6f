/**
 * The end-of-run summary in the terminal: per seed, per condition, and the separation. Its times are
 * epochs, or steps for a run of Transformers (the run's unit, src/shared/timeUnit.ts).
 */
import type { ManifestCondition, RunSummary } from '../shared/runFormat';
import { isComparablePair } from '../shared/summary';
import { runTimeUnit, timeWords } from '../shared/timeUnit';
import { formatNumber, renderTable } from './table';

/** `conditions`: the run's conditions as run.json records them (their models decide epoch or step, their grid points which separations are listed). */
export function renderRunSummary(summary: RunSummary, conditions: readonly ManifestCondition[] = []): string {
  const unit = runTimeUnit({ conditions });
  const { singular: time, plural: times } = timeWords(unit);
  const seedRows = summary.seeds.map((seed) => [
    `${seed.condition}/seed-${seed.seed}`,
    seed.status,
    formatNumber(seed.epochs),
    formatNumber(seed.memorizedEpoch),
    formatNumber(seed.grokEpoch50),
    formatNumber(seed.grokEpoch95),
    formatNumber(seed.grokEpoch98),
    formatNumber(seed.grokEpoch99),
    formatNumber(seed.detectorEpoch),
    seed.detectorLead === null ? '—' : `${seed.detectorLead > 0 ? '+' : ''}${seed.detectorLead}`,
    formatNumber(seed.lateGap, 2),
    formatNumber(seed.finalTestAcc, 3),
  ]);
  const seedTable = renderTable(
    ['seed', 'status', times, 'memorized', 'grok≥0.5', 'grok≥0.95', 'grok≥0.98', 'grok≥0.99', 'detector', 'fire−grok', 'late gap', 'test acc'],
    seedRows,
  );
  const key = [
    `${times}: the last ${time} recorded; memorized, grok≥x, detector: the first ${time} with train accuracy 1, with test accuracy ≥ x, at which the detector fired.`,
    ...(unit === 'mixed' ? ['Epochs for the MLP conditions, steps for the Transformer ones.'] : []),
  ];
  const conditionRows = summary.conditions.map((condition) => [
    condition.condition,
    `${condition.firedCount}/${condition.seedCount}`,
    formatNumber(condition.detectorEpochMedian, 1),
    condition.detectorEpochIqr ? `${formatNumber(condition.detectorEpochIqr[0], 1)}–${formatNumber(condition.detectorEpochIqr[1], 1)}` : '—',
    `${condition.grokkedCount}/${condition.seedCount}`,
    formatNumber(condition.grokEpoch99Median, 1),
    formatNumber(condition.lateGapMedian, 2),
  ]);
  const conditionTable = renderTable(
    ['condition', 'fired', `fire ${time} (median)`, 'IQR', 'grokked', 'grok≥0.99 (median)', 'late gap (median)'],
    conditionRows,
  );
  // summary.json keeps every ordered pair; the terminal shows each pair once, in condition order.
  const order = summary.conditions.map((condition) => condition.condition);
  const separations = summary.separation
    .filter((pair) => pair.ratio !== null && order.indexOf(pair.numerator) < order.indexOf(pair.denominator))
    .filter((pair) => isComparablePair(conditions.find((condition) => condition.name === pair.numerator), conditions.find((condition) => condition.name === pair.denominator)))
    .map((pair) => `separation ${pair.numerator}/${pair.denominator} (late-stage gap λ₂/λ₃, ratio of medians): ${formatNumber(pair.ratio, 2)}`);
  return [seedTable, ...key, '', conditionTable, ...(separations.length ? ['', ...separations] : [])].join('\n');
}
