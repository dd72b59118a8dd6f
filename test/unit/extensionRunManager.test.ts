// The extension's run manager with real training workers (dist/worker.js, built by `npm test`'s
// pretest): the run folder it writes, the concurrency limit, batched live records, Stop and
// shutdown leaving no worker process and every seed with its real status, a crashed seed, and
// Re-run Missing Seeds. Then the Runs view's reader and the live follower on real folders.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecordBatch } from '../../src/extension/batching';
import { parseExperimentFile } from '../../src/shared/config/parse';
import type { ResolvedExperiment } from '../../src/shared/config/types';
import type { RunEvent, RunManifest } from '../../src/shared/runFormat';
import { LiveRecords } from '../../src/extension/runs/liveRecords';
import { findRunDirectories, isProcessAlive, JsonLinesTail, RunFolderReader } from '../../src/runs/runFolderReader';
import { RunManager, type ActiveRunView } from '../../src/extension/runs/runManager';
import { isEpochRecord, readManifest, readRun, readSeedRecords, readSeedStatus, readSummary, writeManifest, writeSeedStatus } from '../../src/runs/runFolder';

const root = path.resolve(__dirname, '..', '..');
const workerScript = path.join(root, 'dist', 'worker.js');

function experiment(epochs: number, seeds = 2): ResolvedExperiment {
  const text = `experiments:
  tiny:
    task: { operation: add, modulus: 11, trainSize: 50 }
    model: { hidden: 32, activation: square }
    epochs: ${epochs}
    seeds: ${seeds}
    conditions:
      grok: {}
      control: { optimizer: { weightDecay: 0 } }
`;
  const parsed = parseExperimentFile('tiny.grok.yaml', text);
  assert.deepEqual(parsed.problems, []);
  return parsed.experiments[0];
}

interface Harness {
  manager: RunManager;
  batches: RunRecordBatch[];
  log: string[];
  /** Highest number of workers seen running at once. */
  peakWorkers: () => number;
}

function harness(limit: number): Harness {
  const log: string[] = [];
  const manager = new RunManager({
    workerScript,
    execPath: process.execPath,
    maxConcurrentSeeds: () => limit,
    versions: { grokkingLab: 'test', node: process.version },
    log: { info: (line) => log.push(`info ${line}`), warn: (line) => log.push(`warn ${line}`), error: (line) => log.push(`error ${line}`) },
    graceMs: 3000,
  });
  const batches: RunRecordBatch[] = [];
  let peak = 0;
  const sample = () => (peak = Math.max(peak, manager.workerCount));
  manager.onDidRecord((batch) => {
    batches.push(batch);
    sample();
  });
  manager.onDidChange(sample);
  return { manager, batches, log, peakWorkers: () => peak };
}

function firstRecord(manager: RunManager): Promise<void> {
  return new Promise((resolve) => {
    const subscription = manager.onDidRecord((batch) => {
      if (batch.seeds.some((seed) => seed.records.length > 0)) {
        subscription.dispose();
        resolve();
      }
    });
  });
}

function workerPidsOf(run: ActiveRunView | string, manifest?: RunManifest): number[] {
  const directory = typeof run === 'string' ? run : run.runDirectory;
  const found = manifest ?? readManifest(directory);
  assert.ok(found);
  return found.conditions.flatMap((condition) => found.seeds.flatMap((seed) => readSeedStatus(directory, condition.name, seed)?.pid ?? []));
}

let runsFolder: string;

before(() => {
  assert.ok(fs.existsSync(workerScript), 'dist/worker.js is missing: run `npm run build` (npm test does it)');
  runsFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-manager-'));
});
after(() => fs.rmSync(runsFolder, { recursive: true, force: true }));

function launch(manager: RunManager, resolved: ResolvedExperiment): Promise<ActiveRunView> {
  return manager.launch({ experiment: resolved, runsFolder, file: 'tiny.grok.yaml', fileDirectory: runsFolder });
}

