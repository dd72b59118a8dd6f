/**
 * The default compute engine: the whole epoch of docs/science.md §1–4 in WebAssembly SIMD kernels
 * (src/kernels/epoch.ts, AssemblyScript), on one thread or two. This file owns the memory plan,
 * copies the data and the initial parameters in, drives the kernels and exposes the buffers.
 *
 * Kernels (src/kernels/README.md has the layouts and the thread split):
 *  - evaluate(): forwardRows (gather + σ + O = H Vᵀ, 16 rows at a time) on both splits, then
 *    trainLoss / testLoss (float64 sums, dL/dO). Only O and dL/dO are kept, not H;
 *  - step(): backwardPanels — per K-panel of 16 hidden units, H and σ'(Z) recomputed from Wᵀ,
 *    dV, dZ with its scatter-add into dWᵀ, and the optimiser on those columns (ΔWᵀ, ΔV written as
 *    float32 differences). With keepFirstLayerGradient the kernel also copies each group's dWᵀ
 *    columns into a full (2M × KP) gradient buffer (docs/science.md §8); without it, nothing.
 *
 * Builds: with relaxed SIMD (fused multiply-add in the three products; Node 20 needs V8's
 * --experimental-wasm-relaxed-simd, which is set at run time before the module is compiled) or
 * plain SIMD as the fallback. Results of the two builds differ by float32 rounding only.
 *
 * Threads: with `threads: 2` the memory is a shared WebAssembly.Memory and a worker thread
 * (wasmThread.ts) runs the same kernels on the other half of the rows (forward) or K-panels
 * (backward). Both thread counts give bit-identical results: every output element is computed by
 * the same code in the same order whichever thread runs it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Activation, MlpRunConfig, OptimizerName } from '../../shared/config/types';
import type { Split } from '../data';
import type { EngineOptions, Evaluation, TrainingEngine } from '../engine';
import { checkEngineOptions } from '../model';
import { compileKernel, KernelInstance, LOSS_CODE, planBuffers, roundUp, sharedMemory, WASM_PAGE, type SimdBuild, type SimdChoice } from '../wasmKernels';
import { CONTROL_LENGTH, ControlIndex, ThreadOperation, type KernelThreadData } from './wasmThread';

/** Options of the wasm engine beyond EngineOptions (tests and benchmarks). */
export interface WasmEngineSettings {
  /**
   * Which build: `auto` (default) tries relaxed SIMD and falls back to plain SIMD (wasmKernels.ts);
   * `relaxed` throws when the runtime cannot compile the relaxed-SIMD build.
   */
  simd?: SimdChoice;
}

/** The wasm engine; `simd` tells which build runs. */
export interface WasmEngine extends TrainingEngine {
  readonly simd: SimdBuild;
  readonly threads: 1 | 2;
}

/** Floats per K-panel (one 64-byte cache line per row); K is padded to a multiple of it. */
const PANEL = 16;
/** The kernels' optimiser works on groups of 4 K-panels (their gradient blocks are 64 columns wide). */
const OPTIMIZER_GROUP = 4;
/** M is padded to a multiple of 8: the forward product computes 8 outputs per register block. */
const MODULUS_ALIGNMENT = 8;
/** Training and test rows are padded to a multiple of 4: the forward pass takes four rows at a time. */
const ROW_ALIGNMENT = 4;
/** How long the second thread may take to pick up a command before the engine gives up on it. */
const THREAD_PICKUP_MS = 10_000;
/** Buffers start above the first page (the kernels have no static data; heapBase() is checked). */
const FIRST_ADDRESS = WASM_PAGE;

/**
 * The fields of the kernels' `Layout` block, in order (4 bytes each): src/kernels/epoch.ts. The
 * kernel reports its size (layoutBytes) and the engine checks it against this list.
 */
