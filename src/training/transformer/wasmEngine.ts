/**
 * The fast Transformer engine: one training step of the model of docs/science.md §12.1 and
 * §3 (docs/science.md "§12 The Transformer") in the WebAssembly SIMD kernels of
 * src/kernels/transformer.ts, on one thread. This file plans the kernels' memory (through
 * wasmKernels.ts, the one loader), packs the weights, and drives the kernels over bounded slices of
 * rows; src/kernels/README.md ("transformer.ts") has the layouts, the call sequence and the
 * measured times.
 *
 * Every buffer lives in the kernel memory. parameters() and gradient() are views of the flat
 * vectors in the layout's order (PyTorch's named_parameters(), model.ts); AdamW's moments sit next
 * to them. Activations are float32 in the kernels' octet layout, rows position-major (position 0
 * of every sample, then position 1). Losses and the clipping norm are summed in float64. The
 * weight panels are packed from parameters() at the start of every backward() and evaluate(), so
 * a caller may also write the parameters directly.
 *
 * Two exact shortcuts that PyTorch does not take; both compute the same function and gradient:
 *  - **The last layer** (dead code skipped): the logits read position 0 of the last layer's output
 *    only, so in the last layer only position 0's query, attention output, out_proj, residual,
 *    norm2 and feed-forward block are computed (forward and backward), and position 1 contributes
 *    only its key and value (its in_proj K/V rows and the gradients flowing back through them).
 *    At the defaults this skips 18 % of the products' arithmetic.
 *  - **The first layer per token** (repeated work done once): the first layer's input row is
 *    tok_emb[t] + pos_emb[p], so its LayerNorm and in_proj depend on (token, position) only; they
 *    run on the 2·⌈p/8⌉·8 rows of every (token, position) (208 at p = 97) instead of the batch's
 *    rows (1024), and their qkv rows are gathered into the batch. The forward values are the same
 *    float32 numbers as per row; in the backward pass dQKV is summed per (token, position) before
 *    the products, which regroups the same sums. Used when it is fewer rows (settings:
 *    firstLayerByToken). At the defaults it skips another 15 %: the step's products are ≈ 1.11
 *    GFLOP instead of PyTorch's ≈ 1.65.
 *    Not in correctLogitInputGradients: μ_x is the input gradient of each pair, which the per-token
 *    sums would merge, so that pass runs the first layer per row.
 *
 * Sums are computed in one fixed order by one thread, so two engines given the same inputs give
 * bit-identical results. The relaxed-SIMD build (fused multiply-add) and the plain one differ by
 * float32 rounding only. The engine needs width and feedForward to be multiples of 8 (the octet
 * transposes); any vocabulary, head count and batch size.
 */
import type { PairBatch, TaskMetrics, TransformerEngine, TransformerEngineOptions } from './engine';
import { LAYER_NORM_EPS, namedSlices, type NamedSlices, type ParameterLayout, type ParameterSlice } from './model';
import { CLIP_EPSILON } from './reference';
import { compileKernel, KernelInstance, roundUp, type SimdBuild, type SimdChoice } from '../wasmKernels';

/** The exports of transformer.wasm (src/kernels/transformer.ts). Addresses are byte offsets; flags are 0/1. */
export interface TransformerKernels {
  geluValues(z: number, count: number, out: number, derivative: number): void;
  packForwardPanels(w: number, rows: number, columns: number, destination: number, panelStart: number, panelEnd: number): void;
  packInputPanels(w: number, rows: number, columns: number, destination: number, panelStart: number, panelEnd: number): void;
  linearForward(x: number, xColumns: number, steps: number, panels: number, panelStart: number, panelEnd: number,
    y: number, yColumns: number, octetStart: number, octetEnd: number, bias: number, residual: number): void;
  linearForwardGelu(x: number, xColumns: number, steps: number, panels: number, panelStart: number, panelEnd: number,
    g: number, gColumns: number, octetStart: number, octetEnd: number, bias: number, derivative: number): void;
  linearInputGradient(dy: number, dyColumns: number, stepStart: number, steps: number, panels: number, panelSteps: number,
    panelStart: number, panelEnd: number, dx: number, dxColumns: number, octetStart: number, octetEnd: number, multiplier: number, accumulate: number): void;
  transposeOctets(y: number, columns: number, t: number, tRows: number, octetStart: number, octetEnd: number): void;
  packRowPanels(x: number, columns: number, p: number, pRows: number, octetStart: number, octetEnd: number): void;
  weightGradient(t: number, tRows: number, p: number, pRows: number, stepStart: number, steps: number,
    dw: number, ldw: number, rows: number, ogStart: number, ogEnd: number, panelStart: number, panelEnd: number): void;
  rowSums(t: number, tRows: number, stepStart: number, steps: number, out: number, rows: number, ogStart: number, ogEnd: number): void;
  reducePartials(partials: number, columns: number, out: number, accumulate: number): void;
  gatherRows(a: number, b: number, count: number, positionOctets: number, tableA: number, tableB: number, positionRows: number,
    columns: number, x: number, octetStart: number, octetEnd: number): void;
  scatterAddRows(dx: number, columns: number, a: number, b: number, count: number, positionOctets: number, tableA: number, tableB: number,
    positionPartials: number, scratch: number, octetStart: number, octetEnd: number): void;
  layerNormForward(x: number, columns: number, gamma: number, beta: number, eps: number, y: number, stats: number, octetStart: number, octetEnd: number): void;
  layerNormBackward(x: number, columns: number, gamma: number, stats: number, dy: number, dr: number, dx: number, partials: number,
    octetStart: number, octetEnd: number): void;
  attentionForward(qkv: number, width: number, heads: number, positionOctets: number, probabilities: number, output: number,
    octetStart: number, octetEnd: number, bothQueries: number): void;
  attentionBackward(qkv: number, width: number, heads: number, positionOctets: number, probabilities: number, outputGradient: number,
    dqkv: number, octetStart: number, octetEnd: number, bothQueries: number): void;
  crossEntropy(logits: number, columns: number, classes: number, labels: number, batch: number, scale: number, gradient: number,
    correct: number, scratch: number, octetStart: number, octetEnd: number): number;
  adamW(parameters: number, gradient: number, firstMoment: number, secondMoment: number, start: number, end: number,
    decoupledFactor: number, beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number, stepSize: number,
    secondCorrectionRoot: number, eps: number): void;
  squaredNorm(x: number, start: number, end: number): number;
  scaleValues(x: number, start: number, end: number, factor: number): void;
}

