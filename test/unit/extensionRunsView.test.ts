// What the Runs view and the status bar say (src/extension/runs/runsViewText.ts; status rules: src/runs/status.ts): icons, descriptions, ETA,
// run order, the real status of abandoned runs, and which seeds are re-run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { activeRunsStatusText, describeCondition, describeRun, describeSeed, estimateRemainingMs, formatDuration, seedIcon, seedTimeUnit, tallySeeds } from '../../src/extension/runs/runsViewText';
import { defaultRunConfig, withDefaults } from '../../src/shared/config/defaults';
import { compareRunsNewestFirst, effectiveRunStatus, effectiveSeedStatus, missingSeeds, type SeedState } from '../../src/runs/status';
import type { RunManifest, SeedStatus } from '../../src/shared/runFormat';

const start = '2026-11-22T10:00:00.000Z';
const startMs = Date.parse(start);

function seed(overrides: Partial<SeedState>): SeedState {
  return { condition: 'grok', seed: 0, status: 'running', epoch: 99, epochs: 400, startTime: start, ...overrides };
}

describe('ETA', () => {
  it('extrapolates the pace of the rows written so far', () => {
    // Rows 0…99 (100 rows) in 50 s: 0.5 s a row; rows 100…400 (301 rows) remain: 150.5 s.
    assert.equal(estimateRemainingMs(seed({}), startMs + 50_000), 150_500);
  });
  it('is unknown before the first row or without a start time', () => {
    assert.equal(estimateRemainingMs(seed({ epoch: -1 }), startMs + 1000), undefined);
    assert.equal(estimateRemainingMs(seed({ startTime: undefined }), startMs + 1000), undefined);
  });
  it('formats durations for people', () => {
    assert.equal(formatDuration(400), '< 1 s');
    assert.equal(formatDuration(45_000), '45 s');
    assert.equal(formatDuration(150_000), '3 min');
    assert.equal(formatDuration(80 * 60_000), '1 h 20 min');
    assert.equal(formatDuration(120 * 60_000), '2 h');
  });
});

describe('seed descriptions and icons', () => {
  const now = startMs + 50_000;
  it('running: epoch of epochs, ETA, and milestones as they happen', () => {
    assert.equal(describeSeed(seed({}), now, 'epoch'), 'epoch 99/400 · ETA 3 min');
    assert.equal(describeSeed(seed({ detectorEpoch: 80 }), now, 'epoch'), 'epoch 99/400 · ETA 3 min · detector fired at 80');
    assert.equal(describeSeed(seed({ epoch: -1 }), now, 'epoch'), 'starting');
    assert.deepEqual(seedIcon(seed({})), { id: 'loading~spin' });
  });
  it('finished: grokked at N, detector fired at N, or neither', () => {
    assert.equal(describeSeed(seed({ status: 'completed', epoch: 400, grokEpoch: 160, detectorEpoch: 120 }), now, 'epoch'), 'grokked at 160 · detector fired at 120');
    assert.equal(describeSeed(seed({ status: 'completed', epoch: 400 }), now, 'epoch'), 'completed, not grokked (400 epochs)');
    assert.equal(seedIcon(seed({ status: 'completed', grokEpoch: 160 })).id, 'pass-filled');
    assert.equal(seedIcon(seed({ status: 'completed', detectorEpoch: 120 })).id, 'pulse');
    assert.equal(seedIcon(seed({ status: 'completed' })).id, 'circle-large-outline');
  });
  it('failures say why; stops say when', () => {
    assert.equal(describeSeed(seed({ status: 'failed', message: 'out of memory' }), now, 'epoch'), 'failed: out of memory');
    assert.equal(describeSeed(seed({ status: 'diverged', message: 'the train loss became NaN at epoch 12' }), now, 'epoch'), 'diverged: the train loss became NaN at epoch 12');
    assert.equal(describeSeed(seed({ status: 'cancelled', epoch: 42 }), now, 'epoch'), 'cancelled at epoch 42');
    assert.equal(describeSeed(seed({ status: 'interrupted', epoch: 42, detectorEpoch: 30 }), now, 'epoch'), 'interrupted at epoch 42 · detector fired at 30');
    assert.equal(describeSeed(seed({ status: 'queued', epoch: -1 }), now, 'epoch'), 'queued');
    assert.equal(describeSeed(seed({ status: 'cancelled', epoch: -1 }), now, 'epoch'), 'cancelled before it started');
  });
  it('every status has an icon', () => {
    const statuses: SeedStatus[] = ['queued', 'running', 'completed', 'diverged', 'failed', 'cancelled', 'interrupted'];
    const ids = statuses.map((status) => seedIcon(seed({ status })).id);
    assert.equal(new Set(ids).size, statuses.length, `icons ${ids.join(', ')} should differ`);
  });
});

