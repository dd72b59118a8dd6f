// The run-folder module: atomic JSON, appended lines, tolerant reading of a killed writer's files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineAppender, newRunId, readRun, seedRecordsPath, writeJsonAtomic, writeManifest } from '../../src/runs/runFolder';
import type { RunManifest } from '../../src/shared/runFormat';

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
});