const SCALAR_FIELDS = [
  'modulus', 'paddedModulus', 'hidden', 'paddedHidden', 'trainRows', 'trainRowsPadded', 'testRows', 'testRowsPadded',
  'activation', 'loss', 'optimizer', 'firstStep',
  'learningRate', 'weightDecay', 'beta1', 'beta2', 'oneMinusBeta1', 'oneMinusBeta2', 'eps', 'stepSize',
  'secondCorrectionRoot', 'decoupledFactor', 'momentum',
  'trainCorrect', 'testCorrect',
] as const;
/** Fields that hold buffer byte addresses, after the scalars. */
const BUFFER_FIELDS = [
  'firstLayer', 'secondLayer', 'firstLayerFirstMoment', 'firstLayerSecondMoment', 'secondLayerFirstMoment',
  'secondLayerSecondMoment', 'firstLayerUpdate', 'secondLayerUpdate', 'secondLayerTransposed', 'secondLayerPanels',
  'firstLayerSnapshot', 'trainOutputs', 'testOutputs', 'trainOutputsCompact',
  'outputGradientRowPairs', 'outputGradientColumnPairs', 'trainA', 'trainB', 'trainY', 'testA', 'testB', 'testY',
  'hiddenRows', 'rowScratch0', 'rowScratch1', 'hiddenPanel0', 'hiddenPanel1', 'derivativePanel0', 'derivativePanel1',
  'firstGradientPanel0', 'firstGradientPanel1', 'secondGradientPanel0', 'secondGradientPanel1',
  'firstLayerGradient',
] as const;
const LAYOUT_FIELDS = [...SCALAR_FIELDS, ...BUFFER_FIELDS] as const;
type LayoutField = (typeof LAYOUT_FIELDS)[number];
type BufferField = (typeof BUFFER_FIELDS)[number];
const FLOAT_FIELDS: ReadonlySet<LayoutField> = new Set<LayoutField>([
  'learningRate', 'weightDecay', 'beta1', 'beta2', 'oneMinusBeta1', 'oneMinusBeta2', 'eps', 'stepSize',
  'secondCorrectionRoot', 'decoupledFactor', 'momentum',
]);

/** The kernel exports (src/kernels/epoch.ts). Addresses and sizes are byte offsets / counts. */
interface EpochKernels {
  forwardRows(layout: number, split: number, rowStart: number, rowEnd: number, thread: number): void;
  trainLoss(layout: number): number;
  testLoss(layout: number): number;
  backwardPanels(layout: number, panelStart: number, panelEnd: number, thread: number): void;
  refreshSecondLayer(layout: number, panelStart: number, panelEnd: number): void;
  copyHiddenRows(layout: number, fromSnapshot: number): void;
  heapBase(): number;
  layoutBytes(): number;
}

const ACTIVATION_CODE: Record<Activation, number> = { square: 0, relu: 1, silu: 2 };
const OPTIMIZER_CODE: Record<OptimizerName, number> = { adam: 0, adamw: 1, sgd: 2 };

/** Sizes of the problem and its padded forms. */
interface Dimensions {
  modulus: number;
  paddedModulus: number;
  hidden: number;
  paddedHidden: number;
  panels: number;
  trainRows: number;
  trainRowsPadded: number;
  testRows: number;
  testRowsPadded: number;
}

