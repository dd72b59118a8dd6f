// The Transformer's training loop (docs/science.md §12.3–12.4) on the plain reference engine, at
// tiny sizes: records at step 0 and every evalEvery, the window fields at snapshots, the same
// records for the same seed, early stop, cancellation, multitask records and the detector's units.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withDefaults } from '../../src/shared/config/defaults';
import type { TransformerRunConfig } from '../../src/shared/config/types';
import type { EpochRecord, RunEvent } from '../../src/shared/runFormat';
import { trainTransformerSeed } from '../../src/training/transformer/trainer';

function tinyConfig(overrides: { steps?: number; operations?: TransformerRunConfig['task']['operations']; earlyStop?: Partial<TransformerRunConfig['training']['earlyStop']>; lr?: number } = {}): TransformerRunConfig {
  const config = withDefaults({
    model: { kind: 'transformer', width: 8, heads: 2, feedForward: 16, layers: 2 },
    task: { operations: overrides.operations ?? ['add'], modulus: 5 },
    steps: overrides.steps ?? 40,
    optimizer: { lr: overrides.lr ?? 1e-3 },
    training: { batchSize: 16, evalEvery: 5, earlyStop: { enabled: false, ...overrides.earlyStop } },
    diagnostics: { snapshotEvery: 10, eigengap: { window: 3, detector: { lag: 20, warmup: 0 } }, spectralEdge: { window: 3 } },
  });
  // The plain engine: the tests check the loop, not the kernels (transformerWasmEngine.test.ts compares those).
  (config.engine as { name: string }).name = 'reference';
  return config;
}

async function train(config: TransformerRunConfig, seed = 0, signal?: AbortSignal) {
  const records: EpochRecord[] = [];
  const events: RunEvent[] = [];
  const result = await trainTransformerSeed({ config, condition: 'c', seed, signal, onRecord: (record) => records.push(record), onEvent: (event) => events.push(event) });
  return { records, events, result };
}

describe('the Transformer trainer', () => {
  it('records step 0 and every evalEvery steps, with the window fields at snapshots only', async () => {
    const { records, result } = await train(tinyConfig());
    assert.deepEqual(result, { status: 'completed', lastEpoch: 40 });
    assert.deepEqual(records.map((record) => record.epoch), [0, 5, 10, 15, 20, 25, 30, 35, 40]);
    // Snapshots every 10 steps: updates at 10, 20, 30, 40; the gap needs 3 updates (§5), so from step 30.
    assert.deepEqual(records.filter((record) => record.gap23 !== undefined).map((record) => record.epoch), [30, 40]);
    assert.ok(records.filter((record) => record.epoch % 10 !== 0).every((record) => record.effectiveRank === undefined));
    for (const record of records) {
      assert.ok(record.trainAcc >= 0 && record.trainAcc <= 1 && Number.isFinite(record.trainLoss) && record.weightNorm > 0);
    }
    assert.ok(records.at(-1)!.trainLoss < records[0].trainLoss, 'training lowers the training loss');
  });

  it('gives the same records for the same seed and different ones for another', async () => {
    const strip = (records: EpochRecord[]) => records.map(({ milliseconds: _milliseconds, ...rest }) => rest);
    const first = await train(tinyConfig({ steps: 20 }), 3);
    const again = await train(tinyConfig({ steps: 20 }), 3);
    const other = await train(tinyConfig({ steps: 20 }), 4);
    assert.deepEqual(strip(again.records), strip(first.records));
    assert.notDeepEqual(strip(other.records), strip(first.records));
  });

  it('stops early once test accuracy holds the threshold on enough consecutive evaluations', async () => {
    // Accuracy 0 is always reached: the run stops at the third evaluation (steps 0, 5, 10).
    const { records, result } = await train(tinyConfig({ earlyStop: { enabled: true, accuracy: Number.MIN_VALUE, evaluations: 3 } }));
    assert.deepEqual(records.map((record) => record.epoch), [0, 5, 10]);
    assert.equal(result.status, 'completed');
    assert.equal(result.lastEpoch, 10);
    assert.match(result.message ?? '', /stopped early at step 10/);
  });

  it('stops between steps when cancelled, saying after which step', async () => {
    const controller = new AbortController();
    const config = tinyConfig({ steps: 1000 });
    const records: EpochRecord[] = [];
    const result = await trainTransformerSeed({
      config,
      condition: 'c',
      seed: 0,
      signal: controller.signal,
      onRecord: (record) => {
        records.push(record);
        if (record.epoch === 10) controller.abort();
      },
      onEvent: () => {},
    });
    assert.equal(result.status, 'cancelled');
    assert.equal(result.lastEpoch, 10);
    assert.equal(records.at(-1)?.epoch, 10);
  });

  it('writes each head’s metrics in a multitask record, the row holding the smallest accuracy and the summed loss', async () => {
    const { records } = await train(tinyConfig({ steps: 10, operations: ['add', 'multiply'] }));
    for (const record of records) {
      assert.deepEqual(record.operations?.map((entry) => entry.operation), ['add', 'multiply']);
      const heads = record.operations!;
      assert.equal(record.testAcc, Math.min(...heads.map((entry) => entry.testAcc)));
      assert.equal(record.trainAcc, Math.min(...heads.map((entry) => entry.trainAcc)));
      assert.ok(Math.abs(record.trainLoss - heads.reduce((sum, entry) => sum + entry.trainLoss, 0)) < 1e-12);
    }
    const single = await train(tinyConfig({ steps: 5 }));
    assert.ok(single.records.every((record) => record.operations === undefined));
  });

  it('reports a diverged run with the step at which the loss stopped being finite', async () => {
    const { result } = await train(tinyConfig({ lr: 1e300 }));
    assert.equal(result.status, 'diverged');
    assert.match(result.message ?? '', /loss became (NaN|-?Infinity) at step \d+/);
  });
});
