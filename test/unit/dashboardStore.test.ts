// The dashboard store: snapshot then appends, idempotent by (run, condition, seed, epoch) and by
// event, late messages of runs not shown dropped, dirty charts reported, memory bounded by decimation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppendMessage, RunSnapshot, SeedAppend, SnapshotMessage } from '../../src/shared/protocol/webview';
import { WEBVIEW_PROTOCOL_VERSION } from '../../src/shared/protocol/webview';
import type { EpochRecord, RunEvent, RunManifest } from '../../src/shared/runFormat';
import type { DashboardChange } from '../../src/webview/store';
import { DashboardStore } from '../../src/webview/store';
import { DASHBOARD_CHARTS, RECORD_CHARTS } from '../../src/shared/dashboard/series';
import { summaryTables } from '../../src/shared/dashboard/summaryTable';
import { withDefaults } from '../../src/shared/config/defaults';

function row(epoch: number, fields: Partial<EpochRecord> = {}): EpochRecord {
  return { epoch, trainLoss: 1 / (epoch + 1), trainAcc: 0, testLoss: 1, testAcc: 0, weightNorm: 1, ...fields };
}
function rows(from: number, to: number): EpochRecord[] {
  return Array.from({ length: to - from + 1 }, (_, index) => row(from + index));
}

const manifest = {
  runId: 'run-1',
  experiment: 'lockin',
  seeds: [0, 1],
  conditions: [
    // Full configs, as readers give them (src/shared/runFormatUpgrade.ts).
    { name: 'grok', configHash: 'a', config: withDefaults({ epochs: 400 }) },
    { name: 'control', configHash: 'b', config: withDefaults({ epochs: 400 }) },
  ],
  status: 'running',
} as unknown as RunManifest;

function runSnapshot(runId = 'run-1'): RunSnapshot {
  return {
    runId,
    manifest: { ...manifest, runId },
    status: 'running',
    timeUnit: 'epoch',
    seeds: [
      { condition: 'grok', seed: 0, status: 'running', epochs: 400, records: rows(0, 9) },
      { condition: 'control', seed: 0, status: 'running', epochs: 400, records: rows(0, 4) },
    ],
    events: [],
    summary: null,
  };
}

function snapshot(...runIds: string[]): SnapshotMessage {
  return { type: 'snapshot', protocolVersion: WEBVIEW_PROTOCOL_VERSION, runs: runIds.map(runSnapshot) };
}

function append(runId: string, seeds: SeedAppend[], events: RunEvent[] = []): AppendMessage {
  return { type: 'append', runs: [{ runId, seeds, events }] };
}

const epochsOf = (store: DashboardStore, runId: string, condition: string, seed: number) =>
  store.run(runId)?.seeds.find((entry) => entry.condition === condition && entry.seed === seed)?.records.map((record) => record.epoch);

