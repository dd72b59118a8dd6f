// Time per training step of one Transformer engine, and of one evaluation of every pair: the workload
// of bench/peer_torch_transformer.py (docs/transformer-methods.md §1–§3). p = 97, (a + b) mod p,
// 50/50 split of the 9409 pairs, the reference model (2 pre-norm layers, width 128, 4 heads,
// feed-forward 256, 290 401 parameters), AdamW (lr 1e-3, betas (0.9, 0.98), weight decay 1.0).
//
//   npx tsx bench/transformerStep.ts --engine wasm --threads 1 --steps 200 --warmup 20 --evaluations 5
//
// --engine wasm|reference (the reference runs one thread only); for wasm, --simd auto|relaxed|plain
// (the build) and --profile (the engine's own time per part of a step, as `engineProfileMs`; the
// bench leaves it off). One step = a 512-pair minibatch drawn with replacement from the train
// split, backward() (forward, cross-entropy, backward), clipGradient(1), optimizerStep(); `steps`
// steps are timed after `warmup` untimed ones. Then one
// evaluation = evaluate(train) + evaluate(test) (the engine's chunks), timed `evaluations` times
// after one untimed (none with --evaluations 0). Prints one JSON line:
// {engine, backend, simd, threads, medianMs, minMs, partsMedianMs, engineProfileMs?, steps, warmup, evaluation {medianMs, minMs, ...}, parameters, loadAverage}
// An engine that cannot run the requested threads prints {engine, threads, threadsSupported: false, error} and exits with 2.
import type { PairBatch, TransformerEngine, TransformerEngineOptions } from '../src/training/transformer/engine';
import { initialTransformerParameters, parameterLayout, type TransformerShape } from '../src/training/transformer/model';
import { ReferenceTransformerEngine } from '../src/training/transformer/reference';
import { createWasmTransformerEngine, type WasmTransformerProfile } from '../src/training/transformer/wasmEngine';
import { RandomStream } from '../src/training/random';
import type { SimdChoice } from '../src/training/wasmKernels';
import { loadAverage, median } from './support';

/** The reference model (docs/transformer-methods.md §1). */
const SHAPE: TransformerShape = { vocabulary: 97, width: 128, heads: 4, feedForward: 256, layers: 2, tasks: 1 };
const EXPECTED_PARAMETERS = 290_401;
const TRAIN_FRACTION = 0.5;
const BATCH = 512;
const CLIP_NORM = 1;
const OPTIMIZER = { lr: 1e-3, betas: [0.9, 0.98] as [number, number], eps: 1e-8, weightDecay: 1 };
const SEED = 42;

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

function pairBatch(size: number): PairBatch {
  return { size, a: new Int32Array(size), b: new Int32Array(size), labels: [new Int32Array(size)] };
}

/** Every pair (a, b) with label (a + b) mod p, shuffled by the seed's `split` stream; the first half is train. */
function splits(vocabulary: number, seed: number): { train: PairBatch; test: PairBatch } {
  const order = Array.from({ length: vocabulary * vocabulary }, (_, index) => index);
  const random = new RandomStream(seed, 'split');
  for (let index = order.length - 1; index > 0; index--) {
    const other = random.nextInt(index + 1);
    [order[index], order[other]] = [order[other], order[index]];
  }
  const trainSize = Math.floor(TRAIN_FRACTION * order.length);
  const fill = (pairs: number[]): PairBatch => {
    const batch = pairBatch(pairs.length);
    pairs.forEach((pair, index) => {
      batch.a[index] = Math.floor(pair / vocabulary);
      batch.b[index] = pair % vocabulary;
      batch.labels[0][index] = (batch.a[index] + batch.b[index]) % vocabulary;
    });
    return batch;
  };
  return { train: fill(order.slice(0, trainSize)), test: fill(order.slice(trainSize)) };
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
  const layout = parameterLayout(SHAPE);
  if (layout.size !== EXPECTED_PARAMETERS) throw new Error(`the layout has ${layout.size} parameters, expected ${EXPECTED_PARAMETERS}`);
  const { train, test } = splits(SHAPE.vocabulary, SEED);
  const options: TransformerEngineOptions = { layout, initial: initialTransformerParameters(layout, SEED), optimizer: OPTIMIZER, maxBatch: BATCH };

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

  const batch = pairBatch(BATCH);
  const draws = new RandomStream(SEED, 'batches');
  const parts = { batch: [] as number[], backward: [] as number[], clip: [] as number[], optimizer: [] as number[] };
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
      for (let index = 0; index < BATCH; index++) {
        const pair = draws.nextInt(train.size);
        batch.a[index] = train.a[pair];
        batch.b[index] = train.b[pair];
        batch.labels[0][index] = train.labels[0][pair];
      }
      const drawn = performance.now();
      lastLoss = engine.backward(batch);
      const backward = performance.now();
      engine.clipGradient(CLIP_NORM);
      const clipped = performance.now();
      engine.optimizerStep();
      const end = performance.now();
      if (!Number.isFinite(lastLoss)) throw new Error(`non-finite training loss at step ${step}`);
      if (step >= warmup) {
        times.push(end - start);
        parts.batch.push(drawn - start);
        parts.backward.push(backward - drawn);
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
    batch: BATCH,
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
