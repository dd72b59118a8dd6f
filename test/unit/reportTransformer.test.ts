/**
 * The report's Transformer numbers (docs/science.md §7, §12.3–§12.6): the spectral-edge decline on
 * snapshot rows, R before and at grokking, k* at the end, the early-stop step, the per-operation grok
 * steps, the intervention's speed-up and the R̄ peaks, on hand-made rows and on the Transformer run
 * folder of transformerRunFixture.ts with known values added to its rows.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TransformerRunConfig } from '../../src/shared/config/types';
import type { EpochRecord } from '../../src/shared/runFormat';
import { NO_GROK_REASON, type ConditionReport, type ReportInput, buildRunReport, spectralEdgeDecline, spectralEdgeReadings } from '../../src/shared/report/model';
import { reportDocument } from '../../src/shared/report/tables';
import { renderReportMarkdown } from '../../src/shared/report/markdown';
import { readReportInput } from '../../src/runs/runReport';
import { writeTransformerRun } from './transformerRunFixture';

type Row = EpochRecord;
const row = (epoch: number, testAcc: number, edge?: { g23: number; edgeRatio: number; kStar: number }): Row => ({ epoch, trainLoss: 1, trainAcc: 1, testLoss: 1, testAcc, weightNorm: 1, ...(edge ?? {}) });

describe('spectral-edge decline of a Transformer (snapshot rows)', () => {
  // Records every 50 steps, snapshots every 100 (only they carry the window's fields); window 3, so full from step 300.
  const rows: Row[] = [
    row(0, 0.1),
    row(100, 0.1, { g23: 90, edgeRatio: 9, kStar: 3 }),
    row(150, 0.1),
    row(200, 0.2, { g23: 80, edgeRatio: 8, kStar: 3 }),
    row(300, 0.3, { g23: 45, edgeRatio: 3, kStar: 2 }),
    row(350, 0.5),
    row(400, 0.6, { g23: 20, edgeRatio: 5, kStar: 1 }),
    row(450, 0.96),
    row(500, 0.99, { g23: 4, edgeRatio: 2, kStar: 1 }),
    row(600, 0.99, { g23: 3, edgeRatio: 1.5, kStar: 2 }),
  ];

  it('counts full windows from step window · snapshotEvery and takes g₂₃ at grok from the last snapshot at or before the grok step', () => {
    // Peak over rows before 450 with a full window: 45 (step 300); at grok: step 400's 20; 45/20 = 2.25.
    assert.deepEqual(spectralEdgeDecline(rows, 3, 100), { grokEpoch95: 450, peakG23: 45, peakEpoch: 300, g23AtGrok: 20, ratio: 2.25, declined: true });
    // The MLP rule on the same rows (full from epoch 3, g₂₃ of the grok row itself): peak 90, nothing at grok.
    assert.deepEqual(spectralEdgeDecline(rows, 3), { grokEpoch95: 450, peakG23: 90, peakEpoch: 100, g23AtGrok: null, ratio: null, declined: null });
    // A window of 5 snapshots is full from step 500: nothing before the grok step.
    assert.equal(spectralEdgeDecline(rows, 5, 100).ratio, null);
  });

  it('gives R before grokking (mean), R at grokking and k* at the end over full windows', () => {
    // Before 450: R 3 (300) and 5 (400), mean 4; at grok: step 400's 5; k* of the last full window (600): 2.
    assert.deepEqual(spectralEdgeReadings(rows, 3, 100), { grokWindowEpoch: 400, rBeforeGrok: 4, rAtGrok: 5, kStarEnd: 2 });
    // Never at 0.95: k* only.
    assert.deepEqual(spectralEdgeReadings(rows.map((entry) => ({ ...entry, testAcc: 0.5 })), 3, 100), { grokWindowEpoch: null, rBeforeGrok: null, rAtGrok: null, kStarEnd: 2 });
    assert.deepEqual(spectralEdgeReadings(rows, undefined, 100), { grokWindowEpoch: null, rBeforeGrok: null, rAtGrok: null, kStarEnd: null });
  });

  it('keeps the MLP rule when every row carries g₂₃ (the grok row itself)', () => {
    const mlp = [row(0, 0.1, { g23: 50, edgeRatio: 4, kStar: 1 }), row(1, 0.2, { g23: 6, edgeRatio: 3, kStar: 1 }), row(2, 0.96, { g23: 2, edgeRatio: 2, kStar: 2 })];
    assert.deepEqual(spectralEdgeDecline(mlp, 1), { grokEpoch95: 2, peakG23: 6, peakEpoch: 1, g23AtGrok: 2, ratio: 3, declined: true });
    assert.deepEqual(spectralEdgeReadings(mlp, 1), { grokWindowEpoch: 2, rBeforeGrok: 3, rAtGrok: 2, kStarEnd: 2 });
  });
});

describe('report of a Transformer run folder', () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-report-tf-'));
  after(() => fs.rmSync(parent, { recursive: true, force: true }));
  const folder = writeTransformerRun(parent);

  /**
   * The fixture's rows with the spectral edge, SED ratios, an intervention and an early stop added:
   * - spectral-edge window 3 (full from step 300); g₂₃ = step/100 before the first row with test
   *   accuracy ≥ 0.95 (multi 1300, 1500; single 800, 900) and 1 from it; R 2 before, 1.2 from it;
   *   k* 1, except single seed 1's 2;
   * - multi uses removeSed, single none; multi seed 0 stops early at step 2000;
   * - single: gradient-SED ratios [100, 200, 300] at 1000 and [10, 10, 10] at 1200 (seed 0; R̄ 200),
   *   [50, 100, 150] at 1400 (seed 1; R̄ 100); update-SED [3, 6, 9] at 1000 (seed 0; R̄ 6);
   * - multi: gradient-SED per operation at 2000, add 30 (both seeds), subtract 60 (seed 0) and 90 (seed 1) (at 1700 for seed 0, which stops at 2000).
   */
  function input(options: { noGrok?: boolean } = {}): ReportInput {
    const base = readReportInput(folder);
    const manifest = structuredClone(base.manifest);
    assert.ok(manifest);
    for (const condition of manifest.conditions) {
      const config = condition.config as TransformerRunConfig;
      config.diagnostics.spectralEdge.window = 3;
      config.training.intervention.mode = condition.name === 'multi' ? 'removeSed' : 'none';
    }
    const seeds = base.seeds.map((seed) => {
      const grokIndex = seed.records.findIndex((record) => record.testAcc >= 0.95);
      const grokStep = seed.records[grokIndex].epoch;
      let records: EpochRecord[] = seed.records.map((record) => {
        const before = record.epoch < grokStep;
        const edited: EpochRecord = {
          ...record,
          g23: before ? record.epoch / 100 : 1,
          edgeRatio: before ? 2 : 1.2,
          kStar: seed.condition === 'single' && seed.seed === 1 ? 2 : 1,
          ...(options.noGrok && seed.condition === 'single' ? { testAcc: Math.min(record.testAcc, 0.9) } : {}),
        };
        if (seed.condition === 'single') {
          if (seed.seed === 0 && record.epoch === 1000) Object.assign(edited, { gradientSedRatios: [100, 200, 300], updateSedRatios: [3, 6, 9] });
          if (seed.seed === 0 && record.epoch === 1200) edited.gradientSedRatios = [10, 10, 10];
          if (seed.seed === 1 && record.epoch === 1400) edited.gradientSedRatios = [50, 100, 150];
        } else if (record.epoch === (seed.seed === 0 ? 1700 : 2000)) {
          edited.operations = record.operations?.map((entry) => ({ ...entry, gradientSedRatios: Array(3).fill(entry.operation === 'add' ? 30 : seed.seed === 0 ? 60 : 90) as number[] }));
        }
        return edited;
      });
      if (seed.condition === 'multi' && seed.seed === 0) records = records.filter((record) => record.epoch <= 2000);
      return { ...seed, records };
    });
    return { ...base, manifest, seeds };
  }
  const conditionOf = (conditions: ConditionReport[], name: string): ConditionReport => {
    const found = conditions.find((condition) => condition.condition === name);
    assert.ok(found, name);
    return found;
  };

  it('computes the decline, R and k* per seed and per condition', () => {
    const report = buildRunReport(input());
    assert.equal(report.reportVersion, 4);
    const single = conditionOf(report.conditions, 'single');
    const multi = conditionOf(report.conditions, 'multi');
    // single: peaks 7 (step 700) and 8 (800) over g₂₃ 1 at grok; multi 12 and 14.
    assert.deepEqual(single.seeds.map((seed) => seed.spectralEdge.ratio), [7, 8]);
    assert.deepEqual(multi.seeds.map((seed) => [seed.spectralEdge.peakEpoch, seed.spectralEdge.ratio]), [[1200, 12], [1400, 14]]);
    assert.deepEqual(single.spectralEdgeDecline, { declinedCount: 2, evaluatedCount: 2, ratio: { median: 7.5, iqr: [7.25, 7.75], count: 2 } });
    assert.deepEqual(single.seeds[1].transformer?.spectralEdge, { grokWindowEpoch: 900, rBeforeGrok: 2, rAtGrok: 1.2, kStarEnd: 2 });
    assert.deepEqual(single.transformer?.spectralEdge, {
      rBeforeGrok: { median: 2, iqr: [2, 2], count: 2 },
      rAtGrok: { median: 1.2, iqr: [1.2, 1.2], count: 2 },
      kStarEnd: { value: 1, count: 1, of: 2 },
      reason: null,
    });
    assert.deepEqual(multi.transformer?.spectralEdge.kStarEnd, { value: 1, count: 2, of: 2 });
  });

  it('gives the early-stop step, the per-operation grok steps and the speed-up over mode none', () => {
    const report = buildRunReport(input());
    const single = conditionOf(report.conditions, 'single');
    const multi = conditionOf(report.conditions, 'multi');
    assert.deepEqual(multi.seeds.map((seed) => [seed.lastEpoch, seed.transformer?.earlyStopStep]), [[2000, 2000], [3000, null]]);
    assert.deepEqual(multi.transformer?.earlyStopStep, { median: 2000, iqr: [2000, 2000], count: 1 });
    assert.deepEqual(
      multi.seeds[1].transformer?.operations.map((entry) => [entry.operation, entry.grokStep95, entry.grokStep98]),
      [['add', 800, 1000], ['subtract', 1500, 1800]],
    );
    assert.deepEqual(multi.transformer?.operations.map((entry) => [entry.operation, entry.grokStep98.median]), [['add', 1000], ['subtract', 1700]]);
    assert.deepEqual(single.seeds[0].transformer?.operations, []);
    // Grok ≥ 0.98: single 1000, 1100 (median 1050), multi 1600, 1800 (1700); speed-up 1050/1700, and 1 for single.
    assert.equal(multi.transformer?.interventionMode, 'removeSed');
    assert.equal(multi.transformer?.speedUpBaseline, 'single');
    assert.ok(Math.abs((multi.transformer?.speedUp ?? 0) - 1050 / 1700) < 1e-12);
    assert.equal(single.transformer?.speedUp, 1);
  });

  it('gives the R̄ peaks per seed, per condition and per operation', () => {
    const report = buildRunReport(input());
    const single = conditionOf(report.conditions, 'single');
    const multi = conditionOf(report.conditions, 'multi');
    assert.deepEqual(single.seeds.map((seed) => [seed.transformer?.gradientSedPeak, seed.transformer?.updateSedPeak]), [
      [{ value: 200, epoch: 1000 }, { value: 6, epoch: 1000 }],
      [{ value: 100, epoch: 1400 }, null],
    ]);
    assert.deepEqual(single.transformer?.sedPeaks.gradient, { median: 150, iqr: [125, 175], count: 2 });
    assert.deepEqual(single.transformer?.sedPeaks.update, { median: 6, iqr: [6, 6], count: 1 });
    assert.deepEqual(multi.transformer?.operations.map((entry) => [entry.operation, entry.sedPeaks.gradient.median]), [['add', 30], ['subtract', 75]]);
  });

  it('states why a condition that never reaches 0.95 has no decline', () => {
    const single = conditionOf(buildRunReport(input({ noGrok: true })).conditions, 'single');
    assert.equal(single.transformer?.spectralEdge.reason, NO_GROK_REASON);
    assert.equal(single.spectralEdgeDecline.evaluatedCount, 0);
    const table = reportDocument(buildRunReport(input({ noGrok: true }))).tables.find((entry) => entry.id === 'spectralEdge');
    assert.ok(table);
    assert.deepEqual(table.rows.find((cells) => cells[0] === 'single'), ['single', 'undefined (no grok step)', '—', '—', '—', '—', 'k* = 1 in 1/2']);
    assert.ok(table.notes.includes(`single: ${NO_GROK_REASON}.`));
  });

  it('lays the numbers out in the tables (terminal, Markdown, HTML share them)', () => {
    const document = reportDocument(buildRunReport(input()));
    const table = (id: string) => {
      const found = document.tables.find((entry) => entry.id === id);
      assert.ok(found, id);
      return found;
    };
    assert.deepEqual(
      document.tables.map((entry) => entry.id),
      ['conditions', 'detector', 'milestones', 'spectrum', 'spectralEdge', 'separation', 'repulsion', 'seeds', 'grokSteps', 'operations', 'intervention', 'sedPeaks'],
    );
    assert.deepEqual(table('spectralEdge').rows, [
      ['multi', '2/2', '13.00', '12.50–13.50', '2.00', '1.20', 'k* = 1 in 2/2'],
      ['single', '2/2', '7.50', '7.25–7.75', '2.00', '1.20', 'k* = 1 in 1/2'],
    ]);
    assert.deepEqual(table('grokSteps').rows[0], ['multi', '0', '300', '900', '1300', '1600', '1900', '2000', '2000', '2.00', '1.20', '1']);
    assert.deepEqual(table('grokSteps').rows[1].slice(7, 9), ['no', '3000']);
    assert.deepEqual(table('operations').rows, [
      ['multi', '0', 'add', '800', '1000', '—', '30.00 @ 1700'],
      ['multi', '0', 'subtract', '1300', '1600', '—', '60.00 @ 1700'],
      ['multi', '1', 'add', '800', '1000', '—', '30.00 @ 2000'],
      ['multi', '1', 'subtract', '1500', '1800', '—', '90.00 @ 2000'],
    ]);
    assert.deepEqual(table('intervention').rows, [
      ['multi', 'removeSed', '2/2', '1700', '1650–1750', '1/2', '2000', '0.62×'],
      ['single', 'none', '2/2', '1050', '1025–1075', '0/2', '—', '1.00×'],
    ]);
    assert.match(table('intervention').notes[1], /median grok step of single \(mode none\)/);
    assert.deepEqual(table('sedPeaks').rows.slice(0, 3), [
      ['multi', 'add', 'median (IQR)', '—', '30.00 (30.00–30.00)'],
      ['multi', 'add', 'seed 0', '—', '30.00 @ 1700'],
      ['multi', 'add', 'seed 1', '—', '30.00 @ 2000'],
    ]);
    assert.deepEqual(table('sedPeaks').rows.slice(-3), [
      ['single', 'all', 'median (IQR)', '6.00 (6.00–6.00)', '150.00 (125.00–175.00)'],
      ['single', 'all', 'seed 0', '6.00 @ 1000', '200.00 @ 1000'],
      ['single', 'all', 'seed 1', '—', '100.00 @ 1400'],
    ]);
    const markdown = renderReportMarkdown(document);
    assert.match(markdown, /## Gradient-projection intervention/);
    assert.doesNotMatch(markdown, /epoch/i);
  });

  it('leaves the intervention and R̄ tables out of a run without them', () => {
    const document = reportDocument(buildRunReport(readReportInput(folder)));
    assert.deepEqual(
      document.tables.map((entry) => entry.id),
      ['conditions', 'detector', 'milestones', 'spectrum', 'spectralEdge', 'separation', 'repulsion', 'seeds', 'grokSteps', 'operations'],
    );
  });
});
