/**
 * The typed experiment configuration: what a `*.grok.yaml` experiment resolves to, per condition.
 * Every default comes from docs/science.md (the specification of the numbers); the value the code uses
 * is written once, in ./schema.ts (the comments here name some of them for the reader); each field
 * says its unit and convention. The parser (./parse.ts) turns YAML into these types; nothing else builds them
 * from untrusted input.
 */

/**
 * Operation of the task (docs/science.md §1, §12): the label is (a ∘ b) mod p. `add` is the papers'
 * task; `squares` is a² + b², `squaresAndProduct` a² + ab + b², `cubeAndProduct` a³ + ab (the
 * Transformer papers' operations, docs/science.md §12.2).
 */
export type Operation = 'add' | 'subtract' | 'multiply' | 'squares' | 'squaresAndProduct' | 'cubeAndProduct';
/** Model family: Tian's two-layer MLP (default) or the papers' small Transformer (docs/science.md §12). */
export type ModelKind = 'mlp' | 'transformer';
/** Hidden activation σ (docs/science.md §2). `square` is σ(z) = z², the papers' default. */
export type Activation = 'square' | 'relu' | 'silu';
/** Loss (docs/science.md §3). `mse` is the class-centred MSE of Tian's and Xu's code. */
export type LossName = 'mse' | 'crossEntropy';
/** Optimiser (docs/science.md §4). `adam` adds the weight decay to the gradient (coupled L2), as torch.optim.Adam. */
export type OptimizerName = 'adam' | 'adamw' | 'sgd';
/** Compute engine: `wasm` (default, WebAssembly SIMD kernels) or `tfjs` (TensorFlow.js, autodiff). */
export type EngineName = 'wasm' | 'tfjs';

export interface TaskConfig {
  /** Operation giving the label y = (a ∘ b) mod modulus. */
  operation: Operation;
  /** Modulus M: inputs a, b ∈ {0…M−1}, M classes. Default 71. */
  modulus: number;
  /** Number of training pairs n_train (the rest of the M² pairs are the test set). Default 2016. */
  trainSize: number;
}

export interface ModelConfig {
  kind: 'mlp';
  /** Hidden width K. Default 2048. */
  hidden: number;
  /** Hidden activation σ. Default `square`. */
  activation: Activation;
}

export interface OptimizerConfig {
  name: OptimizerName;
  /** Learning rate. Default 1e-3. */
  lr: number;
  /** The papers' η: coupled L2 for `adam` and `sgd`, decoupled decay for `adamw`. Default 2e-4. */
  weightDecay: number;
  /** Adam's (β₁, β₂). Default (0.9, 0.999). */
  betas: [number, number];
  /** Adam's ε. Default 1e-8. */
  eps: number;
  /** SGD momentum (dampening 0, torch semantics). Default 0.9. */
  momentum: number;
}

export interface DetectorConfig {
  /** Lag L of the slope s(t) = [ln g(t) − ln g(t−L)] / L, in epochs. Default 25. */
  lag: number;
  /** The detector fires when s(t) exceeds this, per epoch. Default 0.04. */
  threshold: number;
  /** No firing before this epoch. Default 100. */
  warmup: number;
}

export interface EigengapConfig {
  /** Number w of most recent updates ΔW in the rolling window. Default 20. */
  window: number;
  detector: DetectorConfig;
  /** Late-stage gap: median of g(t) over these epochs [from, to] (clipped to the run). Default [200, 400]. */
  lateStage: [number, number];
}

export interface RepulsionConfig {
  /** Epochs at which the Theorem-6 check runs (docs/science.md §6). Default 50, 100, 175, 250, 300 (those ≤ epochs). */
  checkpoints: number[];
  /** Number of (j < l) pairs with the largest |cos| that are examined. Default 200. */
  pairs: number;
}

export interface SpectralEdgeConfig {
  /** Whether the spectral-edge fields (docs/science.md §7) are computed. Default true. */
  enabled: boolean;
  /** Window of updates for these quantities. Default 10. */
  window: number;
}

export interface Li2Config {
  /** Whether the Li₂ stage metrics (docs/science.md §9) are computed. Default true. */
  enabled: boolean;
  /** Epochs at which the per-unit Fourier analysis and energies are computed. Default: the repulsion checkpoints and the last epoch. */
  checkpoints: number[];
}

