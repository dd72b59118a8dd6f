// End to end: an experiment with the gradient-direction SED enabled (docs/science.md §8), run by the
// real CLI bundle and worker processes (dist/, built by `npm test`'s pretest step), writes the
// fields on the rows that are multiples of `every` and on no other row; a condition with it off
// writes none.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { EpochRecord, RunManifest } from '../../src/shared/runFormat';
import { parseJsonLines } from '../../src/runs/jsonLines';
import { mlpConfigOf } from '../../src/shared/config/modelKind';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

const SED_FIELDS = [
  'gradientSedRatios',
  'updateSedRatios',
  'gradientSingularValues',
  'gradientSedSensitivities',
  'updateSedSensitivities',
  'randomSedSensitivityMedian',
] as const;

const experiment = `
experiments:
  sed:
    task: { modulus: 7, trainSize: 30 }
    model: { hidden: 12 }
    epochs: 13
    seeds: [0]
    diagnostics:
      repulsion: { checkpoints: [] }
      gradientSed: { enabled: true, window: 5, vectors: 2, directions: 5, probes: 64, every: 4 }
    conditions:
      on: {}
      off: { diagnostics: { gradientSed: { enabled: false } } }
`;

describe('gradient-direction SED through grokking-lab run', () => {
  it('writes the §8 fields every `every` epochs when enabled, and never when disabled', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-sed-'));
    const file = path.join(directory, 'sed.grok.yaml');
    fs.writeFileSync(file, experiment);
    const result = spawnSync(process.execPath, [cli, 'run', file, '--out', 'runs', '--jobs', '1'], { cwd: directory, encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr + result.stdout);
    const [runId] = fs.readdirSync(path.join(directory, 'runs', 'sed'));
    const runDirectory = path.join(directory, 'runs', 'sed', runId);
    const manifest = JSON.parse(fs.readFileSync(path.join(runDirectory, 'run.json'), 'utf8')) as RunManifest;
    assert.equal(mlpConfigOf(manifest.conditions[0].config).diagnostics.gradientSed?.every, 4);

    const rows = (condition: string): EpochRecord[] => parseJsonLines<EpochRecord>(fs.readFileSync(path.join(runDirectory, condition, 'seed-0.jsonl'), 'utf8'));
    const on = rows('on');
    assert.deepEqual(on.map((row) => row.epoch), Array.from({ length: 14 }, (_, epoch) => epoch));
    const withFields = on.filter((row) => SED_FIELDS.some((field) => row[field] !== undefined)).map((row) => row.epoch);
    assert.deepEqual(withFields, [4, 8, 12]);
    for (const epoch of withFields) {
      const row = on[epoch];
      for (const field of SED_FIELDS) assert.ok(row[field] !== undefined, `row ${epoch} lacks ${field}`);
      assert.equal(row.gradientSedRatios?.length, 2);
      assert.equal(row.updateSedRatios?.length, 2);
      // Row 4's windows hold 4 steps (fewer than the window of 5), later rows 5.
      assert.equal(row.gradientSingularValues?.length, epoch === 4 ? 4 : 5);
      const ratios = [...(row.gradientSedRatios ?? []), ...(row.updateSedRatios ?? [])];
      assert.ok(ratios.every((ratio) => Number.isFinite(ratio) && ratio >= 0), JSON.stringify(ratios));
      assert.ok((row.randomSedSensitivityMedian ?? 0) > 0);
    }
    for (const row of rows('off')) {
      for (const field of SED_FIELDS) assert.equal(row[field], undefined, `off: row ${row.epoch} has ${field}`);
    }
    // The same seed and configuration otherwise: the diagnostic does not change the training.
    assert.deepEqual(rows('off').map((row) => row.trainLoss), on.map((row) => row.trainLoss));
    const log = fs.readFileSync(path.join(runDirectory, 'on', 'seed-0.log'), 'utf8');
    assert.match(log, /epoch 8: gradient-direction SED in \d+ ms/);
  });
});
