// Time per training epoch of one engine at the defaults of docs/science.md (M = 71, n_train = 2016,
// test 3025, σ = x², class-centred MSE, Adam, weight decay 2e-4), seed 0.
//
//   npx tsx bench/engineEpoch.ts --engine wasm --threads 1 --hidden 2048 --epochs 20 --warmup 3
//
// Optional: --simd auto|relaxed|plain (wasm build), --activation square|relu|silu, --keep-gradient
// (the engine keeps each step's dL/dWᵀ for the gradient-direction diagnostic, docs/science.md §8).
// One epoch = evaluate() (training forward pass, losses, test forward pass, scalars) + step()
// (backward pass, optimiser, ΔW and ΔV materialised). Prints one JSON line:
// {engine, threads, hidden, backend, medianMs, minMs, gflops, partsMedianMs, epochs, warmup, loadAverage}
// gflops uses the nominal 2·(3·n_train + n_test)·K·M FLOP per epoch (docs/science.md §11).
import type { Activation } from '../src/shared/config/types';
import { defaultRunConfig, withDefaults } from '../src/shared/config/defaults';
import { makeDataset } from '../src/training/data';
import type { TrainingEngine } from '../src/training/engine';
import { createEngine, type EngineChoice } from '../src/training/engines';
import { createWasmEngine } from '../src/training/engines/wasm';
import type { SimdChoice } from '../src/training/wasmKernels';
import { initialParameters } from '../src/training/parameters';
import { loadAverage, median } from './support';

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

async function main(): Promise<void> {
  const defaults = defaultRunConfig();
  const engineName = argument('engine', 'wasm') as EngineChoice;
  const threads = Number(argument('threads', '1'));
  const hidden = Number(argument('hidden', String(defaults.model.hidden)));
  const epochs = Number(argument('epochs', '20'));
  const warmup = Number(argument('warmup', '3'));
  const simd = argument('simd', 'auto') as SimdChoice;
  const activation = argument('activation', defaults.model.activation) as Activation;
  const keepFirstLayerGradient = process.argv.includes('--keep-gradient');
  if (threads !== 1 && threads !== 2) throw new Error('--threads must be 1 or 2');
  // The defaults with every diagnostic off: the epoch alone, as the PyTorch peer measures it.
  const config = withDefaults({
    model: { hidden, activation },
    epochs: warmup + epochs,
    diagnostics: { repulsion: { checkpoints: [] }, spectralEdge: { enabled: false }, li2: { enabled: false, checkpoints: [] }, gradientSed: { enabled: false } },
    engine: { name: engineName === 'tfjs' ? 'tfjs' : 'wasm', threads },
  });
  const { task } = config;
  const seed = 0;
  const dataset = makeDataset(task.operation, task.modulus, task.trainSize, seed);
  const initial = initialParameters(task.modulus, hidden, seed);
  const engine: TrainingEngine = engineName === 'wasm'
    ? await createWasmEngine({ config, dataset, initial, keepFirstLayerGradient }, { simd })
    : await createEngine(engineName, { config, dataset, initial, keepFirstLayerGradient });
  const times: number[] = [];
  const evaluateTimes: number[] = [];
  const stepTimes: number[] = [];
  const loadBefore = loadAverage();
  try {
    for (let epoch = 0; epoch < warmup + epochs; epoch++) {
      const start = performance.now();
      const evaluation = engine.evaluate();
      const evaluated = performance.now();
      engine.step();
      engine.firstLayerUpdate();
      engine.secondLayerUpdate();
      if (keepFirstLayerGradient) engine.firstLayerGradient();
      const end = performance.now();
      if (!Number.isFinite(evaluation.train.loss)) throw new Error(`non-finite training loss at epoch ${epoch}`);
      if (epoch >= warmup) {
        times.push(end - start);
        evaluateTimes.push(evaluated - start);
        stepTimes.push(end - evaluated);
      }
    }
  } finally {
    engine.dispose();
  }
  const medianMs = median(times);
  const flops = 2 * (3 * dataset.train.size + dataset.test.size) * hidden * task.modulus;
  const round = (value: number): number => Math.round(value * 100) / 100;
  console.log(JSON.stringify({
    engine: engineName,
    threads,
    hidden,
    backend: engine.backend,
    activation,
    keepFirstLayerGradient,
    medianMs: round(medianMs),
    minMs: round(Math.min(...times)),
    gflops: round(flops / medianMs / 1e6),
    partsMedianMs: { evaluate: round(median(evaluateTimes)), step: round(median(stepTimes)) },
    epochs,
    warmup,
    loadAverage: { before: loadBefore, after: loadAverage() },
  }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
