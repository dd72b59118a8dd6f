// The dashboard's summary tables: live values from records (partial for a running seed), exact
// milestones and fires from events when records were decimated, summary.json once the run ended,
// and display strings with "—" for missing values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochRecord, RunEvent, RunManifest, RunSummary } from '../../src/shared/runFormat';
import type { SummaryTableSource } from '../../src/shared/dashboard/summaryTable';
import { defaultRunConfig, withDefaults } from '../../src/shared/config/defaults';
import { timeWords } from '../../src/shared/timeUnit';
import { MISSING, columnTitles, formatEpoch, formatLargestGap, formatLargestGapSeeds, formatQuantity, formatSignedEpochs, summaryTables } from '../../src/shared/dashboard/summaryTable';

function series(length: number, row: (epoch: number) => Partial<EpochRecord>): EpochRecord[] {
  return Array.from({ length }, (_, epoch) => ({ epoch, trainLoss: 1, trainAcc: 0, testLoss: 1, testAcc: 0, weightNorm: 1, ...row(epoch) }));
}

// As in summary.test.ts: memorised at 30, test accuracy ≥ 0.5 at 199, ≥ 0.95 at 244, ≥ 0.99 at 248;
// slope above 0.04 at 90 (before the warm-up) and 120; gap = 1 + e/100, so 4 at the late-stage median.
// The eigenvalues (which need not match that gap here) give the rank readings: on epochs divisible
// by 4, λ = (100, 10, 1, …) with λ₁/λ₂ = λ₂/λ₃ = 10, a tie → j* = 1; on the others λ₁/λ₂ = 3 < 10 →
// j* = 2. Over 200…400 (201 rows) that is 51 rows at j* = 1 and 150 at j* = 2: 2 in 150/201 = 75 %;
// λ₁/λ₂ is 3 in 150 rows, so its median is 3. The energy rank is 1.
const grokking = series(401, (epoch) => ({
  trainAcc: epoch >= 30 ? 1 : epoch / 30,
  testAcc: epoch < 150 ? 0.01 : Math.min(1, 0.01 + (epoch - 150) * 0.01),
  gap23: epoch >= 3 ? 1 + epoch / 100 : undefined,
  gapSlope: epoch === 90 || epoch === 120 ? 0.05 : 0.001,
  ...(epoch >= 3 ? { eigenvalues: [epoch % 4 === 0 ? 100 : 30, 10, 1, 0.5, 0.25], effectiveRank: 1 } : {}),
}));
// λ = (5, 4, 3, 2, 1): ratios 1.25, 1.33, 1.5, 2 → j* = 4 in every row; λ₁/λ₂ = 1.25; energy rank 5.
const flat = series(401, () => ({ trainAcc: 1, gap23: 2, gapSlope: 0, eigenvalues: [5, 4, 3, 2, 1], effectiveRank: 5 }));

function manifest(conditions: string[]): RunManifest {
  const config = { epochs: 400, diagnostics: { eigengap: { window: 20, detector: { lag: 25, threshold: 0.04, warmup: 100 }, lateStage: [200, 400] } } };
  return {
    formatVersion: 1,
    runId: 'run-1',
    experiment: 'lockin',
    file: 'lockin.grok.yaml',
    seeds: [0, 1],
    conditions: conditions.map((name) => ({ name, configHash: name, config })),
    configHash: 'all',
    engine: { name: 'wasm', threads: 1 },
    versions: { grokkingLab: '0.1.0', node: 'v20' },
    startTime: '2026-01-01T00:00:00Z',
    status: 'running',
    producer: 'extension',
  } as unknown as RunManifest;
}