describe('runs and conditions', () => {
  const now = startMs + 50_000;
  const seeds = [
    seed({ seed: 0 }),
    seed({ seed: 1, epoch: 49 }),
    seed({ seed: 2, status: 'completed', epoch: 400, grokEpoch: 150, detectorEpoch: 110 }),
    seed({ seed: 3, status: 'failed', message: 'boom' }),
  ];
  it('tallies seeds: by status, grokked, fired, slowest epoch and the longest ETA', () => {
    const tally = tallySeeds(seeds, now);
    assert.equal(tally.byStatus.running, 2);
    assert.equal(tally.grokked, 1);
    assert.equal(tally.fired, 1);
    assert.equal(tally.slowestRunningEpoch, 49);
    // Seed 1: 50 rows in 50 s, 351 rows left.
    assert.equal(tally.remainingMs, 351_000);
    assert.equal(tallySeeds([...seeds, seed({ seed: 4, status: 'queued', epoch: -1 })], now).remainingMs, undefined, 'no ETA while seeds wait');
  });
  it('describes a condition and a run', () => {
    assert.equal(describeCondition(seeds, now), '2/4 done · grokked 1/4 · fired 1/4 · 1 failed or diverged');
    const running = describeRun({ status: 'running', seeds, timeUnit: 'epoch' }, now);
    assert.match(running, /2\/4 seeds done · epoch 49 · ETA 6 min$/);
    assert.match(describeRun({ status: 'completed', startTime: start, seeds, timeUnit: 'epoch' }, now), /^\d{4}-\d\d-\d\d \d\d:\d\d · completed · 4 seeds · grokked 1\/4 · fired 1\/4$/);
  });
  it('orders runs newest first, by start time or else by run id', () => {
    const runs = [
      { runId: '2026-11-20T10-00-00Z-aaaa', startTime: '2026-11-20T10:00:00Z' },
      { runId: '2026-11-22T10-00-00Z-bbbb', startTime: '2026-11-22T10:00:00Z' },
      { runId: '2026-11-21T10-00-00Z-cccc' },
    ];
    assert.deepEqual([...runs].sort(compareRunsNewestFirst).map((run) => run.runId.slice(0, 10)), ['2026-11-22', '2026-11-21', '2026-11-20']);
  });
  it('status-bar text: runs, seeds, epoch', () => {
    assert.equal(activeRunsStatusText(1, 4, 120, 'epoch'), '$(sync~spin) 1 run · 4 seeds · epoch 120');
    assert.equal(activeRunsStatusText(2, 1, 3, 'epoch'), '$(sync~spin) 2 runs · 1 seed · epoch 3');
    assert.equal(activeRunsStatusText(1, 0, undefined, 'epoch'), '$(sync~spin) 1 run · queued');
  });
  it('says step for Transformer runs and seeds, epoch/step when both train', () => {
    const now = startMs + 50_000;
    const transformerSeed = seed({ epoch: 1200, epochs: 10_000 });
    assert.match(describeSeed(transformerSeed, now, 'step'), /^step 1200\/10000 · ETA /);
    assert.equal(describeSeed(seed({ status: 'completed', epoch: 10_000, epochs: 10_000 }), now, 'step'), 'completed, not grokked (10000 steps)');
    assert.equal(describeSeed(seed({ status: 'cancelled', epoch: 300 }), now, 'step'), 'cancelled at step 300');
    assert.match(describeRun({ status: 'running', seeds: [transformerSeed], timeUnit: 'step' }, now), /0\/1 seeds done · step 1200/);
    assert.equal(activeRunsStatusText(1, 4, 1200, 'step'), '$(sync~spin) 1 run · 4 seeds · step 1200');
    assert.equal(activeRunsStatusText(2, 4, 120, 'mixed'), '$(sync~spin) 2 runs · 4 seeds · epoch/step 120');
    // A seed counts in its condition's unit: the manifest's config decides, else the run's.
    const manifest = { conditions: [{ name: 'mlp', config: defaultRunConfig() }, { name: 'tf', config: withDefaults({ model: { kind: 'transformer' } }) }] } as unknown as RunManifest;
    assert.equal(seedTimeUnit({ manifest, timeUnit: 'mixed' }, 'mlp'), 'epoch');
    assert.equal(seedTimeUnit({ manifest, timeUnit: 'mixed' }, 'tf'), 'step');
    assert.equal(seedTimeUnit({ timeUnit: 'step' }, 'tf'), 'step');
  });
});

describe('real status of runs whose producer died', () => {
  it('trusts a live producer, and a finished manifest', () => {
    assert.equal(effectiveRunStatus('running', ['running', 'queued'], false, 999_999), 'running');
    assert.equal(effectiveRunStatus('completed', ['completed'], false, 999_999), 'completed');
    assert.equal(effectiveRunStatus('running', ['queued'], false, 1000), 'running', 'a producer between two seeds is still running');
    assert.equal(effectiveRunStatus('running', ['cancelled'], true, 999_999), 'running', 'an active run of this window is running');
  });
  it('calls a silent run with no live seed interrupted, or completed if every seed has a result', () => {
    assert.equal(effectiveRunStatus('running', ['completed', 'queued'], false, 60_000), 'interrupted');
    assert.equal(effectiveRunStatus('running', ['completed', 'interrupted'], false, 60_000), 'interrupted');
    assert.equal(effectiveRunStatus('running', ['completed', 'diverged'], false, 60_000), 'completed');
    assert.equal(effectiveRunStatus('running', ['completed', 'failed'], false, 60_000), 'failed');
  });
  it('a running seed whose worker is gone is interrupted; unknown liveness is trusted unless the run is abandoned', () => {
    assert.equal(effectiveSeedStatus('running', false, false), 'interrupted');
    assert.equal(effectiveSeedStatus('running', true, false), 'running');
    assert.equal(effectiveSeedStatus('running', undefined, false), 'running');
    assert.equal(effectiveSeedStatus('running', undefined, true), 'interrupted');
    assert.equal(effectiveSeedStatus('queued', undefined, true), 'interrupted');
    assert.equal(effectiveSeedStatus('completed', false, true), 'completed');
  });
  it('re-runs every seed without a result, not completed or diverged ones', () => {
    const statuses: SeedStatus[] = ['queued', 'running', 'completed', 'diverged', 'failed', 'cancelled', 'interrupted'];
    assert.deepEqual(missingSeeds(statuses.map((status) => ({ status }))).map((seed) => seed.status), ['queued', 'running', 'failed', 'cancelled', 'interrupted']);
  });
});