/** Options of the wasm engine beyond TransformerEngineOptions. */
export interface WasmTransformerSettings {
  /** `auto` (default) tries the relaxed-SIMD build and falls back to plain SIMD (wasmKernels.ts). */
  simd?: SimdChoice;
  /** Only 1 is implemented. */
  threads?: number;
  /** Record the time of each part of a step in `profile` (benchmarks). */
  profile?: boolean;
  /**
   * Compute the first layer's LayerNorm and in_proj once per (token, position) instead of once per
   * row when that is less work (the file comment); default true. false: always per row (tests).
   */
  firstLayerByToken?: boolean;
}

/** Milliseconds spent per part, summed over the calls since the engine was made (with `profile`). */
export interface WasmTransformerProfile {
  pack: number;
  forward: number;
  loss: number;
  backward: number;
  clip: number;
  optimizer: number;
  steps: number;
}

export interface WasmTransformerEngine extends TransformerEngine {
  readonly simd: SimdBuild;
  readonly threads: 1;
  readonly profile: WasmTransformerProfile | undefined;
}

/** Octets (8 rows) per kernel call of the row-wise kernels: bounded slices, so V8's optimised code takes over early. */
const OCTET_CHUNK = 8;
/** Octets of dW's rows (8 outputs each) per weightGradient call. */
const GRADIENT_CHUNK = 4;
/** Floats per adamW / squaredNorm / scaleValues call. */
const VECTOR_CHUNK = 16384;
/** Bytes per column of an octet (8 float32 rows). */
const OCTET_BYTES = 32;
/** Per-octet LayerNorm statistics: mean and rstd of 8 rows. */
const STATS_BYTES = 64;

/** One encoder layer's buffers and weight panels (byte addresses). */
interface LayerBuffers {
  /** Residual stream entering the layer (rows × width). */
  input: number;
  norm1: number;
  stats1: number;
  /** in_proj output (rows × 3·width). */
  qkv: number;
  probabilities: number;
  /** Attention output before out_proj (rows × width). */
  attention: number;
  /** Residual stream after the attention block. */
  middle: number;
  norm2: number;
  stats2: number;
  /** GELU output and derivative (rows × feedForward). */
  activation: number;
  derivative: number;
  inForward: number;
  inInput: number;
  outForward: number;
  outInput: number;
  firstForward: number;
  firstInput: number;
  secondForward: number;
  secondInput: number;
}

/**
 * The first layer's rows per (token, position) (the file comment): 8·tokenOctets rows per position,
 * position 0 first, row t of a position for token t.
 */
interface TokenRowBuffers {
  /** i32 row indices 0 … vocabulary − 1 (then 0): the index array of gatherRows / scatterAddRows. */
  indices: number;
  /** tok_emb[t] + pos_emb[p], LN1 of it, its statistics, and in_proj of that (octet layout). */
  input: number;
  norm: number;
  stats: number;
  qkv: number;
  /** Row-major (rows × 3·width): qkv for the gather of the forward pass, dQKV summed per token in the backward pass. */
  table: number;
  qkvGradient: number;
  inputGradient: number;
}

interface HeadBuffers {
  forward: number;
  input: number;
  /** The head's bias padded with zeros to the panels' 4·⌈V/4⌉ outputs. */
  bias: number;
  logits: number;
  logitGradient: number;
  labels: number;
}

/** Calls `run(start, end)` over [start, end) in chunks of `chunk`. */
function slices(start: number, end: number, chunk: number, run: (from: number, to: number) => void): void {
  for (let from = start; from < end; from += chunk) run(from, Math.min(end, from + chunk));
}

/** Creates the engine (relaxed SIMD when the runtime has it, unless settings.simd says otherwise). */
export function createWasmTransformerEngine(options: TransformerEngineOptions, settings: WasmTransformerSettings = {}): WasmTransformerEngine {
  const threads = settings.threads ?? 1;
  if (threads !== 1) throw new Error(`the wasm Transformer engine runs one thread only, not ${threads}`);
  const { module, simd } = compileKernel('transformer', settings.simd ?? 'auto');
  return new WasmTransformer(new KernelInstance<TransformerKernels>(module, 'transformer.wasm'), simd, options, settings);
}

class WasmTransformer implements WasmTransformerEngine {
  readonly name = 'wasm';
  readonly backend: string;
  readonly threads = 1;
  readonly layout: ParameterLayout;
  readonly profile: WasmTransformerProfile | undefined;

  private readonly kernel: KernelInstance<TransformerKernels>;
  private readonly k: TransformerKernels;
  private readonly named: NamedSlices;
  private readonly optimizer: TransformerEngineOptions['optimizer'];
  private readonly maxBatch: number;
  /** Samples per position, maxBatch padded to a multiple of 8. */
  private readonly paddedBatch: number;
  /** 2·paddedBatch: the rows of the activation buffers. */
  private readonly rows: number;
  /** Logit columns: vocabulary rounded up to 8 (transposeOctets works on groups of 8 columns). */
  private readonly logitColumns: number;
  private readonly headPanels: number;

  private readonly parameterAddress: number;
  private readonly gradientAddress: number;
  private readonly firstMomentAddress: number;
  private readonly secondMomentAddress: number;
  private readonly tokensA: number;
  private readonly tokensB: number;
  private readonly layers: LayerBuffers[];
  private readonly heads: HeadBuffers[];
  /** Residual stream after the last layer (rows × width; position 0 filled). */
  private readonly finalStream: number;
  private readonly finalNorm: number;
  private readonly finalStats: number;
  private readonly finalNormGradient: number;
  private readonly streamGradient: number;
  private readonly hiddenGradient: number;
  private readonly normGradient: number;
  private readonly attentionGradient: number;
  private readonly qkvGradient: number;
  private readonly transposed: number;
  private readonly rowPanels: number;
  private readonly partials: number;
  private readonly positionPartials: number;
  /** 8 rows × 3·width floats for scatterAddRows. */
  private readonly rowScratch: number;
  private readonly firstLayerByToken: boolean;
  /** Octets per position of the first layer's per-token rows: ⌈vocabulary/8⌉. */
  private readonly tokenOctets: number;
  private readonly tokenRows: TokenRowBuffers;
  private readonly lossScratch: number;
  private readonly correctAddress: number;