/** Byte address of every buffer, 64-byte aligned, from FIRST_ADDRESS up (wasmKernels.ts's planBuffers). */
function planMemory(dimensions: Dimensions, keepFirstLayerGradient: boolean): { addresses: Record<BufferField, number>; end: number } {
  const { modulus: M, paddedModulus: MP, hidden: K, paddedHidden: KP, trainRows: n, trainRowsPadded: n4, testRowsPadded: t4 } = dimensions;
  const floats: Record<BufferField, number> = {
    firstLayer: 2 * M * KP,
    secondLayer: M * KP,
    firstLayerFirstMoment: 2 * M * KP,
    firstLayerSecondMoment: 2 * M * KP,
    secondLayerFirstMoment: M * KP,
    secondLayerSecondMoment: M * KP,
    firstLayerUpdate: 2 * M * KP,
    secondLayerUpdate: M * KP,
    secondLayerTransposed: KP * MP,
    secondLayerPanels: M * KP,
    firstLayerSnapshot: 2 * M * KP,
    trainOutputs: n4 * MP,
    testOutputs: Math.max(t4, ROW_ALIGNMENT) * MP,
    trainOutputsCompact: n * M,
    outputGradientRowPairs: n4 * MP,
    outputGradientColumnPairs: n4 * MP,
    trainA: n4,
    trainB: n4,
    trainY: n4,
    testA: Math.max(t4, 1),
    testB: Math.max(t4, 1),
    testY: Math.max(t4, 1),
    hiddenRows: n * K,
    rowScratch0: 16 * KP,
    rowScratch1: 16 * KP,
    hiddenPanel0: n4 * PANEL,
    hiddenPanel1: n4 * PANEL,
    derivativePanel0: n4 * PANEL,
    derivativePanel1: n4 * PANEL,
    firstGradientPanel0: 2 * M * PANEL * OPTIMIZER_GROUP,
    firstGradientPanel1: 2 * M * PANEL * OPTIMIZER_GROUP,
    secondGradientPanel0: MP * PANEL * OPTIMIZER_GROUP,
    secondGradientPanel1: MP * PANEL * OPTIMIZER_GROUP,
    // Only with keepFirstLayerGradient (docs/science.md §8): 1.2 MB at the defaults, else nothing.
    firstLayerGradient: keepFirstLayerGradient ? 2 * M * KP : 0,
  };
  // The layout block first, at FIRST_ADDRESS, then the buffers in BUFFER_FIELDS order.
  const { offsets, end } = planBuffers(FIRST_ADDRESS, [LAYOUT_FIELDS.length * 4, ...BUFFER_FIELDS.map((field) => floats[field] * 4)]);
  const addresses = {} as Record<BufferField, number>;
  BUFFER_FIELDS.forEach((field, index) => {
    addresses[field] = offsets[index + 1];
  });
  return { addresses, end };
}