function liveRun(): SummaryTableSource {
  return {
    runId: 'run-1',
    manifest: manifest(['grok', 'control']),
    status: 'running',
    seeds: [
      { condition: 'grok', seed: 0, status: 'completed', records: grokking },
      // Still running: only epochs 0…149 so far.
      { condition: 'grok', seed: 1, status: 'running', records: grokking.slice(0, 150) },
      { condition: 'control', seed: 0, status: 'completed', records: flat },
      { condition: 'control', seed: 1, status: 'completed', records: flat },
    ],
    events: [],
    summary: null,
  };
}

describe('summary tables', () => {
  it('computes live rows from the records so far, partial for a running seed', () => {
    const tables = summaryTables(liveRun());
    assert.equal(tables.source, 'live');
    assert.equal(tables.note, null);
    assert.deepEqual(tables.seeds[0].cells, {
      condition: 'grok',
      seed: '0',
      status: 'completed',
      epoch: '400',
      memorized: '30',
      grok50: '199',
      grok95: '244',
      grok98: '247',
      grok99: '248',
      detector: '120',
      leadLag: '\u2212128',
      lateGap: '4.00',
      leadingRatio: '3.00',
      largestGap: '2 (75 %)',
      energyRank: '1',
      testAcc: '1.000',
    });
    assert.deepEqual(tables.seeds[0].rankReadings, { energyRank: 1, leadingRatio: 3, largestGapPosition: 2, largestGapShare: 150 / 201 });
    assert.deepEqual(tables.seeds[1].cells, {
      condition: 'grok',
      seed: '1',
      status: 'running',
      epoch: '149',
      memorized: '30',
      grok50: MISSING,
      grok95: MISSING,
      grok98: MISSING,
      grok99: MISSING,
      detector: '120',
      leadLag: MISSING,
      lateGap: MISSING,
      leadingRatio: MISSING,
      largestGap: MISSING,
      energyRank: MISSING,
      testAcc: '0.010',
    });
    assert.equal(tables.seeds[1].summary.grokEpoch50, null);
    assert.equal(tables.seeds[3].cells.detector, MISSING);
  });

  it('aggregates per condition with the separation against the last condition', () => {
    const tables = summaryTables(liveRun());
    assert.equal(tables.separationReference, 'control');
    assert.deepEqual(tables.conditions[0].cells, {
      condition: 'grok',
      fired: '2/2',
      detectorMedian: '120',
      detectorIqr: '120–120',
      grokked: '1/2',
      grok99Median: '248',
      lateGapMedian: '4.00',
      separation: '2.00×',
      // Seed 1 has no late-stage rows yet: one seed of two has a reading.
      leadingRatioMedian: '3.00',
      largestGapSeeds: '2 in 1/2 seeds',
      energyRankMedian: '1',
    });
    assert.equal(tables.conditions[0].separation, 2);
    assert.deepEqual(tables.conditions[1].cells, {
      condition: 'control',
      fired: '0/2',
      detectorMedian: MISSING,
      detectorIqr: MISSING,
      grokked: '0/2',
      grok99Median: MISSING,
      lateGapMedian: '2.00',
      separation: 'reference',
      leadingRatioMedian: '1.25',
      largestGapSeeds: '4 in 2/2 seeds',
      energyRankMedian: '5',
    });
    assert.deepEqual(tables.separations, [{ numerator: 'grok', denominator: 'control', ratio: 2, text: 'grok ÷ control: 2.00×' }]);
  });

  it('takes milestones and fires from events when decimated records skipped their epoch', () => {
    const slopeAt123 = grokking.map((record) => ({ ...record, gapSlope: record.epoch === 123 ? 0.05 : 0.001 }));
    // Every tenth row, as a decimated snapshot might hold: 123 and 248 are gone.
    const thinned = slopeAt123.filter((record) => record.epoch % 10 === 0);
    const events: RunEvent[] = [
      { type: 'milestone', condition: 'grok', seed: 0, epoch: 30, milestone: 'memorized' },
      { type: 'detectorFired', condition: 'grok', seed: 0, epoch: 123, gap23: 2.23, gapSlope: 0.05 },
      { type: 'milestone', condition: 'grok', seed: 0, epoch: 248, milestone: 'grok99' },
      // Another seed's events do not leak.
      { type: 'detectorFired', condition: 'grok', seed: 7, epoch: 101, gap23: 2, gapSlope: 0.05 },
    ];
    const source: SummaryTableSource = {
      runId: 'run-1',
      manifest: manifest(['grok']),
      status: 'running',
      seeds: [{ condition: 'grok', seed: 0, status: 'running', records: thinned, decimation: { sourceRecordCount: 401, method: 'minMaxBuckets' } }],
      events: [],
      summary: null,
    };
    const withoutEvents = summaryTables(source).seeds[0].summary;
    assert.deepEqual([withoutEvents.detectorEpoch, withoutEvents.grokEpoch99], [null, 250]);
    const tables = summaryTables({ ...source, events });
    assert.deepEqual([tables.seeds[0].summary.detectorEpoch, tables.seeds[0].summary.grokEpoch99, tables.seeds[0].summary.memorizedEpoch], [123, 248, 30]);
    assert.equal(tables.seeds[0].cells.leadLag, '\u2212125');
    assert.ok(tables.note !== null && tables.note.includes('decimated'));
    // One condition: nothing to separate.
    assert.equal(tables.separationReference, null);
    assert.equal(tables.conditions[0].cells.separation, MISSING);
    assert.deepEqual(tables.separations, []);
  });

  it('shows summary.json once the run has ended; without a manifest it uses the assigned configs, and no default in their place', () => {
    const summary: RunSummary = {
      formatVersion: 1,
      runId: 'run-1',
      seeds: [{ condition: 'grok', seed: 0, status: 'completed', epochs: 400, memorizedEpoch: 31, grokEpoch50: 200, grokEpoch95: 245, grokEpoch98: 248, grokEpoch99: 249, detectorEpoch: 121, detectorLead: -128, lateGap: 4.5, finalTrainAcc: 1, finalTestAcc: 1 }],
      conditions: [{ condition: 'grok', seedCount: 1, firedCount: 1, grokkedCount: 1, detectorEpochMedian: 121, detectorEpochIqr: [121, 121], grokEpoch99Median: 249, lateGapMedian: 4.5 }],
      separation: [],
    };
    const ended = summaryTables({ ...liveRun(), status: 'completed', summary });
    assert.equal(ended.source, 'final');
    assert.equal(ended.seeds.length, 1);
    assert.equal(ended.seeds[0].cells.memorized, '31');
    assert.equal(ended.conditions[0].cells.lateGapMedian, '4.50');
    // The rank readings are not in summary.json: they come from the records, also once the run has ended.
    assert.equal(ended.seeds[0].cells.largestGap, '2 (75 %)');
    assert.equal(ended.conditions[0].cells.largestGapSeeds, '2 in 1/1 seed');
    // While the run is still running a summary is not trusted (a re-run may be extending it).
    assert.equal(summaryTables({ ...liveRun(), summary }).source, 'live');

    // No run.json: the seeds' assignment files give the configs, and the detector epoch is recomputed with them.
    const { manifest: known } = liveRun();
    const assignedConfigs = Object.fromEntries((known?.conditions ?? []).map((condition) => [condition.name, condition.config]));
    const orphan = summaryTables({ ...liveRun(), manifest: null, assignedConfigs });
    assert.equal(orphan.seeds[0].cells.detector, '120');
    assert.deepEqual(
      orphan.conditions.map((row) => row.condition),
      ['grok', 'control'],
    );
    // Nothing says how the run was configured: no detector epoch computed with defaults passed off as the run's, no late gap.
    const unknown = summaryTables({ ...liveRun(), manifest: null });
    assert.equal(unknown.seeds[0].cells.detector, MISSING);
    assert.equal(unknown.seeds[0].cells.lateGap, MISSING);
  });

  it('names the two rank readings for what they are', () => {
    const titles = summaryTables(liveRun()).columns;
    assert.equal(titles.energyRank.title, 'Energy rank (99 % of Σλ)');
    assert.equal(titles.largestGap.title, 'Largest-gap position j*');
    assert.match(titles.largestGapSeeds.tooltip, /arXiv 2605\.08119/);
    assert.ok(Object.values(titles).every(({ title, tooltip }) => !/effective rank/i.test(`${title} ${tooltip}`)));
  });

  it('titles the columns in the run’s time words: epochs for MLPs, steps for Transformers, both for a mix', () => {
    const mlp = summaryTables(liveRun());
    assert.equal(mlp.timeUnit, 'epoch');
    assert.deepEqual([mlp.columns.epoch.title, mlp.columns.detectorMedian.title, mlp.columns.grok98.title], ['Epoch', 'Fire epoch (median)', 'Grok ≥ 0.98']);
    assert.equal(mlp.columns.grok98.tooltip, 'First epoch with test accuracy ≥ 0.98 (the Transformer reference’s early-stop threshold)');
    const transformerManifest = manifest(['single']);
    transformerManifest.conditions[0].config = withDefaults({ model: { kind: 'transformer' } });
    const transformer = summaryTables({ ...liveRun(), manifest: transformerManifest });
    assert.equal(transformer.timeUnit, 'step');
    assert.deepEqual([transformer.columns.epoch.title, transformer.columns.detectorMedian.title, transformer.columns.memorized.tooltip], ['Step', 'Fire step (median)', 'First step with train accuracy = 1']);
    // No title or tooltip of a Transformer run's tables says epoch.
    assert.ok(Object.values(transformer.columns).every(({ title, tooltip }) => !/epoch/i.test(`${title} ${tooltip}`)), JSON.stringify(transformer.columns));
    // Without run.json, the assignment files' configs decide; a mix of both says both.
    const mixed = summaryTables({ ...liveRun(), manifest: null, assignedConfigs: { grok: defaultRunConfig(), control: withDefaults({ model: { kind: 'transformer' } }) } });
    assert.equal(mixed.timeUnit, 'mixed');
    assert.equal(mixed.columns.epoch.title, 'Epoch/step');
    // The dashboard's snapshot says it outright.
    assert.equal(summaryTables({ ...liveRun(), timeUnit: 'step' }).columns.epoch.title, 'Step');
    assert.deepEqual(columnTitles(timeWords('step')).leadLag.tooltip, 'Detector step − grok ≥ 0.99 step (negative: the detector fired first)');
  });

  it('formats missing values, medians, signed differences and small or large quantities', () => {
    assert.equal(formatEpoch(null), MISSING);
    assert.equal(formatEpoch(12), '12');
    assert.equal(formatEpoch(12.5), '12.5');
    assert.equal(formatSignedEpochs(12), '+12');
    assert.equal(formatSignedEpochs(-40), '\u221240');
    assert.equal(formatSignedEpochs(0), '0');
    assert.equal(formatSignedEpochs(null), MISSING);
    assert.equal(formatQuantity(2), '2.00');
    assert.equal(formatQuantity(0), '0.00');
    assert.equal(formatQuantity(1.5e-5), '1.50e-5');
    assert.equal(formatQuantity(123456), '1.23e+5');
    assert.equal(formatQuantity(Number.NaN), MISSING);
    assert.equal(formatQuantity(0.98765, 3), '0.988');
    assert.equal(formatLargestGap({ largestGapPosition: 2, largestGapShare: 0.6 }), '2 (60 %)');
    assert.equal(formatLargestGap({ largestGapPosition: null, largestGapShare: null }), MISSING);
    assert.equal(formatLargestGapSeeds({ largestGapPosition: { position: 2, seeds: 14 } }, 15), '2 in 14/15 seeds');
    assert.equal(formatLargestGapSeeds({ largestGapPosition: { position: null, seeds: 0 } }, 15), MISSING);
  });
});