  private readonly parameterView: Float32Array;
  private readonly gradientView: Float32Array;
  private readonly correctView: Int32Array;
  private readonly tokenViews: { a: Int32Array; b: Int32Array };
  private readonly labelViews: Int32Array[];

  private stepCount = 0;
  private disposed = false;
  /**
   * Set by correctLogitInputGradients only: the backward pass computes the input gradient alone
   * (no weight gradient is written, the gradient buffer is untouched), and the first layer runs per
   * row, so that dh0 is per pair.
   */
  private inputOnly = false;

  constructor(kernel: KernelInstance<TransformerKernels>, readonly simd: SimdBuild, options: TransformerEngineOptions, settings: WasmTransformerSettings) {
    const { layout } = options;
    const { vocabulary, width, feedForward, tasks } = layout.shape;
    if (width % 8 !== 0 || feedForward % 8 !== 0) {
      throw new Error(`the wasm Transformer engine needs width and feedForward multiples of 8, got ${width} and ${feedForward}`);
    }
    if (options.initial.length !== layout.size) throw new Error(`initial parameters have ${options.initial.length} values, the layout ${layout.size}`);
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${options.maxBatch}`);
    this.kernel = kernel;
    this.k = kernel.exports;
    this.layout = layout;
    this.named = namedSlices(layout);
    this.optimizer = { ...options.optimizer, betas: [options.optimizer.betas[0], options.optimizer.betas[1]] };
    this.maxBatch = options.maxBatch;
    this.backend = `simd${simd === 'relaxed' ? '-relaxed' : ''}-1-thread`;
    this.firstLayerByToken = settings.firstLayerByToken ?? true;
    this.profile = settings.profile === true ? { pack: 0, forward: 0, loss: 0, backward: 0, clip: 0, optimizer: 0, steps: 0 } : undefined;

    this.paddedBatch = roundUp(options.maxBatch, 8);
    this.rows = 2 * this.paddedBatch;
    this.logitColumns = roundUp(vocabulary, 8);
    this.headPanels = Math.ceil(vocabulary / 4);
    const rows = this.rows;
    const floatBytes = (count: number): number => 4 * count;
    const matrix = (columns: number, matrixRows = rows): number => floatBytes(matrixRows * columns);
    const stats = (matrixRows = rows): number => (matrixRows / 8) * STATS_BYTES;

    // The memory plan: one list of sizes, laid out in order by reserve().
    const sizes: number[] = [];
    const plan = (bytes: number): number => sizes.push(bytes) - 1;
    const parameterIndex = plan(floatBytes(layout.size));
    const gradientIndex = plan(floatBytes(layout.size));
    const firstMomentIndex = plan(floatBytes(layout.size));
    const secondMomentIndex = plan(floatBytes(layout.size));
    const tokensAIndex = plan(floatBytes(this.paddedBatch));
    const tokensBIndex = plan(floatBytes(this.paddedBatch));
    const layerIndices = this.named.layers.map(() => ({
      input: plan(matrix(width)),
      norm1: plan(matrix(width)),
      stats1: plan(stats()),
      qkv: plan(matrix(3 * width)),
      probabilities: plan((this.paddedBatch / 8) * layout.shape.heads * 4 * OCTET_BYTES),
      attention: plan(matrix(width)),
      middle: plan(matrix(width)),
      norm2: plan(matrix(width)),
      stats2: plan(stats()),
      activation: plan(matrix(feedForward)),
      derivative: plan(matrix(feedForward)),
      inForward: plan(floatBytes(3 * width * width)),
      inInput: plan(floatBytes(3 * width * width)),
      outForward: plan(floatBytes(width * width)),
      outInput: plan(floatBytes(width * width)),
      firstForward: plan(floatBytes(feedForward * width)),
      firstInput: plan(floatBytes(feedForward * width)),
      secondForward: plan(floatBytes(width * feedForward)),
      secondInput: plan(floatBytes(width * feedForward)),
    }));
    const headIndices = this.named.heads.map(() => ({
      forward: plan(floatBytes(4 * this.headPanels * width)),
      input: plan(floatBytes(vocabulary * width)),
      bias: plan(floatBytes(4 * this.headPanels)),
      logits: plan(matrix(this.logitColumns, this.paddedBatch)),
      logitGradient: plan(matrix(this.logitColumns, this.paddedBatch)),
      labels: plan(floatBytes(this.paddedBatch)),
    }));
    const finalStreamIndex = plan(matrix(width));
    const finalNormIndex = plan(matrix(width, this.paddedBatch));
    const finalStatsIndex = plan(stats(this.paddedBatch));
    const finalNormGradientIndex = plan(matrix(width, this.paddedBatch));
    const streamGradientIndex = plan(matrix(width));
    const hiddenGradientIndex = plan(matrix(feedForward));
    const normGradientIndex = plan(matrix(width));
    const attentionGradientIndex = plan(matrix(width));
    const qkvGradientIndex = plan(matrix(3 * width));
    const transposedIndex = plan(matrix(Math.max(3 * width, feedForward, this.logitColumns)));
    const rowPanelsIndex = plan(matrix(Math.max(width, feedForward)));
    const partialsIndex = plan(2 * width * OCTET_BYTES);
    const positionPartialsIndex = plan(2 * width * OCTET_BYTES);
    const rowScratchIndex = plan(floatBytes(8 * 3 * width));
    this.tokenOctets = Math.ceil(vocabulary / 8);
    const tokenRowCount = 16 * this.tokenOctets;
    const tokenRowIndices = {
      indices: plan(floatBytes(8 * this.tokenOctets)),
      input: plan(matrix(width, tokenRowCount)),
      norm: plan(matrix(width, tokenRowCount)),
      stats: plan(stats(tokenRowCount)),
      qkv: plan(matrix(3 * width, tokenRowCount)),
      table: plan(matrix(3 * width, tokenRowCount)),
      qkvGradient: plan(matrix(3 * width, tokenRowCount)),
      inputGradient: plan(matrix(width, tokenRowCount)),
    };
    const lossScratchIndex = plan(64);
    const correctIndex = plan(16);
    const offsets = kernel.reserve(...sizes);

    this.parameterAddress = offsets[parameterIndex];
    this.gradientAddress = offsets[gradientIndex];
    this.firstMomentAddress = offsets[firstMomentIndex];
    this.secondMomentAddress = offsets[secondMomentIndex];
    this.tokensA = offsets[tokensAIndex];
    this.tokensB = offsets[tokensBIndex];
    this.layers = layerIndices.map((indices) => Object.fromEntries(Object.entries(indices).map(([key, index]) => [key, offsets[index]])) as unknown as LayerBuffers);
    this.heads = headIndices.map((indices) => Object.fromEntries(Object.entries(indices).map(([key, index]) => [key, offsets[index]])) as unknown as HeadBuffers);
    this.finalStream = offsets[finalStreamIndex];
    this.finalNorm = offsets[finalNormIndex];
    this.finalStats = offsets[finalStatsIndex];
    this.finalNormGradient = offsets[finalNormGradientIndex];
    this.streamGradient = offsets[streamGradientIndex];
    this.hiddenGradient = offsets[hiddenGradientIndex];
    this.normGradient = offsets[normGradientIndex];
    this.attentionGradient = offsets[attentionGradientIndex];
    this.qkvGradient = offsets[qkvGradientIndex];
    this.transposed = offsets[transposedIndex];
    this.rowPanels = offsets[rowPanelsIndex];
    this.partials = offsets[partialsIndex];
    this.positionPartials = offsets[positionPartialsIndex];
    this.rowScratch = offsets[rowScratchIndex];
    this.tokenRows = Object.fromEntries(Object.entries(tokenRowIndices).map(([key, index]) => [key, offsets[index]])) as unknown as TokenRowBuffers;
    // The per-token rows' indices: token t at row t of each position (padding rows read token 0).
    kernel.i32(this.tokenRows.indices, vocabulary).set(Int32Array.from({ length: vocabulary }, (_, token) => token));
    this.lossScratch = offsets[lossScratchIndex];
    this.correctAddress = offsets[correctIndex];

    // Fresh pages are zero: the moments, the padding of tokens, labels, biases and logit gradients start at 0.
    this.parameterView = kernel.f32(this.parameterAddress, layout.size);
    this.parameterView.set(options.initial);
    this.gradientView = kernel.f32(this.gradientAddress, layout.size);
    this.correctView = kernel.i32(this.correctAddress, 1);
    this.tokenViews = { a: kernel.i32(this.tokensA, this.paddedBatch), b: kernel.i32(this.tokensB, this.paddedBatch) };
    this.labelViews = this.heads.map((head) => kernel.i32(head.labels, this.paddedBatch));
    if (tasks !== this.heads.length) throw new Error('transformer layout: one head per task expected');
  }

  parameters(): Float32Array {
    this.checkAlive();
    return this.parameterView;
  }

  gradient(): Float32Array {
    this.checkAlive();
    return this.gradientView;
  }

  /**
   * μ_x of the probes (docs/science.md §12.6) in the kernels: `parameters` are copied into the
   * engine's parameter buffer for the call and the engine's own copied back afterwards (bit for
   * bit); per chunk of ≤ maxBatch probes, the forward pass with the first layer per row, the seed
   * dlogit = one-hot(y) at head `task`, and the backward pass down to the stream entering layer 0
   * (the input gradient only: no weight gradient is written).
   */
  correctLogitInputGradients(parameters: Float32Array, pairs: PairBatch, task: number, into: Float64Array): void {
    this.checkAlive();
    const { width } = this.layout.shape;
    this.checkTask(task);
    if (parameters.length !== this.layout.size) throw new Error(`parameters have ${parameters.length} values, the layout ${this.layout.size}`);
    if (into.length < 2 * width * pairs.size) throw new Error(`into holds ${into.length} values, fewer than 2·width·pairs = ${2 * width * pairs.size}`);
    if (pairs.size < 1) return;
    const saved = this.parameterView.slice();
    this.parameterView.set(parameters);
    this.inputOnly = true;
    try {
      this.packWeights();
      const head = this.heads[task];
      const labels = pairs.labels[task];
      for (let start = 0; start < pairs.size; start += this.maxBatch) {
        const count = Math.min(this.maxBatch, pairs.size - start);
        this.loadBatch(pairs, start, count);
        this.forward(count);
        const octets = Math.ceil(count / 8);
        // dlogit = one-hot(y) in the octet layout; padding samples 0.
        const seed = this.kernel.f32(head.logitGradient, 8 * octets * this.logitColumns);
        seed.fill(0);
        for (let i = 0; i < count; i++) seed[((i >> 3) * this.logitColumns + labels[start + i]) * 8 + (i & 7)] = 1;
        this.backwardPass(count, task);
        // The stream's gradient entering layer 0 = dh0: sample i's row i (position 0) and row 8·octets + i (position 1).
        const stream = this.kernel.f32(this.streamGradient, 2 * octets * width * 8);
        for (let i = 0; i < count; i++) {
          const out = (start + i) * 2 * width;
          for (let position = 0; position < 2; position++) {
            const row = position * 8 * octets + i;
            const base = (row >> 3) * width * 8 + (row & 7);
            const to = out + position * width;
            for (let c = 0; c < width; c++) into[to + c] = stream[base + 8 * c];
          }
        }
      }
    } finally {
      this.inputOnly = false;
      this.parameterView.set(saved);
    }
  }

  backward(batch: PairBatch, task?: number): number {
    this.checkAlive();
    if (task !== undefined) this.checkTask(task);
    if (batch.size < 1) throw new Error('cannot train on an empty batch');
    const started = this.profile ? performance.now() : 0;
    this.loadBatch(batch, 0, batch.size);
    this.packWeights();
    const packed = this.profile ? performance.now() : 0;
    this.forward(batch.size);
    const forwarded = this.profile ? performance.now() : 0;
    let loss = 0;
    for (let head = 0; head < this.heads.length; head++) {
      if (task === undefined || head === task) loss += this.headLoss(head, batch.size, true).loss / batch.size;
    }
    const lossDone = this.profile ? performance.now() : 0;
    this.backwardPass(batch.size, task);
    if (this.profile) {
      const finished = performance.now();
      this.profile.pack += packed - started;
      this.profile.forward += forwarded - packed;
      this.profile.loss += lossDone - forwarded;
      this.profile.backward += finished - lossDone;
      this.profile.steps += 1;
    }
    return loss;
  }

  clipGradient(maxNorm: number): number {
    this.checkAlive();
    const started = this.profile ? performance.now() : 0;
    const size = this.layout.size;
    let squares = 0;
    slices(0, size, VECTOR_CHUNK, (from, to) => {
      squares += this.k.squaredNorm(this.gradientAddress, from, to);
    });
    const norm = Math.sqrt(squares);
    const factor = maxNorm / (norm + CLIP_EPSILON);
    // torch multiplies by min(factor, 1); a factor of 1 changes nothing.
    if (factor < 1) slices(0, size, VECTOR_CHUNK, (from, to) => this.k.scaleValues(this.gradientAddress, from, to, factor));
    if (this.profile) this.profile.clip += performance.now() - started;
    return norm;
  }

  optimizerStep(): void {
    this.checkAlive();
    const started = this.profile ? performance.now() : 0;
    const { lr, betas, eps, weightDecay } = this.optimizer;
    const [beta1, beta2] = betas;
    this.stepCount += 1;
    const stepSize = lr / (1 - beta1 ** this.stepCount);
    const secondCorrectionRoot = Math.sqrt(1 - beta2 ** this.stepCount);
    const decoupledFactor = 1 - lr * weightDecay;
    slices(0, this.layout.size, VECTOR_CHUNK, (from, to) => {
      this.k.adamW(this.parameterAddress, this.gradientAddress, this.firstMomentAddress, this.secondMomentAddress, from, to,
        decoupledFactor, beta1, beta2, 1 - beta1, 1 - beta2, stepSize, secondCorrectionRoot, eps);
    });
    if (this.profile) this.profile.optimizer += performance.now() - started;
  }

  evaluate(pairs: PairBatch): TaskMetrics[] {
    this.checkAlive();
    if (pairs.size < 1) throw new Error('cannot evaluate an empty set of pairs');
    this.packWeights();
    const sums = this.heads.map(() => ({ loss: 0, correct: 0 }));
    for (let start = 0; start < pairs.size; start += this.maxBatch) {
      const count = Math.min(this.maxBatch, pairs.size - start);
      this.loadBatch(pairs, start, count);
      this.forward(count);
      for (let task = 0; task < this.heads.length; task++) {
        const { loss, correct } = this.headLoss(task, count, false);
        sums[task].loss += loss;
        sums[task].correct += correct;
      }
    }
    return sums.map(({ loss, correct }) => ({ loss: loss / pairs.size, accuracy: correct / pairs.size }));
  }

  dispose(): void {
    this.disposed = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('the wasm Transformer engine was disposed');
  }

  private checkTask(task: number): void {
    const { tasks } = this.layout.shape;
    if (!(Number.isInteger(task) && task >= 0 && task < tasks)) throw new Error(`no head ${task}: the model has ${tasks}`);
  }

  private address(slice: ParameterSlice): number {
    return this.parameterAddress + 4 * slice.offset;
  }

  private gradientAddressOf(slice: ParameterSlice): number {
    return this.gradientAddress + 4 * slice.offset;
  }

  /** Tokens and labels of pairs [start, start + count) into the kernel buffers; padding samples get token and label 0. */
  private loadBatch(batch: PairBatch, start: number, count: number): void {
    const { vocabulary, tasks } = this.layout.shape;
    if (count > this.maxBatch) throw new Error(`batch of ${count} pairs exceeds maxBatch ${this.maxBatch}`);
    if (batch.labels.length !== tasks) throw new Error(`batch has ${batch.labels.length} label arrays, the model ${tasks} tasks`);
    const check = (values: Int32Array, what: string): void => {
      if (values.length < start + count) throw new Error(`a batch array holds ${values.length} entries, fewer than ${start + count}`);
      for (let index = start; index < start + count; index++) {
        const value = values[index];
        if (!(value >= 0 && value < vocabulary)) throw new Error(`${what} ${value} at ${index} is not a residue below ${vocabulary}`);
      }
    };
    check(batch.a, 'token');
    check(batch.b, 'token');
    this.tokenViews.a.set(batch.a.subarray(start, start + count));
    this.tokenViews.a.fill(0, count);
    this.tokenViews.b.set(batch.b.subarray(start, start + count));
    this.tokenViews.b.fill(0, count);
    for (let task = 0; task < tasks; task++) {
      check(batch.labels[task], 'label');
      this.labelViews[task].set(batch.labels[task].subarray(start, start + count));
      this.labelViews[task].fill(0, count);
    }
  }

  /** The weight panels of every Linear layer from the current parameters, and the padded head biases. */
  private packWeights(): void {
    const { width, feedForward, vocabulary } = this.layout.shape;
    const k = this.k;
    const pack = (slice: ParameterSlice, rows: number, columns: number, forward: number, input: number): void => {
      const w = this.address(slice);
      slices(0, Math.ceil(rows / 4), 16, (from, to) => k.packForwardPanels(w, rows, columns, forward, from, to));
      slices(0, columns / 4, 16, (from, to) => k.packInputPanels(w, rows, columns, input, from, to));
    };
    this.named.layers.forEach((slices_, layer) => {
      const buffers = this.layers[layer];
      pack(slices_.inProjectionWeight, 3 * width, width, buffers.inForward, buffers.inInput);
      pack(slices_.outProjectionWeight, width, width, buffers.outForward, buffers.outInput);
      pack(slices_.firstLinearWeight, feedForward, width, buffers.firstForward, buffers.firstInput);
      pack(slices_.secondLinearWeight, width, feedForward, buffers.secondForward, buffers.secondInput);
    });
    this.named.heads.forEach((head, task) => {
      const buffers = this.heads[task];
      pack(head.weight, vocabulary, width, buffers.forward, buffers.input);
      this.kernel.f32(buffers.bias, vocabulary).set(this.parameterView.subarray(head.bias.offset, head.bias.offset + vocabulary));
    });
  }

  /**
   * The forward pass of the loaded batch up to the logits of every head (the last layer with the
   * shortcut of the file comment). `count` samples in ⌈count/8⌉ sample octets: position 0 in row
   * octets [0, octets), position 1 in [octets, 2·octets) (the kernels' positionOctets is the
   * batch's own, so the rows in use are contiguous); padding samples are computed too (token 0).
   */
  private forward(count: number): void {
    const { width, heads, feedForward } = this.layout.shape;
    const k = this.k;
    const octets = Math.ceil(count / 8);
    const lastLayer = this.layers.length - 1;
    const positionZero = (run: (from: number, to: number) => void): void => slices(0, octets, OCTET_CHUNK, run);
    const bothPositions = (run: (from: number, to: number) => void): void => slices(0, 2 * octets, OCTET_CHUNK, run);
    const tokenEmbedding = this.address(this.named.tokenEmbedding);
    bothPositions((from, to) => k.gatherRows(this.tokensA, this.tokensB, count, octets, tokenEmbedding, tokenEmbedding,
      this.address(this.named.positionEmbedding), width, this.layers[0].input, from, to));
    const byToken = this.byToken(octets);
    this.layers.forEach((buffers, layer) => {
      const slicesOf = this.named.layers[layer];
      const last = layer === lastLayer;
      const output = last ? this.finalStream : this.layers[layer + 1].input;
      // Rows after the attention: both positions, or position 0 only in the last layer.
      const afterAttention = last ? positionZero : bothPositions;
      const inBias = this.address(slicesOf.inProjectionBias);
      const normalise = (): void => bothPositions((from, to) => k.layerNormForward(buffers.input, width,
        this.address(slicesOf.attentionNormScale), this.address(slicesOf.attentionNormShift), LAYER_NORM_EPS, buffers.norm1, buffers.stats1, from, to));
      if (layer === 0 && byToken) {
        this.firstLayerQkvByToken(count, octets);
      } else if (last) {
        normalise();
        // Q of position 0 only; K and V of both positions.
        positionZero((from, to) => k.linearForward(buffers.norm1, width, width, buffers.inForward, 0, width / 4,
          buffers.qkv, 3 * width, from, to, inBias, 0));
        bothPositions((from, to) => k.linearForward(buffers.norm1, width, width, buffers.inForward, width / 4, (3 * width) / 4,
          buffers.qkv, 3 * width, from, to, inBias, 0));
      } else {
        normalise();
        bothPositions((from, to) => k.linearForward(buffers.norm1, width, width, buffers.inForward, 0, (3 * width) / 4,
          buffers.qkv, 3 * width, from, to, inBias, 0));
      }
      positionZero((from, to) => k.attentionForward(buffers.qkv, width, heads, octets, buffers.probabilities, buffers.attention,
        from, to, last ? 0 : 1));
      afterAttention((from, to) => k.linearForward(buffers.attention, width, width, buffers.outForward, 0, width / 4,
        buffers.middle, width, from, to, this.address(slicesOf.outProjectionBias), buffers.input));
      afterAttention((from, to) => k.layerNormForward(buffers.middle, width, this.address(slicesOf.feedForwardNormScale),
        this.address(slicesOf.feedForwardNormShift), LAYER_NORM_EPS, buffers.norm2, buffers.stats2, from, to));
      afterAttention((from, to) => k.linearForwardGelu(buffers.norm2, width, width, buffers.firstForward, 0, feedForward / 4,
        buffers.activation, feedForward, from, to, this.address(slicesOf.firstLinearBias), buffers.derivative));
      afterAttention((from, to) => k.linearForward(buffers.activation, feedForward, feedForward, buffers.secondForward, 0, width / 4,
        output, width, from, to, this.address(slicesOf.secondLinearBias), buffers.middle));
    });
    positionZero((from, to) => k.layerNormForward(this.finalStream, width, this.address(this.named.finalNormScale),
      this.address(this.named.finalNormShift), LAYER_NORM_EPS, this.finalNorm, this.finalStats, from, to));
    for (const head of this.heads) {
      positionZero((from, to) => k.linearForward(this.finalNorm, width, width, head.forward, 0, this.headPanels,
        head.logits, this.logitColumns, from, to, head.bias, 0));
    }
  }

  /** Cross-entropy sum and correct count of one head over `count` samples; with `gradient`, dL/dlogits of the mean loss. */
  private headLoss(task: number, count: number, gradient: boolean): { loss: number; correct: number } {
    const head = this.heads[task];
    const { vocabulary } = this.layout.shape;
    this.correctView[0] = 0;
    let loss = 0;
    slices(0, Math.ceil(count / 8), OCTET_CHUNK, (from, to) => {
      loss += this.k.crossEntropy(head.logits, this.logitColumns, vocabulary, head.labels, count, 1 / count,
        gradient ? head.logitGradient : 0, this.correctAddress, this.lossScratch, from, to);
    });
    return { loss, correct: this.correctView[0] };
  }

  /**
   * dW = dYᵀX and db = Σ dY of one Linear layer into the gradient: dY (octet layout, `outputs`
   * columns) over rows [0, 8·octets), X (`inputs` columns) over the same rows; outputs
   * [outputStart, outputEnd) only (multiples of 8). dY's transposed octets and X's row panels go to
   * the shared scratch buffers.
   */
  private linearGradient(dy: number, outputs: number, x: number, inputs: number, octets: number, weight: ParameterSlice, bias: ParameterSlice,
    parts: { outputStart: number; outputEnd: number; octets: number }[], rowLimit = outputs): void {
    if (this.inputOnly) return;
    const k = this.k;
    const rows = this.rows;
    slices(0, octets, OCTET_CHUNK, (from, to) => {
      k.transposeOctets(dy, outputs, this.transposed, rows, from, to);
      k.packRowPanels(x, inputs, this.rowPanels, rows, from, to);
    });
    const dw = this.gradientAddressOf(weight);
    const db = this.gradientAddressOf(bias);
    for (const part of parts) {
      const steps = 8 * part.octets;
      slices(part.outputStart / 8, Math.ceil(part.outputEnd / 8), GRADIENT_CHUNK, (from, to) => {
        k.weightGradient(this.transposed, rows, this.rowPanels, rows, 0, steps, dw, inputs, rowLimit, from, to, 0, inputs / 4);
      });
      k.rowSums(this.transposed, rows, 0, steps, db, rowLimit, part.outputStart / 8, Math.ceil(part.outputEnd / 8));
    }
  }

  /** LayerNorm backward over row octets [0, octets), then dγ and dβ stored into the gradient. */
  private layerNormGradient(x: number, stats: number, scale: ParameterSlice, shift: ParameterSlice, dy: number, dr: number, dx: number,
    octets: number): void {
    const { width } = this.layout.shape;
    this.kernel.f32(this.partials, 2 * width * 8).fill(0);
    slices(0, octets, OCTET_CHUNK, (from, to) => this.k.layerNormBackward(x, width, this.address(scale), stats, dy, dr, dx, this.partials, from, to));
    if (this.inputOnly) return;
    this.k.reducePartials(this.partials, width, this.gradientAddressOf(scale), 0);
    this.k.reducePartials(this.partials + width * OCTET_BYTES, width, this.gradientAddressOf(shift), 0);
  }

  /**
   * The backward pass of the last forward(count) from the heads' logit gradients to every
   * parameter's gradient (stored, not accumulated). Rows as in forward(). With `only`, head `only`'s
   * logit gradient alone (the other heads' weight gradients are stored as 0). With inputOnly, down
   * to streamGradient = dL/d(layer 0's input) per row, and no gradient is written.
   */
  private backwardPass(count: number, only?: number): void {
    const { width, heads, feedForward, vocabulary } = this.layout.shape;
    const k = this.k;
    const octets = Math.ceil(count / 8);
    const lastLayer = this.layers.length - 1;
    const stream = this.streamGradient;
    const byToken = this.byToken(octets);

    // Heads: dW, db, and dL/d(final norm) summed over the heads (head `only` alone with `only`).
    let accumulate = 0;
    this.heads.forEach((head, task) => {
      const slicesOf = this.named.heads[task];
      if (only !== undefined && task !== only) {
        if (!this.inputOnly) {
          this.gradientView.fill(0, slicesOf.weight.offset, slicesOf.weight.offset + slicesOf.weight.length);
          this.gradientView.fill(0, slicesOf.bias.offset, slicesOf.bias.offset + slicesOf.bias.length);
        }
        return;
      }
      this.linearGradient(head.logitGradient, this.logitColumns, this.finalNorm, width, octets, slicesOf.weight, slicesOf.bias,
        [{ outputStart: 0, outputEnd: this.logitColumns, octets }], vocabulary);
      slices(0, octets, OCTET_CHUNK, (from, to) => k.linearInputGradient(head.logitGradient, this.logitColumns, 0, vocabulary, head.input, vocabulary,
        0, width / 4, this.finalNormGradient, width, from, to, 0, accumulate));
      accumulate = 1;
    });
    this.layerNormGradient(this.finalStream, this.finalStats, this.named.finalNormScale, this.named.finalNormShift,
      this.finalNormGradient, 0, stream, octets);
    // Position 1 of the last layer's output receives no gradient.
    this.kernel.f32(stream + octets * width * OCTET_BYTES, octets * width * 8).fill(0);

    for (let layer = lastLayer; layer >= 0; layer--) {
      const buffers = this.layers[layer];
      const slicesOf = this.named.layers[layer];
      const last = layer === lastLayer;
      // Row octets after the attention: position 0 only in the last layer, else both positions.
      const after = last ? octets : 2 * octets;

      // Feed-forward block: x_out = x_mid + W2·gelu(W1·LN2(x_mid) + b1) + b2.
      this.linearGradient(stream, width, buffers.activation, feedForward, after, slicesOf.secondLinearWeight, slicesOf.secondLinearBias,
        [{ outputStart: 0, outputEnd: width, octets: after }]);
      slices(0, after, OCTET_CHUNK, (from, to) => k.linearInputGradient(stream, width, 0, width, buffers.secondInput, width,
        0, feedForward / 4, this.hiddenGradient, feedForward, from, to, buffers.derivative, 0));
      this.linearGradient(this.hiddenGradient, feedForward, buffers.norm2, width, after, slicesOf.firstLinearWeight, slicesOf.firstLinearBias,
        [{ outputStart: 0, outputEnd: feedForward, octets: after }]);
      slices(0, after, OCTET_CHUNK, (from, to) => k.linearInputGradient(this.hiddenGradient, feedForward, 0, feedForward, buffers.firstInput,
        feedForward, 0, width / 4, this.normGradient, width, from, to, 0, 0));
      this.layerNormGradient(buffers.middle, buffers.stats2, slicesOf.feedForwardNormScale, slicesOf.feedForwardNormShift,
        this.normGradient, stream, stream, after);

      // Attention block: x_mid = x_in + out_proj(attention(in_proj(LN1(x_in)))).
      this.linearGradient(stream, width, buffers.attention, width, after, slicesOf.outProjectionWeight, slicesOf.outProjectionBias,
        [{ outputStart: 0, outputEnd: width, octets: after }]);
      slices(0, after, OCTET_CHUNK, (from, to) => k.linearInputGradient(stream, width, 0, width, buffers.outInput, width,
        0, width / 4, this.attentionGradient, width, from, to, 0, 0));
      slices(0, octets, OCTET_CHUNK, (from, to) => k.attentionBackward(buffers.qkv, width, heads, octets, buffers.probabilities,
        this.attentionGradient, this.qkvGradient, from, to, last ? 0 : 1));
      if (layer === 0 && byToken) {
        this.firstLayerBackwardByToken(count, octets);
        continue;
      }
      // in_proj: in the last layer the Q rows get position 0 only (steps [0, 8·octets)); K and V both positions.
      this.linearGradient(this.qkvGradient, 3 * width, buffers.norm1, width, 2 * octets, slicesOf.inProjectionWeight, slicesOf.inProjectionBias,
        last
          ? [{ outputStart: 0, outputEnd: width, octets }, { outputStart: width, outputEnd: 3 * width, octets: 2 * octets }]
          : [{ outputStart: 0, outputEnd: 3 * width, octets: 2 * octets }]);
      if (last) {
        // Position 0 through Q, K and V; position 1 through K and V only (steps [width, 3·width)).
        slices(0, octets, OCTET_CHUNK, (from, to) => k.linearInputGradient(this.qkvGradient, 3 * width, 0, 3 * width, buffers.inInput, 3 * width,
          0, width / 4, this.normGradient, width, from, to, 0, 0));
        slices(octets, 2 * octets, OCTET_CHUNK, (from, to) => k.linearInputGradient(this.qkvGradient, 3 * width, width, 2 * width, buffers.inInput,
          3 * width, 0, width / 4, this.normGradient, width, from, to, 0, 0));
      } else {
        slices(0, 2 * octets, OCTET_CHUNK, (from, to) => k.linearInputGradient(this.qkvGradient, 3 * width, 0, 3 * width, buffers.inInput, 3 * width,
          0, width / 4, this.normGradient, width, from, to, 0, 0));
      }
      this.layerNormGradient(buffers.input, buffers.stats1, slicesOf.attentionNormScale, slicesOf.attentionNormShift,
        this.normGradient, stream, stream, 2 * octets);
    }

    if (this.inputOnly) return;
    // Embeddings: the stream's gradient (with the first layer's LN1 path, or without it when that
    // went through the per-token rows, which firstLayerBackwardByToken has added already) scattered
    // into the token rows, its column sums into the two position rows.
    if (!byToken) this.clearEmbeddingGradient();
    const token = this.gradientAddressOf(this.named.tokenEmbedding);
    slices(0, 2 * octets, OCTET_CHUNK, (from, to) => k.scatterAddRows(stream, width, this.tokensA, this.tokensB, count, octets,
      token, token, this.positionPartials, this.rowScratch, from, to));
    const positionGradient = this.gradientAddressOf(this.named.positionEmbedding);
    k.reducePartials(this.positionPartials, width, positionGradient, 0);
    k.reducePartials(this.positionPartials + width * OCTET_BYTES, width, positionGradient + 4 * width, 0);
  }

  /** Whether the first layer runs per (token, position) for a batch of `octets` sample octets: when that is fewer rows. */
  private byToken(octets: number): boolean {
    return this.firstLayerByToken && !this.inputOnly && this.tokenOctets < octets;
  }

  private clearEmbeddingGradient(): void {
    const token = this.named.tokenEmbedding;
    this.gradientView.fill(0, token.offset, token.offset + token.length);
    this.kernel.f32(this.positionPartials, 2 * this.layout.shape.width * 8).fill(0);
  }

  /**
   * The first layer's qkv per row from its per-token rows: LN1 and in_proj of tok_emb[t] +
   * pos_emb[p] for the 2·8·tokenOctets (token, position) rows, then gathered into every row of the
   * batch. The same float32 operations per row as the per-row path, so the same values.
   */
  private firstLayerQkvByToken(count: number, octets: number): void {
    const { width, vocabulary } = this.layout.shape;
    const k = this.k;
    const rows = this.tokenRows;
    const slicesOf = this.named.layers[0];
    const tokenOctets = this.tokenOctets;
    const tokenEmbedding = this.address(this.named.tokenEmbedding);
    const secondTable = rows.table + 8 * tokenOctets * 3 * width * 4;
    const perToken = (run: (from: number, to: number) => void): void => slices(0, 2 * tokenOctets, OCTET_CHUNK, run);
    perToken((from, to) => k.gatherRows(rows.indices, rows.indices, vocabulary, tokenOctets, tokenEmbedding, tokenEmbedding,
      this.address(this.named.positionEmbedding), width, rows.input, from, to));
    perToken((from, to) => k.layerNormForward(rows.input, width, this.address(slicesOf.attentionNormScale),
      this.address(slicesOf.attentionNormShift), LAYER_NORM_EPS, rows.norm, rows.stats, from, to));
    perToken((from, to) => k.linearForward(rows.norm, width, width, this.layers[0].inForward, 0, (3 * width) / 4,
      rows.qkv, 3 * width, from, to, this.address(slicesOf.inProjectionBias), 0));
    // Octet layout → row-major table (an exact copy: added to zeros), then gathered per row.
    this.kernel.f32(rows.table, 16 * tokenOctets * 3 * width).fill(0);
    perToken((from, to) => k.scatterAddRows(rows.qkv, 3 * width, rows.indices, rows.indices, vocabulary, tokenOctets,
      rows.table, secondTable, 0, this.rowScratch, from, to));
    slices(0, 2 * octets, OCTET_CHUNK, (from, to) => k.gatherRows(this.tokensA, this.tokensB, count, octets, rows.table, secondTable, 0,
      3 * width, this.layers[0].qkv, from, to));
  }

  /**
   * The first layer's in_proj and LN1 backward through its per-token rows: dQKV of every row summed
   * per (token, position), dW = Σ dQKVᵀ·LN1 and the bias over those rows, then dLN1 and LN1's
   * backward per token, whose input gradient goes to tok_emb and pos_emb (the rest of the
   * embedding gradient, the residual path, follows in backwardPass). Mathematically the per-row
   * sums regrouped.
   */
  private firstLayerBackwardByToken(count: number, octets: number): void {
    const { width, vocabulary } = this.layout.shape;
    const k = this.k;
    const rows = this.tokenRows;
    const slicesOf = this.named.layers[0];
    const tokenOctets = this.tokenOctets;
    const secondTable = rows.table + 8 * tokenOctets * 3 * width * 4;
    const perToken = (run: (from: number, to: number) => void): void => slices(0, 2 * tokenOctets, OCTET_CHUNK, run);
    this.kernel.f32(rows.table, 16 * tokenOctets * 3 * width).fill(0);
    slices(0, 2 * octets, OCTET_CHUNK, (from, to) => k.scatterAddRows(this.qkvGradient, 3 * width, this.tokensA, this.tokensB, count, octets,
      rows.table, secondTable, 0, this.rowScratch, from, to));
    perToken((from, to) => k.gatherRows(rows.indices, rows.indices, vocabulary, tokenOctets, rows.table, secondTable, 0, 3 * width, rows.qkvGradient, from, to));
    this.linearGradient(rows.qkvGradient, 3 * width, rows.norm, width, 2 * tokenOctets, slicesOf.inProjectionWeight, slicesOf.inProjectionBias,
      [{ outputStart: 0, outputEnd: 3 * width, octets: 2 * tokenOctets }]);
    perToken((from, to) => k.linearInputGradient(rows.qkvGradient, 3 * width, 0, 3 * width, this.layers[0].inInput, 3 * width,
      0, width / 4, this.normGradient, width, from, to, 0, 0));
    this.layerNormGradient(rows.input, rows.stats, slicesOf.attentionNormScale, slicesOf.attentionNormShift,
      this.normGradient, 0, rows.inputGradient, 2 * tokenOctets);
    this.clearEmbeddingGradient();
    const token = this.gradientAddressOf(this.named.tokenEmbedding);
    perToken((from, to) => k.scatterAddRows(rows.inputGradient, width, rows.indices, rows.indices, vocabulary, tokenOctets,
      token, token, this.positionPartials, this.rowScratch, from, to));
  }
}
