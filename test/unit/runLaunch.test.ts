// What every producer of a run folder shares (src/producer/runLaunch.ts): the manifest of a new run,
// the message for a worker that died silently, and the run's final status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex } from '../../src/shared/hash';
import { parseExperimentFile } from '../../src/shared/config/parse';
import { newRunManifest, terminalRunStatus, workerExitMessage } from '../../src/producer/runLaunch';

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
});
