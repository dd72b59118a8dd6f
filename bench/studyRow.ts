// Cost of one row of a study at the defaults of docs/science.md (M = 71, K = 2048, n_train = 2016,
// σ = x², Adam, the wasm engine), with every diagnostic that is on by default and runs every row:
// the rolling eigengap and detector (§5), the spectral edge (§7) and the Li₂ metrics (§9:
// ‖G_F‖ and the update cosines). Checkpoint-only work (Theorem-6, Fourier) and the gradient-
// direction SED (off by default) are left out: they are not per-row costs.
//
//   npx tsx bench/studyRow.ts [--rows 30] [--warmup 3] [--rounds 2] [--hidden 2048] [--threads 1]
//
// A row's time is the trainer's own `milliseconds` of each record (src/training/trainer.ts:
// evaluate, the row's diagnostics, step, the window push), so this measures what a study pays.
// Measured in one process, alternating, `rounds` times each:
//  - `rowMedianMs`: median over the timed rows of trainSeed with the default diagnostics;
//  - `rowWithoutLi2MedianMs`: the same with diagnostics.li2.enabled = false (no ‖G_F‖);
//  - `gradientFNormMedianMs`: ‖G_F‖ alone, timed around the call on a trained model's outputs.
// `gradientFNormShare` = gradientFNormMedianMs / rowMedianMs. Prints one JSON line.
import type { MlpRunConfig } from '../src/shared/config/types';
import { defaultRunConfig, withDefaults } from '../src/shared/config/defaults';
import type { EpochRecord } from '../src/shared/runFormat';
import { makeDataset } from '../src/training/data';
import { gradientFNorm } from '../src/training/diagnostics/li2';
import { createEngine } from '../src/training/engines';
import { initialParameters } from '../src/training/parameters';
import { trainSeed } from '../src/training/trainer';
import { loadAverage, median } from './support';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const round = (value: number): number => Math.round(value * 100) / 100;

const rows = option('rows', 30);
const warmup = option('warmup', 3);
const rounds = option('rounds', 2);
const hidden = option('hidden', defaultRunConfig().model.hidden);
const threadCount = option('threads', 1);
if (threadCount !== 1 && threadCount !== 2) throw new Error('--threads must be 1 or 2');
const threads: 1 | 2 = threadCount;

/** The default run config of docs/science.md with the per-row diagnostics only (see the file comment). */
function rowConfig(li2: boolean): MlpRunConfig {
  return withDefaults({
    model: { hidden },
    epochs: warmup + rows,
    diagnostics: { repulsion: { checkpoints: [] }, li2: { enabled: li2, checkpoints: [] }, gradientSed: { enabled: false } },
    engine: { name: 'wasm', threads },
  });
}

/** The `milliseconds` of the timed rows (after `warmup`) of one seed trained with `config`. */
async function rowTimes(config: MlpRunConfig): Promise<number[]> {
  const records: EpochRecord[] = [];
  const result = await trainSeed({ config, condition: 'bench', seed: 0, onRecord: (record) => records.push(record), onEvent: () => {} });
  if (result.status !== 'completed') throw new Error(`the bench seed ended ${result.status}: ${result.message ?? ''}`);
  return records.filter((record) => record.epoch >= warmup && record.epoch < warmup + rows).map((record) => record.milliseconds as number);
}

/** ‖G_F‖ timed around the call (median of `count`), on the outputs of a model trained `warmup` steps. */
async function gradientFNormTimes(count: number): Promise<number[]> {
  const config = rowConfig(true);
  const dataset = makeDataset(config.task.operation, config.task.modulus, config.task.trainSize, 0);
  const engine = await createEngine('wasm', { config, dataset, initial: initialParameters(config.task.modulus, hidden, 0) });
  try {
    for (let step = 0; step < warmup; step++) {
      engine.evaluate();
      engine.step();
    }
    engine.evaluate();
    const times: number[] = [];
    let value = 0;
    for (let call = 0; call < count + 3; call++) {
      const start = performance.now();
      value += gradientFNorm(engine.trainOutput(), dataset.train.y, engine.secondLayer(), config.loss);
      if (call >= 3) times.push(performance.now() - start);
    }
    if (!(value > 0)) throw new Error('‖G_F‖ was not positive');
    return times;
  } finally {
    engine.dispose();
  }
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const withLi2: number[] = [];
  const withoutLi2: number[] = [];
  const gradientNorm: number[] = [];
  for (let repetition = 0; repetition < rounds; repetition++) {
    withLi2.push(...(await rowTimes(rowConfig(true))));
    withoutLi2.push(...(await rowTimes(rowConfig(false))));
    gradientNorm.push(...(await gradientFNormTimes(rows)));
  }
  const rowMedianMs = median(withLi2);
  const gradientFNormMedianMs = median(gradientNorm);
  console.log(JSON.stringify({
    benchmark: 'study-row',
    hidden,
    threads,
    rows,
    warmup,
    rounds,
    rowMedianMs: round(rowMedianMs),
    rowMinMs: round(Math.min(...withLi2)),
    rowWithoutLi2MedianMs: round(median(withoutLi2)),
    rowWithoutLi2MinMs: round(Math.min(...withoutLi2)),
    gradientFNormMedianMs: round(gradientFNormMedianMs),
    gradientFNormMinMs: round(Math.min(...gradientNorm)),
    gradientFNormShare: round(gradientFNormMedianMs / rowMedianMs),
    loadAverage: { before: loadBefore, after: loadAverage() },
    node: process.version,
  }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
