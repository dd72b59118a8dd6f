// A Transformer experiment end to end through the command line (docs/science.md §12): the real CLI
// bundle, real worker processes on the wasm engine, a real run folder whose records are keyed by
// step, the same records for the same seed, and a report.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isTransformerConfig } from '../../src/shared/config/modelKind';
import type { RunManifest, SeedStatusFile } from '../../src/shared/runFormat';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

const experiment = `
experiments:
  tiny-transformer:
    model: { kind: transformer, width: 16, heads: 2, feedForward: 32, layers: 2 }
    task: { operations: [add, multiply], modulus: 11 }
    steps: 60
    training: { batchSize: 64, evalEvery: 20 }
    diagnostics: { snapshotEvery: 20, eigengap: { window: 3 }, spectralEdge: { window: 3 } }
    seeds: [0]
    conditions: { grok: {}, control: { optimizer: { weightDecay: 0 } } }
`;

function run(directory: string): { runDirectory: string; stdout: string } {
  const file = path.join(directory, 'transformer.grok.yaml');
  fs.writeFileSync(file, experiment);
  const result = spawnSync(process.execPath, [cli, 'run', file, '--quiet'], { cwd: directory, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  const runs = path.join(directory, '.grokking-lab', 'runs', 'tiny-transformer');
  const [folder] = fs.readdirSync(runs);
  return { runDirectory: path.join(runs, folder), stdout: result.stdout };
}

describe('grokking-lab run with a Transformer', () => {
  it('writes a complete run folder whose records are keyed by step, the same for the same seed', () => {
    const first = run(fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-transformer-')));
    const manifest = JSON.parse(fs.readFileSync(path.join(first.runDirectory, 'run.json'), 'utf8')) as RunManifest;
    assert.equal(manifest.status, 'completed');
    assert.ok(manifest.conditions.every((condition) => isTransformerConfig(condition.config)));
    for (const condition of ['grok', 'control']) {
      const lines = fs.readFileSync(path.join(first.runDirectory, condition, 'seed-0.jsonl'), 'utf8').trim().split('\n');
      const rows = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(rows.map((row) => row.step), [0, 20, 40, 60]);
      assert.ok(rows.every((row) => !('epoch' in row)), 'a Transformer row has no epoch key');
      assert.ok(rows.every((row) => Array.isArray(row.operations) && row.operations.length === 2));
      assert.equal(typeof rows[3].gap23, 'number', 'the window of 3 snapshot updates is full at step 60');
      const status = JSON.parse(fs.readFileSync(path.join(first.runDirectory, condition, 'seed-0.status.json'), 'utf8')) as SeedStatusFile;
      assert.deepEqual([status.status, status.lastEpoch, status.epochs], ['completed', 60, 60]);
    }
    const again = run(fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-transformer-')));
    const rowsOf = (runDirectory: string) =>
      fs.readFileSync(path.join(runDirectory, 'grok', 'seed-0.jsonl'), 'utf8').trim().split('\n').map((line) => {
        const { milliseconds: _milliseconds, ...rest } = JSON.parse(line) as Record<string, unknown>;
        return rest;
      });
    assert.deepEqual(rowsOf(again.runDirectory), rowsOf(first.runDirectory));
    const report = spawnSync(process.execPath, [cli, 'report', first.runDirectory], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stdout, /grok/);
  });
});
