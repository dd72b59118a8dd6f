// What every producer of a run folder shares (src/producer/runLaunch.ts): the manifest of a new run,
// the message for a worker that died silently, and the run's final status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, sha256Hex } from '../../src/shared/hash';
import { parseExperimentFile } from '../../src/shared/config/parse';
import { exitedSeedStatus, newRunManifest, overrideConditions, selectConditions, terminalRunStatus, workerExitMessage } from '../../src/producer/runLaunch';
import { mlpConfigOf } from '../../src/shared/config/modelKind';

const file = `
experiments:
  sweep:
    description: two conditions × two windows
    task: { modulus: 7, trainSize: 30 }
    model: { hidden: 12 }
    seeds: [0, 3]
    conditions:
      grok: {}
      control: { optimizer: { weightDecay: 0 } }
    grid:
      diagnostics.eigengap.window: [4, 6]
`;

describe('run launch', () => {
  it('writes the same manifest for every producer: conditions with their grid points, hashes, engine, start', () => {
    const { experiments, problems } = parseExperimentFile('sweep.grok.yaml', file);
    assert.deepEqual(problems, []);
    const [experiment] = experiments;
    const now = new Date('2026-11-23T01:02:03Z');
    const manifest = newRunManifest({
      experiment,
      conditions: experiment.conditions,
      seeds: experiment.seeds,
      file: 'sweep.grok.yaml',
      versions: { grokkingLab: '0.1.0', node: 'v20' },
      git: { commit: 'abc', dirty: false },
      producer: 'cli',
      now,
    });
    assert.match(manifest.runId, /^2026-11-23T01-02-03Z-[0-9a-f]{4}$/);
    assert.equal(manifest.startTime, now.toISOString());
    assert.equal(manifest.status, 'running');
    assert.equal(manifest.description, 'two conditions × two windows');
    assert.deepEqual(manifest.seeds, [0, 3]);
    assert.deepEqual(
      manifest.conditions.map((condition) => [condition.name, condition.baseCondition, condition.gridPoint]),
      [
        ['grok_window-4', 'grok', { 'diagnostics.eigengap.window': 4 }],
        ['grok_window-6', 'grok', { 'diagnostics.eigengap.window': 6 }],
        ['control_window-4', 'control', { 'diagnostics.eigengap.window': 4 }],
        ['control_window-6', 'control', { 'diagnostics.eigengap.window': 6 }],
      ],
    );
    assert.equal(manifest.configHash, sha256Hex(experiment.conditions.map((condition) => condition.configHash).join('\n')));
    assert.deepEqual(manifest.engine, { name: 'wasm', threads: 1 });
    assert.deepEqual(manifest.git, { commit: 'abc', dirty: false });
  });

  it('says how a worker ended when it could not say it itself', () => {
    assert.equal(workerExitMessage({ code: null, signal: 'SIGKILL' }), 'the worker was killed by SIGKILL');
    assert.equal(workerExitMessage({ code: 1, signal: null, lastErrorLine: 'RangeError: out of memory' }), 'the worker exited with code 1: RangeError: out of memory');
  });

  it('gives a run its final status from its seeds and how it was stopped', () => {
    assert.equal(terminalRunStatus(['completed', 'diverged'], undefined), 'completed', 'a diverged seed is a result');
    assert.equal(terminalRunStatus(['completed', 'failed'], undefined), 'failed');
    assert.equal(terminalRunStatus(['completed', 'cancelled'], undefined), 'cancelled');
    assert.equal(terminalRunStatus(['completed', 'queued'], undefined), 'interrupted');
    assert.equal(terminalRunStatus(['completed', 'failed'], 'interrupted'), 'interrupted', 'the stop reason wins');
  });

  it('decides the final status of a seed whose worker exited, in one place for every producer', () => {
    const running = { condition: 'grok', seed: 0, status: 'running' as const, lastEpoch: 4, epochs: 9, startTime: 't' };
    const base = { written: undefined, stopReason: undefined, exit: { code: null, signal: 'SIGKILL' as const }, lastEpoch: 7, closingReason: 'VS Code closed' };
    // The worker wrote its end: that is the status, and nothing needs writing.
    assert.deepEqual(exitedSeedStatus({ ...base, written: { ...running, status: 'diverged', message: 'loss became NaN at epoch 6', lastEpoch: 6 } }), { status: 'diverged', message: 'loss became NaN at epoch 6', lastEpoch: 7, write: false });
    // Killed without a word: failed, with how it died, at the last row the producer saw.
    assert.deepEqual(exitedSeedStatus({ ...base, written: running }), { status: 'failed', message: 'the worker was killed by SIGKILL', lastEpoch: 7, write: true });
    // ... unless the run was being stopped: then it ended as the stop says.
    assert.equal(exitedSeedStatus({ ...base, written: running, stopReason: 'cancelled' }).status, 'cancelled');
    // A full disk kept its status file from being written, but it said how it ended.
    assert.deepEqual(exitedSeedStatus({ ...base, written: running, reported: { status: 'failed', message: 'cannot write x: no space left on the disk (ENOSPC)' } }), { status: 'failed', message: 'cannot write x: no space left on the disk (ENOSPC)', lastEpoch: 7, write: true });
    // Cancelled because its producer is closing: interrupted, said so.
    assert.deepEqual(exitedSeedStatus({ ...base, written: { ...running, status: 'cancelled' }, stopReason: 'interrupted' }), { status: 'interrupted', message: 'VS Code closed at epoch 7', lastEpoch: 7, write: true });
  });

  it('selects conditions by name and applies overrides without losing grid points', () => {
    const [experiment] = parseExperimentFile('sweep.grok.yaml', file).experiments;
    assert.throws(() => selectConditions(experiment, ['grok_window-4', 'nope']), /has no condition "nope"; it has: grok_window-4, grok_window-6, control_window-4, control_window-6/);
    const [chosen] = selectConditions(experiment, ['control_window-6']);
    assert.equal(chosen.name, 'control_window-6');
    assert.equal(overrideConditions([chosen], {})[0], chosen, 'no override, the same condition');
    const [overridden] = overrideConditions([chosen], { engine: 'tfjs', epochs: 5, threads: 2 });
    assert.deepEqual([overridden.config.engine, mlpConfigOf(overridden.config).epochs, overridden.gridPoint, overridden.baseCondition], [{ name: 'tfjs', threads: 2 }, 5, { 'diagnostics.eigengap.window': 6 }, 'control']);
    assert.deepEqual(mlpConfigOf(overridden.config).diagnostics.repulsion.checkpoints, [], 'checkpoints past a shortened run are dropped');
    assert.equal(overridden.configHash, sha256Hex(canonicalJson(overridden.config)));
    assert.notEqual(overridden.configHash, chosen.configHash);
  });
});