/**
 * The gradient-direction diagnostic of docs/science.md §8 (update-SED vs gradient-SED, R_k): an
 * adaptation of arXiv 2604.25143 (Transformers) to this MLP. Opt-in: one evaluation costs seconds
 * at the defaults, so it runs every `every` epochs.
 */
export interface GradientSedConfig {
  /** Whether it is computed. Default false. */
  enabled: boolean;
  /** Number w of most recent full-batch loss gradients ∇_W L (and updates ΔW) in the rolling windows. Default 20. */
  window: number;
  /** Number k of leading right singular vectors of each window whose sensitivity A(v_k) is measured; less than window. Default 3. */
  vectors: number;
  /** Number of random unit directions r_j whose median A(r_j) is the baseline of R_k. Default 20. */
  directions: number;
  /** Number of probe pairs (a, b), drawn once per seed from all modulus² pairs. Default 1024. */
  probes: number;
  /** ε = epsilonScale · ‖W‖_F, the step of the central difference along a unit direction. Default 0.005. */
  epsilonScale: number;
  /** Computed at the rows t that are multiples of this (t > 0). Default 10. */
  every: number;
}

/**
 * The Transformer's update-SED and gradient-SED (docs/science.md §12.6): the MLP's keys, with `every`
 * in steps, and its own checkpoints and window direction.
 */
export interface TransformerGradientSedConfig extends GradientSedConfig {
  /** Steps between SED checkpoints: each adds the attention gradient on the fixed batch and the attention update since the last checkpoint to the windows. Default 25. */
  checkpointEvery: number;
  /**
   * `past` (default): the windows of step t end at t (the last `window` checkpoints); `forward`: they
   * start at t (the reference's [t, t + window) checkpoints), so step t's values are computed and
   * recorded window · checkpointEvery steps later, on a later row, with `gradientSedStep: t`.
   */
  windowDirection: 'past' | 'forward';
}

export interface DiagnosticsConfig {
  eigengap: EigengapConfig;
  repulsion: RepulsionConfig;
  spectralEdge: SpectralEdgeConfig;
  li2: Li2Config;
  /**
   * docs/science.md §8. The run.json of runs recorded before it existed lacks it; readers fill it in
   * with its defaults, disabled (src/shared/runFormatUpgrade.ts).
   */
  gradientSed: GradientSedConfig;
}

export interface EngineConfig {
  name: EngineName;
  /** Threads of the wasm engine: 1 (default) or 2. */
  threads: 1 | 2;
}

/** The fully resolved configuration of one MLP condition: what one worker trains, for each seed. */
export interface MlpRunConfig {
  task: TaskConfig;
  model: ModelConfig;
  loss: LossName;
  optimizer: OptimizerConfig;
  /** Number of optimiser steps E; records are rows 0…E (docs/science.md §4). Default 400 for square, 800 otherwise. */
  epochs: number;
  diagnostics: DiagnosticsConfig;
  engine: EngineConfig;
}

/** The Transformer's sizes (docs/science.md §12; the reference's defaults). */
export interface TransformerModelConfig {
  kind: 'transformer';
  /** d_model. Default 128. */
  width: number;
  /** Attention heads; width is a multiple of heads. Default 4. */
  heads: number;
  /** d_ff. Default 256. */
  feedForward: number;
  /** Encoder layers. Default 2. */
  layers: number;
}

export interface TransformerTaskConfig {
  /** One operation per output head; one for a single task (docs/science.md §12.2). Default [add]. */
  operations: Operation[];
  /** p: operands and classes. Default 97. */
  modulus: number;
  /** Training pairs; the rest of the task's pairs are the test set. Default ⌊pairs / 2⌋ (the reference's 50/50 split). */
  trainSize: number;
}

/**
 * The rank-k gradient-projection intervention (docs/science.md §12.5, arXiv 2604.25143): `none`
 * (default); remove or keep the part of the attention-weight gradient in the span of the top `rank`
 * right singular vectors of the last `window` projected gradients (`removeSed`, `keepSed`), or of a
 * fresh random orthonormal rank-`rank` subspace every step (`removeRandom`, `keepRandom`).
 */
export type InterventionMode = 'none' | 'removeSed' | 'keepSed' | 'removeRandom' | 'keepRandom';

export interface InterventionConfig {
  mode: InterventionMode;
  /** Projected gradients in the SED window, and the steps of the warm-up before any projection. Default 20. */
  window: number;
  /** Dimension of the projected subspace; less than window. Default 3. */
  rank: number;
}

