// The report's numbers on the hand-made fixture run (test/fixtures/report/generate.mjs says how each
// row is made). Every expected value below is worked out by hand from those rules; the arithmetic
// is in the comments. Quantiles are numpy's linear interpolation: for sorted values v₀…v_{n−1},
// q(p) = v_⌊h⌋ + (h − ⌊h⌋)(v_⌈h⌉ − v_⌊h⌋) with h = (n − 1)p.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunManifest, RunSummary, SeedStatusFile } from '../../src/shared/runFormat';
import { reportChartData } from '../../src/shared/report/chartData';
import type { ConditionReport, RunReport, SeedStatistic } from '../../src/shared/report/model';
import { buildRunReport, spectralEdgeDecline } from '../../src/shared/report/model';
import { summarizeRun, summarizeSeed } from '../../src/shared/summary';
import { readReportInput, readRunReport, resolveRunFolder, RunReportError } from '../../src/runs/runReport';
import { readRun } from '../../src/runs/runFolder';
import { summaryTables } from '../../src/shared/dashboard/summaryTable';
import { FIXTURE_RUN, copyFixture } from './reportFixture';

const TOLERANCE = 1e-12;

function assertClose(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);
}

function assertStatistic(actual: SeedStatistic, expected: { median: number | null; iqr: [number, number] | null; count: number }, what: string): void {
  assert.equal(actual.count, expected.count, `${what}: count`);
  if (expected.median === null) assert.equal(actual.median, null, `${what}: median`);
  else assertClose(actual.median, expected.median, `${what}: median`);
  if (expected.iqr === null) assert.equal(actual.iqr, null, `${what}: iqr`);
  else {
    assert.ok(actual.iqr, `${what}: iqr missing`);
    assertClose(actual.iqr[0], expected.iqr[0], `${what}: q25`);
    assertClose(actual.iqr[1], expected.iqr[1], `${what}: q75`);
  }
}

function condition(report: RunReport, name: string): ConditionReport {
  const found = report.conditions.find((entry) => entry.condition === name);
  assert.ok(found, `condition ${name}`);
  return found;
}

