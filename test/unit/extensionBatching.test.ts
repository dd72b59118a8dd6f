// Batching of live worker output (src/extension/batching.ts): grouping per run and seed, the
// at-most-once-per-interval flush rule on a caller-driven clock, status and restart handling.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordBatcher, Throttle } from '../../src/extension/batching';
import type { EpochRecord, RunEvent } from '../../src/shared/runFormat';

function row(epoch: number): EpochRecord {
  return { epoch, trainLoss: 1, trainAcc: 0.5, testLoss: 1, testAcc: 0.1, weightNorm: 3 };
}
const runA = '/runs/exp/a';
const runB = '/runs/exp/b';

describe('RecordBatcher', () => {
  it('groups records per run and per seed, in arrival order', () => {
    const batcher = new RecordBatcher(100);
    batcher.addRecords(runA, 'a', 'grok', 0, [row(0)]);
    batcher.addRecords(runB, 'b', 'default', 0, [row(0)]);
    batcher.addRecords(runA, 'a', 'control', 1, [row(0)]);
    batcher.addRecords(runA, 'a', 'grok', 0, [row(1), row(2)]);
    const batches = batcher.take(0);
    assert.deepEqual(batches.map((batch) => batch.runId), ['a', 'b']);
    assert.equal(batches[0].runDirectory, runA);
    assert.deepEqual(
      batches[0].seeds.map((seed) => [seed.condition, seed.seed, seed.records.map((record) => record.epoch)]),
      [
        ['grok', 0, [0, 1, 2]],
        ['control', 1, [0]],
      ],
    );
    assert.deepEqual(batcher.take(1), [], 'a take empties the batcher');
  });

  it('keeps events in order and the last status of a seed', () => {
    const batcher = new RecordBatcher(100);
    const fired: RunEvent = { type: 'detectorFired', condition: 'grok', seed: 0, epoch: 120, gap23: 3, gapSlope: 0.05 };
    const milestone: RunEvent = { type: 'milestone', condition: 'grok', seed: 0, epoch: 150, milestone: 'grok99' };
    batcher.setStatus(runA, 'a', 'grok', 0, 'running');
    batcher.addEvent(runA, 'a', fired);
    batcher.addEvent(runA, 'a', milestone);
    batcher.setStatus(runA, 'a', 'grok', 0, 'failed', 'out of memory');
    const [batch] = batcher.take(0);
    assert.deepEqual(batch.events, [fired, milestone]);
    assert.deepEqual(batch.seeds[0].status, { status: 'failed', message: 'out of memory' });
    assert.deepEqual(batch.seeds[0].records, []);
  });

  it('flushes at once after a quiet period, then at most once per interval whatever the number of seeds', () => {
    const batcher = new RecordBatcher(100);
    assert.equal(batcher.delayUntilFlush(0), undefined, 'nothing pending, nothing to schedule');
    batcher.addRecords(runA, 'a', 'grok', 0, [row(0)]);
    assert.equal(batcher.delayUntilFlush(1000), 0, 'first output goes out at once');
    assert.equal(batcher.take(1000).length, 1);

    // 64 seeds report within the next 30 ms: one flush at 1100, not 64.
    for (let seed = 0; seed < 64; seed++) batcher.addRecords(runA, 'a', 'grok', seed, [row(1)]);
    assert.equal(batcher.delayUntilFlush(1030), 70);
    const flushTimes: number[] = [];
    for (let now = 1030; now <= 2000; now += 5) {
      if (now % 20 === 0) batcher.addRecords(runA, 'a', 'grok', now % 64, [row(now)]);
      const delay = batcher.delayUntilFlush(now);
      if (delay === 0) {
        batcher.take(now);
        flushTimes.push(now);
      }
    }
    assert.ok(flushTimes.length <= 10, `${flushTimes.length} flushes in one second`);
    for (let index = 1; index < flushTimes.length; index++) assert.ok(flushTimes[index] - flushTimes[index - 1] >= 100);
  });

  it('a restarted seed drops what was pending for it and says restart', () => {
    const batcher = new RecordBatcher(100);
    batcher.addRecords(runA, 'a', 'grok', 0, [row(7)]);
    batcher.restartSeed(runA, 'a', 'grok', 0);
    batcher.addRecords(runA, 'a', 'grok', 0, [row(0)]);
    const [batch] = batcher.take(0);
    assert.equal(batch.seeds[0].restart, true);
    assert.deepEqual(batch.seeds[0].records.map((record) => record.epoch), [0]);
  });

  it('forgets a run', () => {
    const batcher = new RecordBatcher(100);
    batcher.addRecords(runA, 'a', 'grok', 0, [row(0)]);
    batcher.addRecords(runB, 'b', 'grok', 0, [row(0)]);
    batcher.forgetRun(runA);
    assert.deepEqual(batcher.take(0).map((batch) => batch.runId), ['b']);
  });

  it('an empty take does not delay the next flush', () => {
    const batcher = new RecordBatcher(100);
    assert.deepEqual(batcher.take(500), []);
    batcher.addRecords(runA, 'a', 'grok', 0, [row(0)]);
    assert.equal(batcher.delayUntilFlush(510), 0);
  });
});

describe('Throttle', () => {
  it('fires at once after a quiet period, and once per interval for many requests', () => {
    const throttle = new Throttle(250);
    assert.equal(throttle.request(1000), 0);
    assert.equal(throttle.fire(1000), true);
    assert.equal(throttle.request(1010), 240);
    assert.equal(throttle.request(1100), 150, 'a second request in the same interval waits for the same time');
    assert.equal(throttle.fire(1250), true);
    assert.equal(throttle.fire(1300), false, 'nothing requested since');
  });
});
