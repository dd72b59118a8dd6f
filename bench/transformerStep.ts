// Time per training step of one Transformer engine, and of one evaluation of every pair: the workload
// of bench/peer_torch_transformer.py (docs/science.md §12.1–§12.3), which is the Transformer's
// defaults (src/shared/config/defaults.ts): p = 97, (a + b) mod p, 50/50 split of the 9409 pairs, 2
// pre-norm layers of width 128, 4 heads, feed-forward 256 (290 401 parameters), minibatches of 512,
// clipping to norm 1, AdamW (lr 1e-3, betas (0.9, 0.98), weight decay 1.0). The script stops if the
// defaults no longer are that workload.
//
//   npx tsx bench/transformerStep.ts --engine wasm --threads 1 --steps 200 --warmup 20 --evaluations 5
//
// --engine wasm|reference (the reference runs one thread only); for wasm, --simd auto|relaxed|plain
// (the build) and --profile (the engine's own time per part of a step, as `engineProfileMs`; the
// bench leaves it off). One step is the trainer's (src/training/transformer/trainer.ts): the next
// minibatch of MinibatchSampler, backward() (forward, cross-entropy, backward), clipGradient,
// optimizerStep(); `steps` steps are timed after `warmup` untimed ones. Then one evaluation =
// evaluate(train) + evaluate(test) (the engine's chunks), timed `evaluations` times after one
// untimed (none with --evaluations 0). Prints one JSON line:
// {engine, backend, simd, threads, medianMs, minMs, partsMedianMs, engineProfileMs?, steps, warmup, evaluation {medianMs, minMs, ...}, parameters, loadAverage}
// An engine that cannot run the requested threads prints {engine, threads, threadsSupported: false, error} and exits with 2.
import { withDefaults } from '../src/shared/config/defaults';
import type { TransformerRunConfig } from '../src/shared/config/types';
import { MinibatchSampler, transformerDataset } from '../src/training/transformer/data';
import type { TransformerEngine, TransformerEngineOptions } from '../src/training/transformer/engine';
import { initialTransformerParameters, parameterLayout } from '../src/training/transformer/model';
import { ReferenceTransformerEngine } from '../src/training/transformer/reference';
import { EVALUATION_CHUNK } from '../src/training/transformer/engine';
import { transformerShape } from '../src/training/transformer/trainer';
import { createWasmTransformerEngine, type WasmTransformerProfile } from '../src/training/transformer/wasmEngine';
import type { SimdChoice } from '../src/training/wasmKernels';
import { loadAverage, median } from './support';

/** The PyTorch peer's workload (bench/peer_torch_transformer.py): the defaults must still be it. */
const PEER_WORKLOAD = {
  task: { operations: ['add'], modulus: 97, trainSize: 4704 },
  model: { width: 128, heads: 4, feedForward: 256, layers: 2 },
  optimizer: { lr: 1e-3, betas: [0.9, 0.98], eps: 1e-8, weightDecay: 1 },
  training: { batchSize: 512, gradientClip: 1 },
  parameters: 290_401,
};
/** The author's seeds are 42, 137 and 2024; the peer uses 42 (timing does not depend on it). */
const SEED = 42;

/** Throws unless the Transformer's defaults are the peer's workload. */
function checkWorkload(config: TransformerRunConfig, parameters: number): void {
  const { task, model, optimizer, training } = config;
  const actual = {
    task: { operations: task.operations, modulus: task.modulus, trainSize: task.trainSize },
    model: { width: model.width, heads: model.heads, feedForward: model.feedForward, layers: model.layers },
    optimizer: { lr: optimizer.lr, betas: optimizer.betas, eps: optimizer.eps, weightDecay: optimizer.weightDecay },
    training: { batchSize: training.batchSize, gradientClip: training.gradientClip },
    parameters,
  };
  if (JSON.stringify(actual) !== JSON.stringify(PEER_WORKLOAD)) {
    throw new Error(`the Transformer's defaults are no longer the PyTorch peer's workload: ${JSON.stringify(actual)} against ${JSON.stringify(PEER_WORKLOAD)}`);
  }
}

/** Thrown when an engine cannot run the requested number of threads (exit code 2, threadsSupported: false). */
class UnsupportedThreads extends Error {}

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

function integerArgument(name: string, fallback: number, minimum: number): number {
  const value = Number(argument(name, String(fallback)));
  if (!Number.isInteger(value) || value < minimum) throw new Error(`--${name} must be an integer ≥ ${minimum}, got ${argument(name, '')}`);
  return value;
}

function createEngine(name: string, options: TransformerEngineOptions, threads: number, simd: SimdChoice, profile: boolean): TransformerEngine {
  if (name === 'reference') {
    if (threads !== 1) throw new UnsupportedThreads('the reference Transformer engine runs one thread only');
    return new ReferenceTransformerEngine(options);
  }
  if (name === 'wasm') {
    try {
      return createWasmTransformerEngine(options, { threads, simd, profile });
    } catch (error) {
      // Refused at this thread count but made at one thread: the engine has no such mode (yet).
      if (threads === 1) throw error;
      createWasmTransformerEngine(options, { threads: 1, simd }).dispose();
      throw new UnsupportedThreads(error instanceof Error ? error.message : String(error));
    }
  }
  throw new Error(`--engine must be wasm or reference, got ${name}`);
}