describe('report model on the fixture run', () => {
  const report = readRunReport(FIXTURE_RUN);
  const grok = condition(report, 'grok');
  const control = condition(report, 'control');

  it('keeps the fixture summary.json equal to what src/shared/summary.ts computes from the rows (the hand numbers are right)', () => {
    const contents = readRun(FIXTURE_RUN);
    const manifest = contents.manifest as RunManifest;
    const seeds = contents.seeds.map((seed) => {
      const config = manifest.conditions.find((entry) => entry.name === seed.condition)?.config;
      assert.ok(config);
      return summarizeSeed({ condition: seed.condition, seed: seed.seed, status: seed.status?.status ?? 'completed', records: seed.records, detector: config.diagnostics.eigengap.detector, lateStage: config.diagnostics.eigengap.lateStage });
    });
    assert.deepEqual(summarizeRun(manifest.runId, ['grok', 'control'], seeds), contents.summary);
  });

  it('describes the run and says a seed failed', () => {
    assert.equal(report.reportVersion, 4);
    assert.equal(report.source, 'final');
    // MLP conditions: the rows are epochs, and the settings name the activation.
    assert.equal(report.timeUnit, 'epoch');
    assert.deepEqual(
      [grok.settings.modelKind, grok.settings.model, grok.settings.activation, grok.settings.timeUnit, grok.settings.epochs],
      ['mlp', 'mlp 16 square', 'square', 'epoch', 30],
    );
    assert.equal(report.run.status, 'failed');
    assert.equal(report.run.experiment, 'fixture');
    assert.deepEqual(report.run.seeds, [0, 1, 2]);
    assert.equal(report.run.engine, 'wasm, 1 thread');
    assert.deepEqual(
      report.conditions.map((entry) => entry.condition),
      ['grok', 'control'],
    );
    assert.deepEqual(grok.incompleteSeeds, [{ seed: 2, status: 'failed', lastEpoch: 15, message: 'the worker exited with code 1: RangeError: out of memory' }]);
    assert.deepEqual(control.incompleteSeeds, []);
    assert.equal(grok.seedCount, 3);
    assert.equal(grok.completedCount, 2);
    assert.ok(report.notes.some((note) => note.startsWith('grok: seed 2 failed at epoch 15 (the worker exited with code 1')), report.notes.join('\n'));
  });

  it('counts detector fires over all seeds and gives the median and IQR of the fire epoch', () => {
    // grok fires at 14, 12, 11 (the gap jumps there; slope ln(high/low)/3 > 0.04 after warm-up 10):
    // sorted 11, 12, 14 → median 12, q25 = 11 + 0.5·1 = 11.5, q75 = 12 + 0.5·2 = 13.
    assertStatistic(grok.detectorEpoch, { median: 12, iqr: [11.5, 13], count: 3 }, 'grok detector');
    // control: only seed 1 (gap 3 → 6 at 25).
    assertStatistic(control.detectorEpoch, { median: 25, iqr: [25, 25], count: 1 }, 'control detector');
  });

  it('gives each milestone with how many seeds reached it', () => {
    // memorised 5, 4, 6 → sorted 4, 5, 6: median 5, IQR 4.5–5.5.
    assertStatistic(grok.milestones.memorized, { median: 5, iqr: [4.5, 5.5], count: 3 }, 'grok memorized');
    // ≥ 0.5 at 12, 10, 13 → sorted 10, 12, 13: median 12, q25 = 11, q75 = 12.5.
    assertStatistic(grok.milestones.grok50, { median: 12, iqr: [11, 12.5], count: 3 }, 'grok50');
    // ≥ 0.95 at 16, 14 (seed 2 failed first) → median 15, q25 = 14 + 0.25·2 = 14.5, q75 = 15.5.
    assertStatistic(grok.milestones.grok95, { median: 15, iqr: [14.5, 15.5], count: 2 }, 'grok95');
    // ≥ 0.98 where the test accuracy steps from 0.96 to 0.995: at 18, 20, the same as ≥ 0.99. The
    // fixture's summary.json was written before grok98 existed: it comes from the rows when read.
    assertStatistic(grok.milestones.grok98, { median: 19, iqr: [18.5, 19.5], count: 2 }, 'grok98');
    assert.deepEqual(grok.seeds.map((seed) => seed.grokEpoch98), [18, 20, null]);
    // ≥ 0.99 at 18, 20 → median 19, IQR 18.5–19.5.
    assertStatistic(grok.milestones.grok99, { median: 19, iqr: [18.5, 19.5], count: 2 }, 'grok99');
    // control memorises at 7, 8, 9 and never generalises.
    assertStatistic(control.milestones.memorized, { median: 8, iqr: [7.5, 8.5], count: 3 }, 'control memorized');
    for (const milestone of ['grok50', 'grok95', 'grok98', 'grok99'] as const) assertStatistic(control.milestones[milestone], { median: null, iqr: null, count: 0 }, `control ${milestone}`);
  });

  it('measures lead/lag against grok ≥ 0.99, per seed and as a median (the dashboard table’s definition)', () => {
    assert.equal(report.leadLagGrokThreshold, 0.99);
    // seed 0: 14 − 18 = −4; seed 1: 12 − 20 = −8; seed 2 never reached 0.99.
    assert.deepEqual(
      grok.seeds.map((seed) => seed.leadLag),
      [-4, -8, null],
    );
    assertStatistic(grok.leadLag, { median: -6, iqr: [-7, -5], count: 2 }, 'grok lead/lag');
    assertStatistic(control.leadLag, { median: null, iqr: null, count: 0 }, 'control lead/lag');
    // The same numbers as the dashboard's table.
    const tables = summaryTables({ ...readReportInput(FIXTURE_RUN) });
    assert.deepEqual(
      tables.seeds.map((row) => row.summary.detectorLead),
      report.conditions.flatMap((entry) => entry.seeds.map((seed) => seed.leadLag)),
    );
  });

  it('gives the late-stage gap and the separation of the two conditions', () => {
    // Late stage 20–30: grok seeds 20 and 40 (seed 2 stopped at 15) → median 30, IQR 25–35.
    assertStatistic(grok.lateGap, { median: 30, iqr: [25, 35], count: 2 }, 'grok late gap');
    // control 2, 6 (five rows at 3, six at 6: the sixth of eleven is 6), 4 → median 4, IQR 3–5.
    assertStatistic(control.lateGap, { median: 4, iqr: [3, 5], count: 3 }, 'control late gap');
    assert.deepEqual(report.separations, [{ numerator: 'grok', denominator: 'control', ratio: 7.5 }]);
  });

  it('summarises the energy rank over the late-stage window', () => {
    // Ranks from epoch 20: grok 2 and 1 (seed 2 has no late rows) → median 1.5, IQR 1.25–1.75.
    assertStatistic(grok.energyRank, { median: 1.5, iqr: [1.25, 1.75], count: 2 }, 'grok energy rank');
    assert.deepEqual(
      grok.seeds.map((seed) => seed.energyRank),
      [2, 1, null],
    );
    // control 4, 5, 5 → median 5, q25 = 4.5, q75 = 5.
    assertStatistic(control.energyRank, { median: 5, iqr: [4.5, 5], count: 3 }, 'control energy rank');
  });

  it('gives the largest-gap position and λ₁/λ₂ over the late-stage window, from the recorded eigenvalues', () => {
    // λ = (lead·gap, gap, 1, 0.5, 0.25) over epochs 20–30 (11 rows): the ratios are lead, gap, 2, 2.
    // grok 0: gap 20, lead 3…13 → j* = 2 in all 11 rows; λ₁/λ₂ median of 3…13 = 8.
    // grok 1: gap 40, lead 60 at 20–25 (j* = 1, 6 rows) and 10 at 26–30 (j* = 2, 5 rows) → 1 in 6/11;
    //   λ₁/λ₂ sorted 10 ×5, 60 ×6 → the sixth value, 60.
    // grok 2 stopped at 15: nothing.
    assert.deepEqual(
      grok.seeds.map((seed) => [seed.largestGapPosition, seed.largestGapShare, seed.leadingRatio]),
      [
        [2, 1, 8],
        [1, 6 / 11, 60],
        [null, null, null],
      ],
    );
    // control 0: gap 2, lead 2 → every ratio 2, a four-way tie → j* = 1 in all rows; λ₁/λ₂ = 2.
    // control 1: lead 4; gap 3 at 20–24 (4 > 3: j* = 1, 5 rows), 6 at 25–30 (j* = 2, 6 rows) → 2 in 6/11.
    // control 2: gap 4, lead 4 → λ₁/λ₂ = λ₂/λ₃ = 4, a tie → j* = 1 in all rows.
    assert.deepEqual(
      control.seeds.map((seed) => [seed.largestGapPosition, seed.largestGapShare, seed.leadingRatio]),
      [
        [1, 1, 2],
        [2, 6 / 11, 4],
        [1, 1, 4],
      ],
    );
    // Per condition: grok's seed positions 2, 1 tie → the smaller, 1, in 1 seed; λ₁/λ₂ 8, 60 → 34 (21–47).
    assert.deepEqual(grok.largestGapPosition, { position: 1, seeds: 1 });
    assertStatistic(grok.leadingRatio, { median: 34, iqr: [21, 47], count: 2 }, 'grok λ₁/λ₂');
    // control 1, 2, 1 → 1 in 2 seeds; λ₁/λ₂ 2, 4, 4 → 4 (3–4).
    assert.deepEqual(control.largestGapPosition, { position: 1, seeds: 2 });
    assertStatistic(control.leadingRatio, { median: 4, iqr: [3, 4], count: 3 }, 'control λ₁/λ₂');
    // The same per-seed readings as the dashboard's table.
    const tables = summaryTables({ ...readReportInput(FIXTURE_RUN) });
    assert.deepEqual(
      tables.seeds.map((row) => row.rankReadings),
      report.conditions.flatMap((entry) => entry.seeds.map(({ energyRank, leadingRatio, largestGapPosition, largestGapShare }) => ({ energyRank, leadingRatio, largestGapPosition, largestGapShare }))),
    );
  });

  it('measures the spectral-edge decline before grokking (docs/science.md §7)', () => {
    // seed 0: test acc ≥ 0.95 first at 16; g₂₃ = 10 − |e − 10| before it peaks at 10 (epoch 10); at 16 it is 2.5 → 4 > 1.5.
    assert.deepEqual(grok.seeds[0].spectralEdge, { grokEpoch95: 16, peakG23: 10, peakEpoch: 10, g23AtGrok: 2.5, ratio: 4, declined: true });
    // seed 1: first ≥ 0.95 at 14; g₂₃ = 3 before, 2.5 at 14 → 1.2, not declined.
    assert.equal(grok.seeds[1].spectralEdge.declined, false);
    assertClose(grok.seeds[1].spectralEdge.ratio, 1.2, 'seed 1 ratio');
    assert.equal(grok.seeds[2].spectralEdge.ratio, null);
    assert.equal(grok.spectralEdgeDecline.declinedCount, 1);
    assert.equal(grok.spectralEdgeDecline.evaluatedCount, 2);
    // median (4 + 1.2)/2 = 2.6; q25 = 1.2 + 0.25·2.8 = 1.9; q75 = 3.3.
    assertStatistic(grok.spectralEdgeDecline.ratio, { median: 2.6, iqr: [1.9, 3.3], count: 2 }, 'decline ratio');
    assert.deepEqual(control.spectralEdgeDecline, { declinedCount: 0, evaluatedCount: 0, ratio: { median: null, iqr: null, count: 0 } });
  });

  it('gives the Theorem-6 statistics per checkpoint, and "not applicable" without any number for η = 0', () => {
    assert.equal(grok.repulsion.length, 2);
    const [at10, at20] = grok.repulsion;
    assert.ok(at10.applicable && at20.applicable);
    assert.equal(at10.epoch, 10);
    assert.equal(at10.seedCount, 3);
    // fractionNegative 0.6, 0.7, 0.8 → 0.7 (0.65–0.75); signMatch 1, 1, 1; published 0.5, 0.6, 0.4 → 0.5 (0.45–0.55).
    assertStatistic(at10.fractionNegative, { median: 0.7, iqr: [0.65, 0.75], count: 3 }, 'fractionNegative@10');
    assertStatistic(at10.signMatch, { median: 1, iqr: [1, 1], count: 3 }, 'signMatch@10');
    assertStatistic(at10.publishedSignMatch, { median: 0.5, iqr: [0.45, 0.55], count: 3 }, 'published@10');
    // At 20 only seeds 0 and 1: 0.9, 0.8 → 0.85 (0.825–0.875); 1, 0.99 → 0.995 (0.9925–0.9975); 0.7, 0.5 → 0.6 (0.55–0.65).
    assert.equal(at20.seedCount, 2);
    assertStatistic(at20.fractionNegative, { median: 0.85, iqr: [0.825, 0.875], count: 2 }, 'fractionNegative@20');
    assertStatistic(at20.signMatch, { median: 0.995, iqr: [0.9925, 0.9975], count: 2 }, 'signMatch@20');
    assertStatistic(at20.publishedSignMatch, { median: 0.6, iqr: [0.55, 0.65], count: 2 }, 'published@20');
    assert.deepEqual(control.repulsion, [
      { epoch: 10, applicable: false, seedCount: 3, reason: 'weight decay is 0, so B = (F̃ᵀF̃ + ηI)⁻¹ is singular' },
      { epoch: 20, applicable: false, seedCount: 3, reason: 'weight decay is 0, so B = (F̃ᵀF̃ + ηI)⁻¹ is singular' },
    ]);
    // Not a number anywhere in the JSON of an inapplicable checkpoint.
    const json = JSON.parse(JSON.stringify(control.repulsion[0])) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), ['applicable', 'epoch', 'reason', 'seedCount']);
  });
});