/** Minibatch training by steps (docs/science.md §12.3). */
export interface TrainingConfig {
  /** Pairs per step, drawn with replacement from the training set. Default 512. */
  batchSize: number;
  /** Full train/test evaluation (a record) every this many steps, and at step 0. Default 100. */
  evalEvery: number;
  /** Global gradient-norm clip (torch's clip_grad_norm_). Default 1.0. */
  gradientClip: number;
  earlyStop: {
    /** Whether to stop once every test accuracy is ≥ accuracy on `evaluations` consecutive evaluations. Default true. */
    enabled: boolean;
    /** Default 0.98. */
    accuracy: number;
    /** Default 3. */
    evaluations: number;
  };
  /** The gradient-projection intervention (docs/science.md §12.5). Default mode none. */
  intervention: InterventionConfig;
}

/** Diagnostics of the Transformer: the rolling Gram of §5/§7 on a parameter group (docs/science.md §12.4). */
export interface TransformerDiagnosticsConfig {
  eigengap: EigengapConfig;
  spectralEdge: SpectralEdgeConfig;
  /** Steps between parameter snapshots; an update is the difference of consecutive snapshots. A multiple of training.evalEvery. Default 100. */
  snapshotEvery: number;
  /** The parameter group whose updates are windowed: attention (default), weights, queries, layer0, layer1, … */
  parameterGroup: string;
  /** Update-SED and gradient-SED on the attention weights (docs/science.md §12.6). Off by default. */
  gradientSed: TransformerGradientSedConfig;
}

/** The fully resolved configuration of one Transformer condition. */
export interface TransformerRunConfig {
  task: TransformerTaskConfig;
  model: TransformerModelConfig;
  loss: 'crossEntropy';
  optimizer: OptimizerConfig;
  /** Training steps (the records' key is `step`). Default 10 000. */
  steps: number;
  training: TrainingConfig;
  diagnostics: TransformerDiagnosticsConfig;
  engine: EngineConfig;
}

/** The fully resolved configuration of one condition, of either model family (told apart by model.kind). */
export type RunConfig = MlpRunConfig | TransformerRunConfig;

/** A value a grid gives one key: what that key's schema allows (a number, an enum's string, a boolean). */
export type GridValue = number | string | boolean;

/** One axis of an experiment's grid: a key and the values it takes. */
export interface GridAxis {
  /** Dotted path of the key in the experiment's configuration, e.g. `optimizer.weightDecay`. */
  path: string;
  /**
   * The axis's name in condition names: the shortest ending of the path that no other axis of the
   * grid shares (`weightDecay`; `eigengap.window` next to `spectralEdge.window`).
   */
  label: string;
  /** The values, as written (order kept, no duplicates). */
  values: GridValue[];
}

/** One condition of an experiment: a name and its resolved configuration. */
export interface ResolvedCondition {
  /**
   * Folder-safe name ([A-Za-z0-9][A-Za-z0-9._-]*); `default` when the experiment has neither
   * conditions nor a grid. A grid point is named by its values (`weightDecay-1e-5_window-5`),
   * after its condition's name when the experiment has both (`grok_window-5`).
   */
  name: string;
  config: RunConfig;
  /** Hash (sha256, hex) of the canonical JSON of `config`. */
  configHash: string;
  /** For a grid point: the value of each grid key, by dotted path, in the grid's order. */
  gridPoint?: Record<string, GridValue>;
  /** For a grid point of an experiment that also has named conditions: that condition's name. */
  baseCondition?: string;
}

/** One experiment of a file, with its conditions and seeds expanded. */
export interface ResolvedExperiment {
  name: string;
  description?: string;
  /** Path of the file it came from, and the 1-based line and column of its key. */
  source: { file: string; line: number; column: number };
  seeds: number[];
  /** Every condition to run: the named conditions, or each of them × each grid point. */
  conditions: ResolvedCondition[];
  /** The grid's axes in file order, when the experiment has a grid. */
  grid?: GridAxis[];
}

/** Where a problem is in a file: 1-based line and column. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** A user error in an experiment file, with its position and a plain sentence. */
export interface ConfigProblem {
  file: string;
  position: SourcePosition;
  /** Last line and column of the offending text, for editors. */
  end?: SourcePosition;
  message: string;
}