/** Where the second thread's entry is: next to the bundle (dist/wasmThread.js) or this source file. */
function threadEntryPath(): string {
  for (const candidate of [path.join(__dirname, 'wasmThread.js'), path.join(__dirname, 'wasmThread.ts')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`the wasm thread entry (wasmThread.js) is not next to ${__dirname}: run \`npm run build\``);
}

/**
 * The worker thread of the two-thread engine and its control block. run() starts the thread's
 * share, runs the caller's share on this thread, then blocks until the thread is done.
 */
class KernelThread {
  private readonly control: Int32Array;
  private sequence = 0;
  private stopped = false;

  private constructor(private readonly worker: Worker, control: SharedArrayBuffer) {
    this.control = new Int32Array(control);
  }

  /** Starts the thread and waits until it has instantiated the kernels. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, layout: number): Promise<KernelThread> {
    const control = new SharedArrayBuffer(CONTROL_LENGTH * 4);
    const data: KernelThreadData = { kind: 'grokking-lab-wasm-thread', module, memory, control, layout };
    const entry = threadEntryPath();
    // A worker's main file does not go through the TypeScript loader hooks inherited with
    // execArgv, so the .ts entry (tests, benchmarks under tsx) is required behind tsx's CJS hook.
    const worker = entry.endsWith('.ts')
      ? new Worker(`require(${JSON.stringify(createRequire(__filename).resolve('tsx/cjs'))});\nrequire(${JSON.stringify(entry)});`,
        { eval: true, workerData: data })
      : new Worker(entry, { workerData: data });
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number): void => reject(new Error(`the wasm thread exited with code ${code} before it was ready`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', () => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve();
      });
    });
    // Later messages are failure texts; the control block's failed flag is what the engine acts on.
    worker.on('message', () => undefined);
    worker.on('error', () => undefined);
    // A forgotten dispose() must not keep the process alive.
    worker.unref();
    return new KernelThread(worker, control);
  }

  /** Sends a command, runs `ownShare` on this thread meanwhile, and waits for the thread's share. */
  run(operation: number, args: readonly number[], ownShare: () => void): void {
    if (this.stopped) throw new Error('the wasm engine was disposed');
    const control = this.control;
    control[ControlIndex.operation] = operation;
    for (let index = 0; index < args.length; index++) control[ControlIndex.arguments + index] = args[index];
    const sequence = ++this.sequence;
    Atomics.store(control, ControlIndex.sequence, sequence);
    Atomics.notify(control, ControlIndex.sequence);
    let ownError: unknown;
    try {
      ownShare();
    } catch (error) {
      ownError = error;
    }
    // Read the done word once per turn and wait on that value: no lost wake-up. A thread that has
    // not even picked the command up after THREAD_PICKUP_MS is dead or deadlocked: fail loudly.
    const waitStart = performance.now();
    for (let seen; (seen = Atomics.load(control, ControlIndex.done)) !== sequence;) {
      if (Atomics.wait(control, ControlIndex.done, seen, 1000) === 'timed-out'
        && Atomics.load(control, ControlIndex.started) !== sequence && performance.now() - waitStart > THREAD_PICKUP_MS) {
        this.stop();
        throw new Error('the wasm engine\'s second thread does not respond');
      }
    }
    if (ownError !== undefined) throw ownError;
    if (Atomics.load(control, ControlIndex.failed) !== 0) throw new Error('the wasm engine\'s second thread failed');
  }

  /** Tells the thread to leave its loop, then terminates it. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.control[ControlIndex.operation] = ThreadOperation.exit;
    Atomics.store(this.control, ControlIndex.sequence, ++this.sequence);
    Atomics.notify(this.control, ControlIndex.sequence);
    void this.worker.terminate().catch(() => undefined);
  }
}

/** The engine (see the file comment). Create it with createWasmEngine(). */
class WasmEpochEngine implements WasmEngine {
  readonly name = 'wasm';
  readonly backend: string;

  private readonly kernels: EpochKernels;
  private readonly layoutAddress: number;
  private readonly layoutInts: Int32Array;
  private readonly layoutFloats: Float32Array;
  private readonly dimensions: Dimensions;
  private readonly optimizerConfig: MlpRunConfig['optimizer'];
  private readonly thread: KernelThread | undefined;

  private readonly firstLayerView: Float32Array;
  private readonly firstLayerSnapshotView: Float32Array;
  private readonly secondLayerView: Float32Array;
  private readonly firstLayerUpdateView: Float32Array;
  private readonly secondLayerUpdateView: Float32Array;
  private readonly hiddenRowsView: Float32Array;
  private readonly trainOutputView: Float32Array;
  /** dL/dWᵀ of the last step, (2M × KP); only with keepFirstLayerGradient. */
  private readonly firstLayerGradientView: Float32Array | undefined;
  /** Unpadded copies for K not a multiple of 16 (else the views above are already unpadded). */
  private readonly compact: {
    first: Float32Array;
    second: Float32Array;
    firstUpdate: Float32Array;
    secondUpdate: Float32Array;
    firstGradient: Float32Array | undefined;
  } | undefined;

  private stepCount = 0;
  private cacheFresh = false;
  /** hiddenRows holds H of the last evaluate(). */
  private hiddenRowsFresh = false;
  /** firstLayerSnapshot holds Wᵀ of the last evaluate() (taken by step() when H was not copied yet). */
  private snapshotFresh = false;
  /** The gradient buffer holds the gradient of the last step() (no evaluate() since). */
  private gradientFresh = false;
  private disposed = false;

  constructor(
    readonly simd: SimdBuild,
    readonly threads: 1 | 2,
    kernel: KernelInstance<EpochKernels>,
    dimensions: Dimensions,
    addresses: Record<BufferField, number>,
    options: EngineOptions,
    thread: KernelThread | undefined,
  ) {
    this.backend = `simd${simd === 'relaxed' ? '-relaxed' : ''}-${threads}-thread${threads > 1 ? 's' : ''}`;
    this.kernels = kernel.exports;
    this.dimensions = dimensions;
    this.optimizerConfig = options.config.optimizer;
    this.thread = thread;
    this.layoutAddress = FIRST_ADDRESS;
    const buffer = kernel.memory.buffer;
    this.layoutInts = new Int32Array(buffer, this.layoutAddress, LAYOUT_FIELDS.length);
    this.layoutFloats = new Float32Array(buffer, this.layoutAddress, LAYOUT_FIELDS.length);
    if (this.kernels.layoutBytes() !== LAYOUT_FIELDS.length * 4) {
      throw new Error(`wasm kernel layout mismatch: ${this.kernels.layoutBytes()} bytes, expected ${LAYOUT_FIELDS.length * 4}`);
    }
    if (this.kernels.heapBase() > FIRST_ADDRESS) throw new Error('wasm kernel static data overlaps the buffers');

    const { modulus: M, hidden: K, paddedHidden: KP, trainRows: n } = dimensions;
    const { config, dataset, initial } = options;
    const optimizer = config.optimizer;
    this.setInt('modulus', M);
    this.setInt('paddedModulus', dimensions.paddedModulus);
    this.setInt('hidden', K);
    this.setInt('paddedHidden', KP);
    this.setInt('trainRows', n);
    this.setInt('trainRowsPadded', dimensions.trainRowsPadded);
    this.setInt('testRows', dimensions.testRows);
    this.setInt('testRowsPadded', dimensions.testRowsPadded);
    this.setInt('activation', ACTIVATION_CODE[config.model.activation]);
    this.setInt('loss', LOSS_CODE[config.loss]);
    this.setInt('optimizer', OPTIMIZER_CODE[optimizer.name]);
    this.setFloat('learningRate', optimizer.lr);
    this.setFloat('weightDecay', optimizer.weightDecay);
    this.setFloat('beta1', optimizer.betas[0]);
    this.setFloat('beta2', optimizer.betas[1]);
    this.setFloat('oneMinusBeta1', 1 - optimizer.betas[0]);
    this.setFloat('oneMinusBeta2', 1 - optimizer.betas[1]);
    this.setFloat('eps', optimizer.eps);
    this.setFloat('decoupledFactor', 1 - optimizer.lr * optimizer.weightDecay);
    this.setFloat('momentum', optimizer.momentum);
    for (const field of BUFFER_FIELDS) this.setInt(field, addresses[field]);

    const floats = (field: BufferField, length: number): Float32Array => new Float32Array(buffer, addresses[field], length);
    const ints = (field: BufferField, length: number): Int32Array => new Int32Array(buffer, addresses[field], length);
    // Parameters, rows padded from K to KP with zeros (padding columns stay zero through training:
    // their gradients and therefore their updates are exactly zero).
    const firstLayer = floats('firstLayer', 2 * M * KP);
    const secondLayer = floats('secondLayer', M * KP);
    for (let row = 0; row < 2 * M; row++) firstLayer.set(initial.firstLayerTransposed.subarray(row * K, (row + 1) * K), row * KP);
    for (let row = 0; row < M; row++) secondLayer.set(initial.secondLayer.subarray(row * K, (row + 1) * K), row * KP);
    const copySplit = (split: Split, a: BufferField, b: BufferField, y: BufferField): void => {
      ints(a, split.size).set(split.a);
      ints(b, split.size).set(split.b);
      ints(y, split.size).set(split.y);
    };
    copySplit(dataset.train, 'trainA', 'trainB', 'trainY');
    copySplit(dataset.test, 'testA', 'testB', 'testY');
    this.kernels.refreshSecondLayer(this.layoutAddress, 0, dimensions.panels);

    this.firstLayerView = firstLayer;
    this.firstLayerSnapshotView = floats('firstLayerSnapshot', 2 * M * KP);
    this.secondLayerView = secondLayer;
    this.firstLayerUpdateView = floats('firstLayerUpdate', 2 * M * KP);
    this.secondLayerUpdateView = floats('secondLayerUpdate', M * KP);
    this.hiddenRowsView = floats('hiddenRows', n * K);
    this.trainOutputView = floats('trainOutputsCompact', n * M);
    const keepGradient = addresses.firstLayerGradient !== 0;
    this.firstLayerGradientView = keepGradient ? floats('firstLayerGradient', 2 * M * KP) : undefined;
    this.compact = KP === K ? undefined : {
      first: new Float32Array(2 * M * K),
      second: new Float32Array(M * K),
      firstUpdate: new Float32Array(2 * M * K),
      secondUpdate: new Float32Array(M * K),
      firstGradient: keepGradient ? new Float32Array(2 * M * K) : undefined,
    };
  }

  /**
   * Training forward pass (O and dL/dO cached for step()) and test forward pass with the current
   * parameters; activations live only in a 16-row scratch. Mutates the engine's output buffers only.
   */
  evaluate(): Evaluation {
    this.requireLive();
    const layout = this.layoutAddress;
    const { trainRowsPadded, testRowsPadded } = this.dimensions;
    if (this.thread) {
      const trainSplit = roundUp(trainRowsPadded / 2, ROW_ALIGNMENT);
      const testSplit = roundUp(testRowsPadded / 2, ROW_ALIGNMENT);
      this.thread.run(ThreadOperation.forward, [trainSplit, trainRowsPadded, testSplit, testRowsPadded], () => {
        this.kernels.forwardRows(layout, 0, 0, trainSplit, 0);
        this.kernels.forwardRows(layout, 1, 0, testSplit, 0);
      });
    } else {
      this.kernels.forwardRows(layout, 0, 0, trainRowsPadded, 0);
      this.kernels.forwardRows(layout, 1, 0, testRowsPadded, 0);
    }
    const { trainRows, testRows } = this.dimensions;
    const trainLoss = this.kernels.trainLoss(layout);
    const testLoss = this.kernels.testLoss(layout);
    this.cacheFresh = true;
    this.hiddenRowsFresh = false;
    this.snapshotFresh = false;
    this.gradientFresh = false;
    return {
      train: { loss: trainLoss, accuracy: this.getInt('trainCorrect') / trainRows },
      test: { loss: testLoss, accuracy: testRows > 0 ? this.getInt('testCorrect') / testRows : Number.NaN },
    };
  }

  /**
   * Backward pass and one optimiser step (torch semantics) from the last evaluate(). Mutates the
   * parameters, optimiser state and update buffers (ΔWᵀ, ΔV = θ_after − θ_before in float32).
   * Throws if evaluate() was not called since the last step().
   */
  step(): void {
    this.requireLive();
    if (!this.cacheFresh) throw new Error('WasmEngine.step() needs a fresh evaluate(): call evaluate() before each step()');
    this.stepCount++;
    const optimizer = this.optimizerConfig;
    const [beta1, beta2] = optimizer.betas;
    this.setInt('firstStep', this.stepCount === 1 ? 1 : 0);
    this.setFloat('stepSize', optimizer.lr / (1 - beta1 ** this.stepCount));
    this.setFloat('secondCorrectionRoot', Math.sqrt(1 - beta2 ** this.stepCount));
    // trainHidden() recomputes H from Wᵀ; keep the Wᵀ of this evaluate() for a call after the step.
    if (!this.hiddenRowsFresh) {
      this.firstLayerSnapshotView.set(this.firstLayerView);
      this.snapshotFresh = true;
    }
    const layout = this.layoutAddress;
    const panels = this.dimensions.panels;
    if (this.thread) {
      const split = Math.ceil(panels / 2);
      this.thread.run(ThreadOperation.backward, [split, panels], () => this.kernels.backwardPanels(layout, 0, split, 0));
    } else {
      this.kernels.backwardPanels(layout, 0, panels, 0);
    }
    this.cacheFresh = false;
    this.gradientFresh = this.firstLayerGradientView !== undefined;
  }

  firstLayerTransposed(): Float32Array {
    this.requireLive();
    return this.unpadded(this.firstLayerView, this.compact?.first, 2 * this.dimensions.modulus);
  }

  secondLayer(): Float32Array {
    this.requireLive();
    return this.unpadded(this.secondLayerView, this.compact?.second, this.dimensions.modulus);
  }

  firstLayerUpdate(): Float32Array {
    this.requireLive();
    return this.unpadded(this.firstLayerUpdateView, this.compact?.firstUpdate, 2 * this.dimensions.modulus);
  }

  secondLayerUpdate(): Float32Array {
    this.requireLive();
    return this.unpadded(this.secondLayerUpdateView, this.compact?.secondUpdate, this.dimensions.modulus);
  }

  /** dL/dWᵀ of the last step() (no weight decay), copied by the kernel from its gradient blocks. */
  firstLayerGradient(): Float32Array {
    this.requireLive();
    if (!this.firstLayerGradientView) throw new Error('WasmEngine.firstLayerGradient() needs an engine created with keepFirstLayerGradient');
    if (!this.gradientFresh) throw new Error('WasmEngine.firstLayerGradient() needs a step() since the last evaluate()');
    return this.unpadded(this.firstLayerGradientView, this.compact?.firstGradient, 2 * this.dimensions.modulus);
  }

  /**
   * H (n_train × K) of the last evaluate(), row-major. The kernels do not keep H (the backward pass
   * recomputes it panel by panel), so the first call after an evaluate() recomputes it from Wᵀ (an
   * n × K gather, a few ms at the defaults); later calls return the same view, valid until the next
   * evaluate(). Works before and after step() (step() keeps the Wᵀ it needs).
   */
  trainHidden(): Float32Array {
    this.requireLive();
    if (!this.hiddenRowsFresh) {
      if (this.cacheFresh) this.kernels.copyHiddenRows(this.layoutAddress, 0);
      else if (this.snapshotFresh) this.kernels.copyHiddenRows(this.layoutAddress, 1);
      else throw new Error('WasmEngine.trainHidden() needs an evaluate() first');
      this.hiddenRowsFresh = true;
    }
    return this.hiddenRowsView;
  }

  /** O (n_train × M) of the last evaluate(): a view, valid until the next evaluate(). */
  trainOutput(): Float32Array {
    this.requireLive();
    return this.trainOutputView;
  }

  /** Stops the second thread (if any). The memory is released with the engine object. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cacheFresh = false;
    this.thread?.stop();
  }

  /** The view itself when K is a multiple of 16, else its rows copied without the padding. */
  private unpadded(view: Float32Array, compact: Float32Array | undefined, rows: number): Float32Array {
    if (!compact) return view;
    const { hidden: K, paddedHidden: KP } = this.dimensions;
    for (let row = 0; row < rows; row++) compact.set(view.subarray(row * KP, row * KP + K), row * K);
    return compact;
  }

  private requireLive(): void {
    if (this.disposed) throw new Error('the wasm engine was disposed');
  }

  private setInt(field: LayoutField, value: number): void {
    this.layoutInts[LAYOUT_FIELDS.indexOf(field)] = value;
  }

  private setFloat(field: LayoutField, value: number): void {
    if (!FLOAT_FIELDS.has(field)) throw new Error(`layout field ${field} is not a float`);
    this.layoutFloats[LAYOUT_FIELDS.indexOf(field)] = value;
  }

  private getInt(field: LayoutField): number {
    return this.layoutInts[LAYOUT_FIELDS.indexOf(field)];
  }
}

/**
 * Creates the wasm engine for one model, dataset and optimiser state: copies the data and the
 * initial parameters into wasm memory (the caller's arrays are never mutated), allocates every
 * buffer once, and with options.config.engine.threads = 2 starts the second thread.
 */
export async function createWasmEngine(options: EngineOptions, settings: WasmEngineSettings = {}): Promise<WasmEngine> {
  const shape = checkEngineOptions(options);
  const threads = options.config.engine.threads;
  if (threads !== 1 && threads !== 2) throw new Error(`the wasm engine runs on 1 or 2 threads, not ${String(threads)}`);
  const paddedHidden = roundUp(shape.hidden, PANEL);
  const dimensions: Dimensions = {
    modulus: shape.modulus,
    paddedModulus: roundUp(shape.modulus, MODULUS_ALIGNMENT),
    hidden: shape.hidden,
    paddedHidden,
    panels: paddedHidden / PANEL,
    trainRows: shape.trainSize,
    trainRowsPadded: roundUp(shape.trainSize, ROW_ALIGNMENT),
    testRows: shape.testSize,
    testRowsPadded: roundUp(shape.testSize, ROW_ALIGNMENT),
  };
  const keepFirstLayerGradient = options.keepFirstLayerGradient ?? false;
  const { addresses, end } = planMemory(dimensions, keepFirstLayerGradient);
  // Address 0 tells the kernel not to copy the gradient (the buffers start at FIRST_ADDRESS > 0).
  if (!keepFirstLayerGradient) addresses.firstLayerGradient = 0;
  const shared = threads === 2;
  const { module, simd } = compileKernel(shared ? 'epoch-shared' : 'epoch', settings.simd ?? 'auto');
  // Two threads share one memory, made at its final size (views in both threads stay valid); one
  // thread grows the module's own memory.
  const kernel = new KernelInstance<EpochKernels>(module, 'epoch.wasm', shared ? { memory: sharedMemory(end), base: FIRST_ADDRESS } : { base: FIRST_ADDRESS });
  kernel.growTo(end);
  const thread = shared ? await KernelThread.start(module, kernel.memory, FIRST_ADDRESS) : undefined;
  try {
    return new WasmEpochEngine(simd, threads, kernel, dimensions, addresses, options, thread);
  } catch (error) {
    thread?.stop();
    throw error;
  }
}