describe('report model of a run still running, without summary.json', () => {
  it('computes the same numbers from the rows, says the run is running, and names a seed whose worker is gone', () => {
    const { run } = copyFixture();
    fs.rmSync(path.join(run, 'summary.json'));
    const manifestFile = path.join(run, 'run.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as RunManifest;
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, status: 'running', endTime: undefined }));
    // Seed 2 of grok claims to run in a process of this host that does not exist (pids are below 2²²).
    const statusFile = path.join(run, 'grok', 'seed-2.status.json');
    const status = JSON.parse(fs.readFileSync(statusFile, 'utf8')) as SeedStatusFile;
    fs.writeFileSync(statusFile, JSON.stringify({ ...status, status: 'running', message: undefined, pid: 2 ** 22 + 7, host: os.hostname() }));

    const live = buildRunReport(readReportInput(run));
    const final = readRunReport(FIXTURE_RUN);
    assert.equal(live.run.status, 'running');
    assert.equal(live.source, 'live');
    assert.match(live.notes[0], /still running/);
    const grok = condition(live, 'grok');
    assert.deepEqual(grok.incompleteSeeds, [{ seed: 2, status: 'interrupted', lastEpoch: 15, message: `its worker (pid ${2 ** 22 + 7}) is gone` }]);
    // Apart from seed 2's status, every number equals the final report's.
    const numbers = (report: RunReport) => report.conditions.map(({ incompleteSeeds: _incomplete, completedCount: _completed, seeds, ...rest }) => ({ ...rest, seeds: seeds.map(({ status: _status, message: _message, ...seed }) => seed) }));
    assert.deepEqual(numbers(live), numbers(final));
    assert.deepEqual(live.separations, final.separations);
  });
});