describe('RunManager with real workers', () => {
  it('runs every (condition, seed), at most maxConcurrentSeeds at once, and writes the run folder like the CLI', async () => {
    const { manager, batches, peakWorkers } = harness(2);
    const run = await launch(manager, experiment(30));
    assert.equal(manager.activeRun(run.runDirectory)?.runId, run.runId);
    assert.equal(await run.finished, 'completed');
    manager.dispose();

    assert.ok(peakWorkers() <= 2, `${peakWorkers()} workers ran at once`);
    assert.equal(manager.activeRuns.length, 0);
    const manifest = readManifest(run.runDirectory);
    assert.ok(manifest);
    assert.equal(manifest.producer, 'extension');
    assert.equal(manifest.status, 'completed');
    assert.ok(manifest.endTime);
    assert.deepEqual(manifest.conditions.map((condition) => condition.name), ['grok', 'control']);
    assert.deepEqual(manifest.seeds, [0, 1]);
    assert.equal(path.relative(runsFolder, run.runDirectory), path.join('tiny', run.runId));
    const summary = readSummary(run.runDirectory);
    assert.equal(summary?.seeds.length, 4);
    assert.deepEqual(summary?.conditions.map((condition) => condition.condition), ['grok', 'control']);
    for (const condition of ['grok', 'control']) {
      for (const seed of [0, 1]) {
        assert.ok(fs.existsSync(path.join(run.runDirectory, condition, `seed-${seed}.assignment.json`)));
        assert.equal(readSeedStatus(run.runDirectory, condition, seed)?.status, 'completed');
        const onDisk = readSeedRecords(run.runDirectory, condition, seed).map((record) => record.epoch);
        assert.deepEqual(onDisk, Array.from({ length: 31 }, (_, epoch) => epoch));
        // Every row written reached the live stream, in order, once.
        const streamed = batches.flatMap((batch) => batch.seeds.filter((entry) => entry.condition === condition && entry.seed === seed).flatMap((entry) => entry.records.map((record) => record.epoch)));
        assert.deepEqual(streamed, onDisk);
        const statuses = batches.flatMap((batch) => batch.seeds.filter((entry) => entry.condition === condition && entry.seed === seed && entry.status).map((entry) => entry.status?.status));
        assert.equal(statuses.at(-1), 'completed');
      }
    }
    // Far fewer batches than rows: 4 seeds × 31 rows arrived in batches.
    assert.ok(batches.length < 4 * 31, `${batches.length} batches`);
    assert.deepEqual(findRunDirectories(runsFolder), [run.runDirectory]);
  });

  it('Stop cancels queued seeds and stops running workers: no worker process is left', async () => {
    const { manager, log } = harness(1);
    const run = await launch(manager, experiment(1_000_000, 2));
    await firstRecord(manager);
    const pids = manager.workerPids;
    assert.equal(pids.length, 1);
    assert.equal(await manager.stop(run.runDirectory), 'cancelled');
    manager.dispose();

    for (const pid of [...pids, ...workerPidsOf(run)]) assert.equal(isProcessAlive(pid), false, `worker ${pid} is still alive`);
    assert.equal(readManifest(run.runDirectory)?.status, 'cancelled');
    const statuses = ['grok', 'control'].flatMap((condition) => [0, 1].map((seed) => readSeedStatus(run.runDirectory, condition, seed)));
    assert.ok(statuses.every((status) => status?.status === 'cancelled'), JSON.stringify(statuses.map((status) => status?.status)));
    assert.equal(statuses.filter((status) => status?.message === 'cancelled before it started').length, 3);
    assert.ok((statuses[0]?.lastEpoch ?? -1) >= 0, 'the stopped seed kept its rows');
    assert.ok(readSummary(run.runDirectory), 'a stopped run still has its summary');
    assert.ok(log.some((line) => line.includes('stopping (cancelled)')));
  });

  it('shutdown (VS Code closing) ends every run as interrupted, with no worker left', async () => {
    const { manager } = harness(2);
    const run = await launch(manager, experiment(1_000_000, 2));
    await firstRecord(manager);
    const pids = manager.workerPids;
    await manager.shutdown();
    manager.dispose();
    for (const pid of pids) assert.equal(isProcessAlive(pid), false, `worker ${pid} is still alive`);
    assert.equal(readManifest(run.runDirectory)?.status, 'interrupted');
    for (const condition of ['grok', 'control']) {
      for (const seed of [0, 1]) assert.equal(readSeedStatus(run.runDirectory, condition, seed)?.status, 'interrupted');
    }
  });

  it('a crashed seed fails with its reason in its status and the log, and the others go on', async () => {
    const { manager, log } = harness(2);
    const resolved = experiment(20, 1);
    // An engine the worker does not have makes that seed's worker fail at start.
    const broken = structuredClone(resolved);
    (broken.conditions[1].config.engine as { name: string }).name = 'no-such-engine';
    const run = await launch(manager, broken);
    assert.equal(await run.finished, 'failed');
    manager.dispose();
    assert.equal(readSeedStatus(run.runDirectory, 'grok', 0)?.status, 'completed');
    const failed = readSeedStatus(run.runDirectory, 'control', 0);
    assert.equal(failed?.status, 'failed');
    assert.match(failed?.message ?? '', /no-such-engine/);
    assert.ok(log.some((line) => line.startsWith('error') && line.includes('control/seed-0: failed')), log.join('\n'));
  });

  it('Re-run Missing Seeds starts the seeds without a result again in the same folder, without duplicates', async () => {
    const { manager, batches } = harness(1);
    const run = await launch(manager, experiment(30, 2));
    await firstRecord(manager);
    await manager.stop(run.runDirectory);
    const before = ['grok', 'control'].flatMap((condition) => [0, 1].map((seed) => readSeedStatus(run.runDirectory, condition, seed)?.status));
    assert.ok(before.includes('cancelled'));

    const rerun = await manager.rerunMissingSeeds(run.runDirectory);
    assert.equal(rerun.runDirectory, run.runDirectory);
    assert.equal(rerun.seeds.length, before.filter((status) => status !== 'completed').length);
    await assert.rejects(manager.rerunMissingSeeds(run.runDirectory), /still running/);
    assert.equal(await rerun.finished, 'completed');
    await assert.rejects(manager.rerunMissingSeeds(run.runDirectory), /nothing to re-run/);
    manager.dispose();

    const contents = readRun(run.runDirectory);
    assert.equal(contents.manifest?.status, 'completed');
    for (const seed of contents.seeds) {
      assert.equal(seed.status?.status, 'completed');
      assert.deepEqual(seed.records.map((record) => record.epoch), Array.from({ length: 31 }, (_, epoch) => epoch));
    }
    const finishedEvents = contents.events.filter((event): event is Extract<RunEvent, { type: 'seedFinished' }> => event.type === 'seedFinished');
    assert.equal(finishedEvents.length, 4, 'one seedFinished event per seed: the cancelled attempts were removed');
    assert.ok(contents.summary?.seeds.every((seed) => seed.status === 'completed'));
    assert.ok(batches.some((batch) => batch.runDirectory === run.runDirectory && batch.seeds.some((seed) => seed.restart === true)));
  });

  it('does not re-run a seed whose worker still trains on this machine (a producer killed, its worker not yet stopped)', async () => {
    const { manager } = harness(2);
    const run = await launch(manager, experiment(5, 1));
    assert.equal(await run.finished, 'completed');
    // This test's own process plays the worker that outlived its producer.
    const status = readSeedStatus(run.runDirectory, 'control', 0);
    assert.ok(status);
    writeSeedStatus(run.runDirectory, { ...status, status: 'running', endTime: undefined, pid: process.pid, host: os.hostname() });
    await assert.rejects(manager.rerunMissingSeeds(run.runDirectory), new RegExp(`control/seed-0 of this run is still being trained \\(worker pid ${process.pid}\\)`));
    // Once that process is gone (a pid that does not exist), it is re-run.
    writeSeedStatus(run.runDirectory, { ...status, status: 'running', endTime: undefined, pid: 2 ** 22 + 11, host: os.hostname() });
    const rerun = await manager.rerunMissingSeeds(run.runDirectory);
    assert.deepEqual(rerun.seeds.map((seed) => `${seed.condition}/${seed.seed}`), ['control/0']);
    assert.equal(await rerun.finished, 'completed');
    manager.dispose();
  });
});

