// The run-folder module: atomic JSON, appended lines, tolerant reading of a killed writer's files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineAppender, RUN_EVENTS, RunFolderError, clearSeeds, createRunFolder, newRunId, readEvents, readManifest, readRun, seedRecordsPath, seedStatusPath, writeJsonAtomic, writeManifest, writeSeedStatus } from '../../src/runs/runFolder';
import { decodeJsonLines, JsonLinesDecoder } from '../../src/runs/jsonLines';
import { realRunState } from '../../src/runs/runFolderReader';
import type { RunManifest } from '../../src/shared/runFormat';

const temporaryFolder = () => fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-run-'));

/** A manifest of a run that starts at `startTime`, enough for the folder functions. */
function plannedManifest(startTime: string, runId = newRunId(new Date(startTime))): RunManifest {
  return { formatVersion: 1, runId, experiment: 'e', file: 'f', seeds: [0], conditions: [], configHash: 'h', engine: { name: 'wasm', threads: 1 }, versions: { grokkingLab: '0', node: 'v20' }, startTime, status: 'running', producer: 'test' };
}

describe('run folders', () => {
  it('reads what was written, skipping a truncated last line', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-run-'));
    const appender = new LineAppender(seedRecordsPath(directory, 'grok', 3));
    appender.appendJson({ epoch: 0, trainLoss: 1, trainAcc: 0, testLoss: 1, testAcc: 0, weightNorm: 1 });
    appender.appendJson({ epoch: 1, trainLoss: 0.5, trainAcc: 0.5, testLoss: 1, testAcc: 0, weightNorm: 1 });
    appender.close();
    fs.appendFileSync(seedRecordsPath(directory, 'grok', 3), '{"epoch": 2, "trainLo');
    const run = readRun(directory);
    assert.equal(run.manifest, undefined);
    assert.deepEqual(run.seeds.map((seed) => [seed.condition, seed.seed, seed.records.length]), [['grok', 3, 2]]);
  });

  it('uses the manifest for conditions and seeds and leaves no temporary files', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-run-'));
    const manifest = { formatVersion: 1, runId: 'r', experiment: 'e', file: 'f', seeds: [0, 1], conditions: [{ name: 'a', configHash: 'h' }], configHash: 'h', engine: { name: 'wasm', threads: 1 }, versions: { grokkingLab: '0', node: 'v20' }, startTime: 't', status: 'running', producer: 'test' } as unknown as RunManifest;
    writeManifest(directory, manifest);
    writeJsonAtomic(path.join(directory, 'x.json'), { a: 1 });
    assert.deepEqual(fs.readdirSync(directory).sort(), ['run.json', 'x.json']);
    const run = readRun(directory);
    assert.deepEqual(run.seeds.map((seed) => `${seed.condition}/${seed.seed}:${seed.records.length}`), ['a/0:0', 'a/1:0']);
  });

  it('makes run ids that sort by time and are folder-safe', () => {
    const earlier = newRunId(new Date('2026-01-02T03:04:05Z'));
    const later = newRunId(new Date('2026-01-02T03:04:06Z'));
    assert.ok(earlier < later);
    assert.match(earlier, /^[A-Za-z0-9][A-Za-z0-9._-]*$/);
  });

  it('never shares a run folder: a run whose id is taken gets a new one, also for 100 runs started in the same second', () => {
    const runsFolder = temporaryFolder();
    const startTime = '2026-12-07T12:00:00.000Z';
    const taken = plannedManifest(startTime);
    fs.mkdirSync(path.join(runsFolder, 'e', taken.runId), { recursive: true });
    fs.writeFileSync(path.join(runsFolder, 'e', taken.runId, 'marker'), 'another run');
    const clashed = createRunFolder(runsFolder, 'e', taken);
    assert.notEqual(clashed.manifest.runId, taken.runId);
    assert.equal(clashed.runDirectory, path.join(runsFolder, 'e', clashed.manifest.runId));
    assert.deepEqual(readManifest(clashed.runDirectory), clashed.manifest);
    assert.deepEqual(fs.readdirSync(path.join(runsFolder, 'e', taken.runId)), ['marker'], 'the other run is untouched');

    // Each planned with the same id, as a script starting runs in one second may draw.
    const same = plannedManifest(startTime, taken.runId);
    const folders = Array.from({ length: 100 }, () => createRunFolder(runsFolder, 'e', same).runDirectory);
    assert.equal(new Set(folders).size, 100);
    for (const folder of folders) assert.equal(readManifest(folder)?.runId, path.basename(folder));
  });

  it('says in one line why a run folder cannot be made', () => {
    const runsFolder = temporaryFolder();
    fs.writeFileSync(path.join(runsFolder, 'file'), 'not a folder');
    assert.throws(
      () => createRunFolder(path.join(runsFolder, 'file'), 'e', plannedManifest('2026-12-07T12:00:00.000Z')),
      (error) => error instanceof RunFolderError && /^cannot make the runs folder .*file\/e: .*\((ENOTDIR|EEXIST)\)\.$/.test(error.message),
    );
  });

  it('counts what it cannot read: cut lines, garbage, and numbers JSON cannot hold (1e999 is Infinity)', () => {
    const text = '{"epoch":0,"testAcc":0.5}\nnot json\n{"epoch":1,"testAcc":1e999}\n[1,2]\n{"epoch":2,"testAcc":0.75}\n{"epoch":3,"te';
    const { rows, skipped } = decodeJsonLines(text);
    assert.deepEqual(rows, [{ epoch: 0, testAcc: 0.5 }, { epoch: 2, testAcc: 0.75 }]);
    assert.equal(skipped, 4);
    // Followed live, the cut last line is pending, not skipped, until the rest arrives.
    const decoder = new JsonLinesDecoder();
    assert.deepEqual(decoder.push('{"epoch":3,"te'), []);
    assert.deepEqual(decoder.push('stAcc":1}\n'), [{ epoch: 3, testAcc: 1 }]);
    assert.equal(decoder.skippedLines, 0);

    const directory = temporaryFolder();
    fs.mkdirSync(path.join(directory, 'grok'));
    fs.writeFileSync(seedRecordsPath(directory, 'grok', 0), `${text}\n{"noEpoch":true}\n`);
    fs.writeFileSync(path.join(directory, RUN_EVENTS), '{"type":"milestone","condition":"grok","seed":0,"epoch":3}\n{"type":"milestone"}\ngarbage\n');
    const run = readRun(directory);
    assert.deepEqual(run.seeds.map((seed) => [seed.records.map((record) => record.epoch), seed.skippedRows]), [[[0, 2], 5]]);
    assert.equal(run.events.length, 1);
    assert.equal(run.skippedEvents, 2);
  });

  it('clears the seeds a resumed run starts over, and nothing else', () => {
    const directory = temporaryFolder();
    for (const seed of [0, 1]) {
      const rows = new LineAppender(seedRecordsPath(directory, 'grok', seed));
      rows.appendJson({ epoch: 0 });
      rows.close();
      writeSeedStatus(directory, { condition: 'grok', seed, status: seed === 0 ? 'completed' : 'cancelled', lastEpoch: 0, epochs: 1, startTime: 't' });
    }
    fs.writeFileSync(path.join(directory, RUN_EVENTS), '{"type":"seedFinished","condition":"grok","seed":0,"epoch":0,"status":"completed"}\n{"type":"seedFinished","condition":"grok","seed":1,"epoch":0,"status":"cancelled"}\n');
    writeJsonAtomic(path.join(directory, 'summary.json'), {});
    clearSeeds(directory, [{ condition: 'grok', seed: 1 }]);
    assert.equal(fs.existsSync(seedRecordsPath(directory, 'grok', 1)), false);
    assert.equal(fs.existsSync(seedStatusPath(directory, 'grok', 1)), false);
    assert.equal(fs.existsSync(path.join(directory, 'summary.json')), false);
    assert.ok(fs.existsSync(seedRecordsPath(directory, 'grok', 0)));
    assert.deepEqual(readEvents(directory).map((event) => event.seed), [0]);
    assert.deepEqual(fs.readdirSync(directory).filter((name) => name.endsWith('.tmp')), []);
  });

  it('knows at once that a run whose producer is gone is interrupted, and its queued seeds with it', () => {
    const manifest = { ...plannedManifest('2026-12-07T12:00:00.000Z'), host: 'here', pid: 41 };
    const alive = (pid: number) => pid === 42;
    const seeds = [{ file: { condition: 'a', seed: 0, status: 'completed' as const, lastEpoch: 3, epochs: 3, startTime: 't' } }, { file: { condition: 'a', seed: 1, status: 'queued' as const, lastEpoch: -1, epochs: 3, startTime: 't' } }];
    // Written a second ago: without the producer's pid this would still count as running.
    const gone = realRunState({ manifest, seeds, active: false, quietForMs: 1000, host: 'here', processAlive: alive });
    assert.equal(gone.status, 'interrupted');
    assert.deepEqual(gone.seeds.map((seed) => seed.status), ['completed', 'interrupted']);
    assert.match(gone.seeds[1].message ?? '', /abandoned before it started/);
    // A live producer keeps seeds queued for as long as it likes.
    const waiting = realRunState({ manifest: { ...manifest, pid: 42 }, seeds, active: false, quietForMs: 3_600_000, host: 'here', processAlive: alive });
    assert.equal(waiting.status, 'running');
    // On another host the pid says nothing: the quiet rule decides.
    assert.equal(realRunState({ manifest, seeds, active: false, quietForMs: 1000, host: 'elsewhere', processAlive: alive }).status, 'running');
    assert.equal(realRunState({ manifest, seeds, active: false, quietForMs: 60_000, host: 'elsewhere', processAlive: alive }).status, 'interrupted');
  });

  it('treats a run.json whose config is damaged past completing as unreadable, not as a crash', () => {
    const directory = temporaryFolder();
    const damaged = { ...plannedManifest('2026-12-07T12:00:00.000Z'), conditions: [{ name: 'a', configHash: 'h', config: { model: null } }] };
    fs.writeFileSync(path.join(directory, 'run.json'), JSON.stringify(damaged));
    assert.equal(readManifest(directory), undefined);
    assert.equal(readRun(directory).manifest, undefined);
  });
});