describe('spectral-edge decline edge cases', () => {
  const row = (epoch: number, testAcc: number, g23?: number) => ({ epoch, trainLoss: 1, trainAcc: 1, testLoss: 1, testAcc, weightNorm: 1, ...(g23 === undefined ? {} : { g23 }) });

  it('has no ratio without a grokking epoch, without g₂₃ before it, or with g₂₃ = 0 at it', () => {
    assert.equal(spectralEdgeDecline([row(0, 0.1, 5), row(1, 0.9, 4)], 0).ratio, null);
    assert.deepEqual(spectralEdgeDecline([row(0, 0.1), row(1, 0.96, 4)], 0), { grokEpoch95: 1, peakG23: null, peakEpoch: null, g23AtGrok: 4, ratio: null, declined: null });
    assert.equal(spectralEdgeDecline([row(0, 0.1, 3), row(1, 0.96, 0)], 0).ratio, null);
  });

  it('uses strictly earlier rows for the peak and the first row at ≥ 0.95 for the denominator', () => {
    // The row at grokking has the largest g₂₃; it is not "before", so the peak is 3 and the ratio 3/6.
    const decline = spectralEdgeDecline([row(0, 0.1, 2), row(1, 0.2, 3), row(2, 0.95, 6), row(3, 0.99, 0.1)], 0);
    assert.deepEqual(decline, { grokEpoch95: 2, peakG23: 3, peakEpoch: 1, g23AtGrok: 6, ratio: 0.5, declined: false });
    // Exactly 1.5 is not a decline ("> 1.5").
    assert.equal(spectralEdgeDecline([row(0, 0.1, 3), row(1, 0.95, 2)], 0).declined, false);
  });

  it('counts only rows whose window is full, as the author’s code does (epoch ≥ window)', () => {
    // Window 2: rows 0 and 1 hold fewer than 2 updates; their large early g₂₃ is no peak.
    const rows = [row(0, 0.1, 90), row(1, 0.1, 80), row(2, 0.2, 6), row(3, 0.5, 9), row(4, 0.96, 3)];
    assert.deepEqual(spectralEdgeDecline(rows, 2), { grokEpoch95: 4, peakG23: 9, peakEpoch: 3, g23AtGrok: 3, ratio: 3, declined: true });
    // A grokking row whose window is not full has no g₂₃ to divide by.
    assert.equal(spectralEdgeDecline(rows, 5).ratio, null);
    // Unknown window (no run.json, no assignment file): no decline.
    assert.deepEqual(spectralEdgeDecline(rows, undefined).declined, null);
  });
});