describe('run folders as the Runs view reads them', () => {
  it('reads a finished run from its summary and status files', async () => {
    const { manager } = harness(2);
    const run = await launch(manager, experiment(20, 1));
    await run.finished;
    manager.dispose();
    const read = new RunFolderReader().read(run.runDirectory, false);
    assert.equal(read.status, 'completed');
    assert.equal(read.experiment, 'tiny');
    assert.deepEqual(read.conditions, ['grok', 'control']);
    assert.deepEqual(read.seeds.map((seed) => [seed.condition, seed.seed, seed.status, seed.epoch]), [
      ['grok', 0, 'completed', 20],
      ['control', 0, 'completed', 20],
    ]);
  });

  it('shows a run whose producer died as interrupted, and its seed with the gone worker', () => {
    const directory = path.join(runsFolder, 'dead', '2026-01-01T00-00-00Z-dead');
    const config = experiment(50, 1).conditions[0].config;
    const manifest: RunManifest = {
      formatVersion: 1,
      runId: path.basename(directory),
      experiment: 'dead',
      file: 'dead.grok.yaml',
      seeds: [0],
      conditions: [{ name: 'default', configHash: 'x', config }],
      configHash: 'x',
      engine: { name: 'wasm', threads: 1 },
      versions: { grokkingLab: 'test', node: process.version },
      startTime: '2026-01-01T00:00:00.000Z',
      status: 'running',
      producer: 'cli',
      host: os.hostname(),
    };
    writeManifest(directory, manifest);
    // A real pid that is certainly gone: a child that already exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(gone.stdout);
    writeSeedStatus(directory, { condition: 'default', seed: 0, status: 'running', lastEpoch: -1, epochs: 50, startTime: manifest.startTime, pid, host: os.hostname() });
    fs.writeFileSync(path.join(directory, 'default', 'seed-0.jsonl'), '{"epoch":0,"trainLoss":1,"trainAcc":0,"testLoss":1,"testAcc":0,"weightNorm":1}\n{"epoch":1,"trainLoss":1,"trainAcc":0,"testLoss":1,"testAcc":0,"weightNorm":1}\n{"epo');
    const read = new RunFolderReader().read(directory, false, Date.now() + 3_600_000);
    assert.equal(read.status, 'interrupted');
    assert.equal(read.seeds[0].status, 'interrupted');
    assert.equal(read.seeds[0].epoch, 1, 'the last complete row');
    assert.match(read.seeds[0].message ?? '', new RegExp(`pid ${pid}`));
    // The same folder while its worker is alive (as far as the reader can tell) is running.
    const alive = new RunFolderReader(() => true).read(directory, false, Date.now());
    assert.equal(alive.status, 'running');
    assert.equal(alive.seeds[0].status, 'running');
  });

  it('follows a file being appended to, and notices when it is replaced', () => {
    const file = path.join(runsFolder, 'tail.jsonl');
    fs.writeFileSync(file, '{"epoch":0}\n{"epoch"');
    const tail = new JsonLinesTail(file, isEpochRecord);
    assert.deepEqual(tail.read().rows, [{ epoch: 0 }]);
    fs.appendFileSync(file, ':1}\n{"epoch":2}\n');
    assert.deepEqual(tail.read().rows, [{ epoch: 1 }, { epoch: 2 }]);
    assert.deepEqual(tail.read(), { rows: [], restarted: false });
    fs.writeFileSync(file, '{"epoch":0}\n');
    assert.deepEqual(tail.read(), { rows: [{ epoch: 0 }], restarted: true });
  });

  it('streams rows appended by another process to whoever follows the run', async () => {
    const { manager } = harness(1);
    const run = await launch(manager, experiment(10, 1));
    await run.finished;
    const live = new LiveRecords(manager, 20);
    const received = new Promise<RunRecordBatch>((resolve) => live.onDidRecord(resolve));
    const following = live.follow(run.runDirectory);
    // Another producer appends a row (as a CLI worker would).
    fs.appendFileSync(path.join(run.runDirectory, 'grok', 'seed-0.jsonl'), '{"epoch":11,"trainLoss":1,"trainAcc":1,"testLoss":1,"testAcc":1,"weightNorm":1}\n');
    const batch = await received;
    following.dispose();
    live.dispose();
    manager.dispose();
    assert.equal(batch.runId, run.runId);
    assert.deepEqual(batch.seeds.map((seed) => [seed.condition, seed.seed, seed.records.map((record) => record.epoch)]), [['grok', 0, [11]]]);
  });
});