describe('dashboard store', () => {
  it('applies a snapshot (everything stale) then appends in order (record charts stale)', () => {
    const store = new DashboardStore();
    const first = store.applySnapshot(snapshot('run-1', 'run-2'));
    assert.deepEqual(first.charts, [...DASHBOARD_CHARTS]);
    assert.equal(first.runsChanged, true);
    assert.deepEqual(store.runs.map((run) => run.runId), ['run-1', 'run-2']);

    const change = store.applyAppend(append('run-1', [{ condition: 'grok', seed: 0, records: rows(10, 12) }]));
    assert.deepEqual(epochsOf(store, 'run-1', 'grok', 0), rows(0, 12).map((record) => record.epoch));
    assert.deepEqual(change, { charts: [...RECORD_CHARTS, 'summary', 'seeds'], runIds: ['run-1'], runsChanged: false, ignored: 0 });
    // The other run is untouched.
    assert.deepEqual(epochsOf(store, 'run-2', 'grok', 0), rows(0, 9).map((record) => record.epoch));
    // A run's state feeds the summary tables as it is.
    const run = store.run('run-1');
    assert.ok(run);
    assert.deepEqual(summaryTables(run).seeds.map((seed) => seed.cells.epoch), ['12', '4']);
  });

  it('is idempotent: a resent batch changes nothing and is counted as ignored', () => {
    const store = new DashboardStore();
    store.applySnapshot(snapshot('run-1'));
    const batch = append('run-1', [{ condition: 'grok', seed: 0, records: rows(8, 11) }], [{ type: 'detectorFired', condition: 'grok', seed: 0, epoch: 11, gap23: 3, gapSlope: 0.05 }]);
    const first = store.applyAppend(batch);
    // Rows 8 and 9 were in the snapshot already.
    assert.equal(first.ignored, 2);
    const again = store.applyAppend(batch);
    assert.deepEqual(again, { charts: [], runIds: [], runsChanged: false, ignored: 5 });
    assert.deepEqual(epochsOf(store, 'run-1', 'grok', 0), rows(0, 11).map((record) => record.epoch));
    assert.equal(store.run('run-1')?.events.length, 1);
    // A duplicate epoch keeps the first row received.
    store.applyAppend(append('run-1', [{ condition: 'grok', seed: 0, records: [row(5, { testAcc: 0.77 })] }]));
    assert.equal(store.run('run-1')?.seeds[0].records[5].testAcc, 0);
  });

  it('puts a missing earlier row in its place', () => {
    const store = new DashboardStore();
    store.applySnapshot({ type: 'snapshot', protocolVersion: 1, runs: [{ ...runSnapshot(), seeds: [{ condition: 'grok', seed: 0, status: 'running', epochs: 400, records: [row(4), row(0), row(2), row(2)] }] }] });
    // The snapshot's rows are sorted and deduplicated too.
    assert.deepEqual(epochsOf(store, 'run-1', 'grok', 0), [0, 2, 4]);
    store.applyAppend(append('run-1', [{ condition: 'grok', seed: 0, records: [row(3), row(1), row(6), row(5)] }]));
    assert.deepEqual(epochsOf(store, 'run-1', 'grok', 0), [0, 1, 2, 3, 4, 5, 6]);
  });

  it('drops late appends of runs not shown, e.g. after switching to another run', () => {
    const store = new DashboardStore();
    store.applySnapshot(snapshot('run-1'));
    store.applySnapshot(snapshot('run-2'));
    let notified = 0;
    store.onDidChange(() => notified++);
    const change = store.applyAppend(append('run-1', [{ condition: 'grok', seed: 0, records: rows(10, 12) }], [{ type: 'milestone', condition: 'grok', seed: 0, epoch: 10, milestone: 'memorized' }]));
    assert.deepEqual(change, { charts: [], runIds: [], runsChanged: false, ignored: 4 });
    assert.equal(notified, 0);
    assert.equal(store.run('run-1'), undefined);
    assert.equal(store.applyRunStatus({ type: 'runStatus', runId: 'run-1', status: 'completed' }).charts.length, 0);
  });

  it('marks the charts of each event type, once per event', () => {
    const store = new DashboardStore();
    store.applySnapshot(snapshot('run-1'));
    const charts = (event: RunEvent) => store.applyAppend(append('run-1', [], [event])).charts;
    assert.deepEqual(charts({ type: 'detectorFired', condition: 'grok', seed: 0, epoch: 120, gap23: 3, gapSlope: 0.05 }), ['eigenvalues', 'gap', 'detectorSlope', 'summary', 'seeds']);
    assert.deepEqual(charts({ type: 'milestone', condition: 'grok', seed: 0, epoch: 30, milestone: 'memorized' }), ['accuracy', 'summary']);
    // Another milestone at the same epoch is another event.
    assert.deepEqual(charts({ type: 'milestone', condition: 'grok', seed: 0, epoch: 30, milestone: 'grok50' }), ['accuracy', 'summary']);
    assert.deepEqual(charts({ type: 'repulsion', condition: 'grok', seed: 0, epoch: 50, applicable: true, weightDecay: 2e-4, pairs: 1, milliseconds: 3 }), ['repulsion', 'coupling']);
    assert.deepEqual(charts({ type: 'seedFinished', condition: 'grok', seed: 0, epoch: 400, status: 'completed' }), ['summary', 'seeds']);
    assert.deepEqual(charts({ type: 'milestone', condition: 'grok', seed: 0, epoch: 30, milestone: 'memorized' }), []);
    assert.equal(store.run('run-1')?.events.length, 5);
  });

  it('applies seed statuses, restarts, seeds it did not know, run statuses and removals', () => {
    const store = new DashboardStore();
    store.applySnapshot(snapshot('run-1'));
    const failed = store.applyAppend(append('run-1', [{ condition: 'control', seed: 0, records: [], status: { status: 'failed', message: 'the worker crashed' } }]));
    assert.deepEqual(failed.charts, ['summary', 'seeds']);
    assert.equal(store.run('run-1')?.seeds[1].message, 'the worker crashed');
    // Re-run: the seed starts again from epoch 0; its rows are replaced and the old message goes.
    store.applyAppend(append('run-1', [{ condition: 'control', seed: 0, records: rows(0, 1), status: { status: 'running' }, restart: true }]));
    assert.deepEqual(epochsOf(store, 'run-1', 'control', 0), [0, 1]);
    assert.equal(store.run('run-1')?.seeds[1].status, 'running');
    assert.equal(store.run('run-1')?.seeds[1].message, undefined);
    // A seed the snapshot did not list (it had not started) takes its place in manifest order.
    store.applyAppend(append('run-1', [{ condition: 'grok', seed: 1, records: rows(0, 0) }]));
    assert.deepEqual(
      store.run('run-1')?.seeds.map((seed) => `${seed.condition}/${seed.seed}:${seed.status}:${seed.epochs}`),
      ['grok/0:running:400', 'grok/1:running:400', 'control/0:running:400'],
    );
    const ended = store.applyMessage({ type: 'runStatus', runId: 'run-1', status: 'completed', endTime: 'T', summary: { formatVersion: 1, runId: 'run-1', seeds: [], conditions: [], separation: [] } });
    assert.deepEqual(ended.charts, ['summary', 'seeds']);
    assert.equal(store.run('run-1')?.status, 'completed');
    assert.equal(store.run('run-1')?.endTime, 'T');
    assert.notEqual(store.run('run-1')?.summary, null);
    const removed = store.applyMessage({ type: 'runRemoved', runId: 'run-1' });
    assert.equal(removed.runsChanged, true);
    assert.deepEqual(store.runs, []);
  });

  it('bounds memory on long live runs by decimating the run’s seeds together, spikes kept', () => {
    const store = new DashboardStore({ maxRecordsPerSeed: 100 });
    store.applySnapshot({ type: 'snapshot', protocolVersion: 1, runs: [{ ...runSnapshot(), seeds: [
      { condition: 'grok', seed: 0, status: 'running', epochs: 400, records: [] },
      { condition: 'control', seed: 0, status: 'running', epochs: 400, records: [] },
    ] }] });
    const spiky = rows(0, 149).map((record) => (record.epoch === 77 ? { ...record, trainLoss: 50 } : record));
    store.applyAppend(append('run-1', [
      { condition: 'grok', seed: 0, records: spiky },
      { condition: 'control', seed: 0, records: rows(0, 149) },
    ]));
    const [grok, control] = store.run('run-1')?.seeds ?? [];
    assert.ok(grok.records.length <= 50, `${grok.records.length} rows`);
    assert.deepEqual(grok.decimation, { sourceRecordCount: 150, method: 'minMaxBuckets' });
    assert.ok(grok.records.some((record) => record.epoch === 77 && record.trainLoss === 50));
    assert.equal(grok.records.at(-1)?.epoch, 149);
    assert.deepEqual(control.records.map((record) => record.epoch), grok.records.map((record) => record.epoch));
    // After decimation: a resent old row is ignored (not reinserted), a new one extends the seed.
    const change = store.applyAppend(append('run-1', [{ condition: 'grok', seed: 0, records: [row(78), row(150)] }]));
    assert.equal(change.ignored, 1);
    assert.equal(grok.records.at(-1)?.epoch, 150);
    assert.equal(grok.records.some((record) => record.epoch === 78), false);
    assert.equal(grok.decimation?.sourceRecordCount, 151);
  });

  it('notifies listeners of changes until disposed', () => {
    const store = new DashboardStore();
    const changes: DashboardChange[] = [];
    const subscription = store.onDidChange((change) => changes.push(change));
    store.applyMessage(snapshot());
    assert.equal(changes.length, 1);
    assert.equal(changes[0].runsChanged, true);
    assert.deepEqual(changes[0].charts, [...DASHBOARD_CHARTS]);
    subscription.dispose();
    store.applyMessage(snapshot('run-1'));
    assert.equal(changes.length, 1);
  });
});