async function main(): Promise<void> {
  const engineName = argument('engine', 'wasm');
  const threads = integerArgument('threads', 1, 1);
  const steps = integerArgument('steps', 200, 1);
  const warmup = integerArgument('warmup', 20, 0);
  const evaluations = integerArgument('evaluations', 5, 0);
  const simd = argument('simd', 'auto') as SimdChoice;
  const profile = process.argv.includes('--profile');
  // The trainer's setup (trainTransformerSeed) at the Transformer's defaults.
  const config = withDefaults({ model: { kind: 'transformer' } });
  const layout = parameterLayout(transformerShape(config));
  checkWorkload(config, layout.size);
  const { batchSize, gradientClip } = config.training;
  const { train, test } = transformerDataset(config.task.operations, config.task.modulus, config.task.trainSize, SEED);
  const options: TransformerEngineOptions = {
    layout,
    initial: initialTransformerParameters(layout, SEED),
    optimizer: config.optimizer,
    maxBatch: Math.max(batchSize, EVALUATION_CHUNK),
  };

  let engine: TransformerEngine;
  try {
    engine = createEngine(engineName, options, threads, simd, profile);
  } catch (error) {
    if (!(error instanceof UnsupportedThreads)) throw error;
    console.log(JSON.stringify({ engine: engineName, threads, threadsSupported: false, error: error.message }));
    process.exit(2);
  }
  // An engine that says how many threads it runs is taken at its word; one that does not, at ours.
  const reported = (engine as { threads?: unknown }).threads;
  const engineThreads = typeof reported === 'number' ? reported : threads;

  const sampler = new MinibatchSampler(train, batchSize, SEED);
  const parts = { batch: [] as number[], forwardBackward: [] as number[], clip: [] as number[], optimizer: [] as number[] };
  const times: number[] = [];
  const evaluationTimes: number[] = [];
  const loadBefore = loadAverage();
  // The engine's profile sums every call since it was made: read it before and after the timed steps.
  const engineProfile = (): WasmTransformerProfile | undefined => {
    const value = (engine as { profile?: WasmTransformerProfile }).profile;
    return value ? { ...value } : undefined;
  };
  let profileBefore: WasmTransformerProfile | undefined;
  let profileAfter: WasmTransformerProfile | undefined;
  let lastLoss = Number.NaN;
  let metrics: { train: unknown; test: unknown } | undefined;
  try {
    for (let step = 0; step < warmup + steps; step++) {
      if (step === warmup) profileBefore = engineProfile();
      const start = performance.now();
      const batch = sampler.next();
      const drawn = performance.now();
      lastLoss = engine.backward(batch);
      const backward = performance.now();
      engine.clipGradient(gradientClip);
      const clipped = performance.now();
      engine.optimizerStep();
      const end = performance.now();
      if (!Number.isFinite(lastLoss)) throw new Error(`non-finite training loss at step ${step}`);
      if (step >= warmup) {
        times.push(end - start);
        parts.batch.push(drawn - start);
        parts.forwardBackward.push(backward - drawn);
        parts.clip.push(clipped - backward);
        parts.optimizer.push(end - clipped);
      }
    }
    profileAfter = engineProfile();
    for (let repetition = 0; repetition < (evaluations > 0 ? 1 + evaluations : 0); repetition++) {
      const start = performance.now();
      const [trainMetrics] = engine.evaluate(train);
      const [testMetrics] = engine.evaluate(test);
      if (repetition >= 1) evaluationTimes.push(performance.now() - start);
      metrics = { train: trainMetrics, test: testMetrics };
    }
  } finally {
    engine.dispose();
  }
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  // Mean ms per timed step of each part the engine times itself (with --profile).
  const profileMs = profileBefore && profileAfter && profileAfter.steps > profileBefore.steps
    ? Object.fromEntries(Object.entries(profileAfter).filter(([name]) => name !== 'steps')
      .map(([name, value]) => [name, round((value - profileBefore![name as keyof WasmTransformerProfile]) / (profileAfter!.steps - profileBefore!.steps))]))
    : undefined;
  const simdBuild = (engine as { simd?: unknown }).simd;
  console.log(JSON.stringify({
    engine: engineName,
    backend: engine.backend,
    ...(typeof simdBuild === 'string' ? { simd: simdBuild } : {}),
    threads: engineThreads,
    medianMs: round(median(times)),
    minMs: round(Math.min(...times)),
    partsMedianMs: Object.fromEntries(Object.entries(parts).map(([name, values]) => [name, round(median(values))])),
    ...(profileMs ? { engineProfileMs: profileMs } : {}),
    steps,
    warmup,
    batch: batchSize,
    lastTrainLoss: lastLoss,
    evaluation: {
      medianMs: evaluationTimes.length > 0 ? round(median(evaluationTimes)) : null,
      minMs: evaluationTimes.length > 0 ? round(Math.min(...evaluationTimes)) : null,
      evaluations: evaluationTimes.length,
      pairs: train.size + test.size,
      last: metrics,
    },
    parameters: layout.size,
    trainSize: train.size,
    testSize: test.size,
    loadAverage: { before: loadBefore, after: loadAverage() },
  }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