describe('report chart data', () => {
  it('keeps the charted fields and each seed’s latest pair list only, and drops Fourier events', () => {
    const input = readReportInput(FIXTURE_RUN);
    const data = reportChartData(input);
    assert.equal(data.runs.length, 1);
    const [run] = data.runs;
    assert.equal(run.seeds.length, 6);
    const first = run.seeds[0].records[10];
    assert.equal(first.testAcc, 0.1);
    assert.deepEqual(first.eigenvalues, [4, 2, 1, 0.5, 0.25]);
    assert.equal(first.g23, 10);
    assert.equal('singularValues' in first, false);
    assert.equal('milliseconds' in first, false);
    assert.equal(run.seeds[2].records.length, 16);
    const withPairs = run.events.filter((event) => event.type === 'repulsion' && event.pairList !== undefined).map((event) => `${event.condition}/${event.seed}@${event.epoch}`);
    assert.deepEqual(withPairs.sort(), ['grok/0@20', 'grok/1@20', 'grok/2@10']);
    assert.equal(run.events.filter((event) => event.type === 'repulsion').length, 11);
  });
});

describe('finding the run folder', () => {
  it('takes a run folder as it is, and the newest run of an experiment folder with a note', () => {
    assert.deepEqual(resolveRunFolder(FIXTURE_RUN), { runDirectory: FIXTURE_RUN, note: null });
    const { experiment, run } = copyFixture();
    const older = path.join(experiment, '2025-12-31T00-00-00Z-0000');
    fs.cpSync(run, older, { recursive: true });
    const olderManifest = JSON.parse(fs.readFileSync(path.join(older, 'run.json'), 'utf8')) as RunManifest;
    fs.writeFileSync(path.join(older, 'run.json'), JSON.stringify({ ...olderManifest, runId: path.basename(older), startTime: '2025-12-31T00:00:00.000Z' }));
    const resolved = resolveRunFolder(experiment);
    assert.equal(resolved.runDirectory, run);
    assert.equal(resolved.note, `${experiment} is an experiment folder with 2 runs; reporting the newest, ${path.basename(run)} (pass another run folder to report it).`);
  });

  it('says what to pass for a runs folder, a missing path, a file and an empty folder', () => {
    const { experiment, run } = copyFixture();
    const runs = path.dirname(experiment);
    assert.throws(() => resolveRunFolder(runs), (error: unknown) => error instanceof RunReportError && error.message === `${runs} is a runs folder (experiments: fixture); pass a run folder such as ${run}.`);
    assert.throws(() => resolveRunFolder(path.join(runs, 'nowhere')), { message: `${path.join(runs, 'nowhere')}: no such folder.` });
    const file = path.join(run, 'run.json');
    assert.throws(() => resolveRunFolder(file), { message: `${file}: not a folder; pass a run folder (<runs folder>/<experiment>/<run id>).` });
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-report-empty-'));
    assert.throws(() => resolveRunFolder(empty), { message: `${empty}: not a run folder (no run.json and no <condition>/seed-<n>.jsonl).` });
  });
});

describe('report of a run without run.json', () => {
  it('reads the condition folders and still reports every seed', () => {
    const { run } = copyFixture();
    fs.rmSync(path.join(run, 'run.json'));
    const summary = JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8')) as RunSummary;
    const report = readRunReport(run);
    assert.equal(report.run.experiment, null);
    assert.equal(report.run.runId, summary.runId);
    // The ended run's summary.json gives the condition order; the seeds come from the condition folders.
    assert.deepEqual(
      report.conditions.map((entry) => [entry.condition, entry.seedCount]),
      [
        ['grok', 3],
        ['control', 3],
      ],
    );
    assert.equal(condition(report, 'grok').settings.weightDecay, null);
  });
});
