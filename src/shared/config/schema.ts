/**
 * The one description of the `*.grok.yaml` format. The validator (./parse.ts) walks it to check a
 * file and the JSON Schema (./jsonSchema.ts) is emitted from it, so the editor's completion, the
 * Problems panel and the CLI agree on every key, type, bound, enum and default.
 *
 * What a JSON Schema cannot say (a training set smaller than modulus², checkpoints within the run,
 * folder-safe names beyond a pattern) is checked by the parser and stated in the descriptions here.
 *
 * Every key's default is written here, once, with the section of docs/science.md it comes from:
 * the parser fills the defaults in by walking this description (./defaults.ts, withDefaults), and so
 * do the readers of older run folders (src/shared/runFormatUpgrade.ts). The three defaults that depend
 * on other values are marked `computedDefault` and computed by ./defaults.ts. Adding a key therefore
 * touches this file and its field in ./types.ts (propertiesOf checks at compile time that the two
 * agree, including the type of the default).
 */
import type { GridValue, InterventionConfig, LossName, MlpRunConfig, ModelKind, Operation, TrainingConfig, TransformerGradientSedConfig } from './types';

interface SchemaBase {
  /** One or two sentences shown on hover in the editor; units and conventions included. */
  description: string;
  /**
   * The default depends on other keys (the number of epochs on the activation, the checkpoints on the
   * epochs): ./defaults.ts computes it. A `default` given as well is what the editor shows.
   */
  computedDefault?: true;
  /**
   * The key applies to these model kinds only (docs/science.md §12): the parser refuses it in a
   * condition of another kind, and the defaults leave it out of that kind's configuration.
   */
  models?: readonly ModelKind[];
  /** The default for a Transformer condition where it differs from `default` (the MLP's). */
  transformerDefault?: number | string | boolean | readonly (number | string)[];
  /** A Transformer's default depends on other keys (./defaults.ts computes it). */
  transformerComputedDefault?: true;
}

export interface IntegerSchema extends SchemaBase {
  kind: 'integer';
  minimum: number;
  maximum?: number;
  /** The maximum is a safety bound (so that a typo cannot exhaust memory), not a law of the maths. */
  maximumIsLimit?: boolean;
  default?: number;
}

export interface NumberSchema extends SchemaBase {
  kind: 'number';
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  default?: number;
}

export interface EnumSchema extends SchemaBase {
  kind: 'enum';
  values: readonly (string | number)[];
  default?: string | number;
}

export interface BooleanSchema extends SchemaBase {
  kind: 'boolean';
  default?: boolean;
}

export interface StringSchema extends SchemaBase {
  kind: 'string';
  /** Safety bound on the length in characters (UTF-16 code units, as JavaScript counts them). */
  maxLength: number;
}

/** A fixed-length list, e.g. Adam's betas or a [from, to] range. */
export interface TupleSchema extends SchemaBase {
  kind: 'tuple';
  items: readonly (IntegerSchema | NumberSchema)[];
  /** Entries must not decrease (a [from, to] range). */
  nonDecreasing?: boolean;
  default?: readonly number[];
}

/** A list of integers of any length, e.g. checkpoints or seeds. */
export interface ListSchema extends SchemaBase {
  kind: 'list';
  items: IntegerSchema | EnumSchema;
  /** No value may appear twice. */
  unique: boolean;
  minItems?: number;
  maxItems?: number;
  /** The maxItems is a safety bound. */
  maxItemsIsLimit?: boolean;
  default?: readonly (number | string)[];
}

/** One of several shapes, told apart by the YAML node: a scalar, a list or a mapping. */
export interface OneOfSchema extends SchemaBase {
  kind: 'oneOf';
  options: readonly SchemaNode[];
  default?: number;
}

/** A mapping with fixed keys, every one optional (each has a default). */
export interface ObjectSchema extends SchemaBase {
  kind: 'object';
  properties: { readonly [key: string]: SchemaNode };
  /** Keys that must be present. */
  required?: readonly string[];
  /** Pairs of keys that may not both be given; in a condition, giving one replaces the other. */
  exclusive?: readonly (readonly [string, string])[];
  /** An empty value (`grok:`) means an empty mapping. */
  nullMeansEmpty?: boolean;
  /** Emitted once under this name in the JSON Schema's `definitions` and referenced. */
  definition?: string;
}

/** What a name of an experiment or a condition may be: it becomes a folder name. */
export interface NameRule {
  /** ECMAScript regular expression the whole name must match. */
  pattern: string;
  maxLength: number;
  /** Names that Windows reserves for devices, with or without an extension, in any letter case. */
  reservedDeviceNames: readonly string[];
  /** Endings a name may not have, in any letter case, because files beside its folder end so. */
  reservedEndings: readonly string[];
}

/** A mapping from user-chosen names to values of one schema (experiments, conditions). */
export interface MapSchema extends SchemaBase {
  kind: 'map';
  /** What one entry is called in messages: `experiment`, `condition`. */
  entryNoun: string;
  names: NameRule;
  values: ObjectSchema;
  /** Safety bound on the number of entries. */
  maxEntries: number;
  nullMeansEmpty?: boolean;
}

/**
 * A grid: dotted paths to single values of the experiment (`optimizer.weightDecay`), each with the
 * list of values to try. The experiment runs every combination (the cartesian product), each as one
 * condition named by its values; with named conditions too, every condition × every grid point.
 */
export interface GridSchema extends SchemaBase {
  kind: 'grid';
  /** The configuration the paths lead into: the keys a condition may override. */
  target: ObjectSchema;
  /** Safety bound on the values of one key. */
  maxValues: number;
  /** Safety bound on the conditions it expands to (named conditions × grid points). */
  maxConditions: number;
  nullMeansEmpty?: boolean;
}

export type SchemaNode =
  | GridSchema
  | IntegerSchema
  | NumberSchema
  | EnumSchema
  | BooleanSchema
  | StringSchema
  | TupleSchema
  | ListSchema
  | OneOfSchema
  | ObjectSchema
  | MapSchema;

/**
 * The task as written in a file: `trainSize` or `trainFraction` (converted to a size by the parser);
 * `operation`, or for a Transformer `operations` (one head each; converted to `operations`).
 */
export interface TaskInput {
  operation: Operation;
  operations: Operation[];
  modulus: number;
  trainSize: number;
  trainFraction: number;
}
/** The model as written: the kind and the keys of both kinds (each marked with the kinds it applies to). */
export interface ModelInput {
  kind: ModelKind;
  hidden: number;
  activation: MlpRunConfig['model']['activation'];
  width: number;
  heads: number;
  feedForward: number;
  layers: number;
}
/** The diagnostics as written: the MLP's and the Transformer's keys. */
export type DiagnosticsInput = Omit<MlpRunConfig['diagnostics'], 'gradientSed'> & {
  gradientSed: TransformerGradientSedConfig;
  snapshotEvery: number;
  parameterGroup: string;
};
/** The keys a condition may override: every key of either kind's RunConfig, as written. */
export interface RunConfigInput {
  task: TaskInput;
  model: ModelInput;
  loss: LossName;
  optimizer: MlpRunConfig['optimizer'];
  epochs: number;
  steps: number;
  training: TrainingConfig;
  diagnostics: DiagnosticsInput;
  engine: MlpRunConfig['engine'];
}
/** One experiment as written in a file. */
export type ExperimentInput = RunConfigInput & {
  description: string;
  seeds: number | number[];
  conditions: Record<string, RunConfigInput>;
  grid: Record<string, GridValue[]>;
};

/**
 * The schema node kinds allowed for a value of type T, with a default of type T (so the schema cannot
 * drift from types.ts: a default `'ad'` for an Operation does not compile).
 */
type SchemaFor<T> = (
  | OneOfSchema
  | (T extends boolean
      ? BooleanSchema
      : T extends string
        ? EnumSchema | StringSchema
        : T extends number
          ? IntegerSchema | NumberSchema | EnumSchema
          : T extends readonly [unknown, unknown]
            ? TupleSchema
            : T extends readonly unknown[]
              ? ListSchema
              : T extends object
                ? ObjectSchema | MapSchema | GridSchema
                : never)
) & { default?: Readonly<T> };

/**
 * Checks at compile time that `properties` has exactly the keys of T, each with a schema of a
 * fitting kind. Returns `properties` unchanged.
 */
function propertiesOf<T>() {
  return <P extends { [K in keyof T]-?: SchemaFor<T[K]> }>(
    properties: P & { [K in Exclude<keyof P, keyof T>]: never },
  ): P => properties;
}

/** Safety bounds: a typo must not allocate gigabytes before the first epoch. */
export const limits = {
  /**
   * Largest experiment file, in bytes, refused before it is parsed (src/cli/experimentFile.ts, the
   * extension's experiment catalog, and parseExperimentFile for text from elsewhere). Parsing YAML
   * costs about 80 bytes of memory per byte of file (a 50 MB list of seeds took 3.9 GB and more than
   * two minutes before any limit was checked), while a real file is a few KB: the committed examples
   * are under 2.5 KB, and the largest list the limits allow (10 000 seeds) is about 70 KB. 1 MiB leaves
   * room for generated studies and bounds a parse to well under a second and about 100 MB.
   */
  fileBytes: 1024 * 1024,
  /**
   * Longest string value (`description`), in characters: a paragraph. It is shown in the Experiments
   * view and copied into every run.json, which must stay small enough to read at once.
   */
  stringLength: 1000,
  hidden: 65536,
  modulus: 1000,
  epochs: 1_000_000,
  /** Transformer sizes: width, feed-forward width, heads, layers, and the minibatch. */
  transformerWidth: 4096,
  transformerHeads: 64,
  transformerLayers: 48,
  batchSize: 65536,
  steps: 10_000_000,
  seedCount: 10_000,
  /** Largest seed value: seeds are 32-bit signed integers in every tool that consumes them. */
  seedValue: 2 ** 31 - 1,
  window: 200,
  pairs: 100_000,
  /** Gradient-SED random directions and probe pairs (each direction costs 2·probes·2MK multiply-adds). */
  sedDirections: 1000,
  sedProbes: 100_000,
  /** Experiments per file and conditions per experiment. */
  entries: 1000,
  /** Conditions an experiment expands to: named conditions × grid points. */
  conditions: 1000,
  /** Values of one grid key. */
  gridValues: 1000,
} as const;

/**
 * Experiment and condition names become folder names under the runs folder. An experiment's folder
 * holds only run folders, and the runs folder only experiment folders (docs/run-format.md §1), so an
 * experiment name cannot collide with a file.
 */
export const nameRule: NameRule = {
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  maxLength: 100,
  reservedDeviceNames: [
    'CON', 'PRN', 'AUX', 'NUL',
    'COM1', 'COM2', 'COM3', 'COM4', 'COM5', 'COM6', 'COM7', 'COM8', 'COM9',
    'LPT1', 'LPT2', 'LPT3', 'LPT4', 'LPT5', 'LPT6', 'LPT7', 'LPT8', 'LPT9',
  ],
  reservedEndings: [],
};

/**
 * A condition's folder sits in the run folder beside the run's own files (docs/run-format.md §1):
 * run.json, events.jsonl, summary.json and the temporary `<name>.<pid>.<time>.tmp` of an atomic write.
 * A condition named `run.json` or `summary.json` would take a file's place and wreck the run, so a
 * condition name may not end as the format's files do (`.log` included: it is the fourth ending the
 * format gives files, so a run-level log can be added without breaking names), in any letter case
 * (`RUN.JSON` is `run.json` on case-insensitive file systems).
 */
const conditionNameRule: NameRule = {
  ...nameRule,
  reservedEndings: ['.json', '.jsonl', '.log', '.tmp'],
};

const operationSchema: EnumSchema & { values: readonly Operation[]; default: Operation } = {
  kind: 'enum',
  values: ['add', 'subtract', 'multiply', 'squares', 'squaresAndProduct', 'cubeAndProduct'],
  default: 'add', // docs/science.md §1: modular addition
  description:
    'Operation: the label is (a + b), (a − b), (a · b), a² + b² (squares), a² + ab + b² (squaresAndProduct) or a³ + ab (cubeAndProduct), mod modulus.',
};

const taskSchema: ObjectSchema = {
  kind: 'object',
  definition: 'task',
  description:
    'The task: pairs (a, b) labelled (a ∘ b) mod modulus, split by a seeded permutation into training and test pairs (docs/science.md §1, §12.2).',
  exclusive: [
    ['trainSize', 'trainFraction'],
    ['operation', 'operations'],
  ],
  properties: propertiesOf<TaskInput>()({
    operation: operationSchema,
    operations: {
      kind: 'list',
      items: operationSchema,
      unique: true,
      minItems: 1,
      maxItems: operationSchema.values.length,
      models: ['transformer'],
      description:
        'Transformer only: one output head per operation on a shared encoder, trained on the summed cross-entropy (the multitask models of docs/science.md §12.2). Give this or operation, not both.',
    },
    modulus: {
      kind: 'integer',
      minimum: 2,
      maximum: limits.modulus,
      maximumIsLimit: true,
      default: 71, // docs/science.md §1: M = 71 (5041 pairs)
      transformerDefault: 97, // docs/science.md §12.2: p = 97
      description: 'Modulus M: inputs a, b ∈ {0 … M−1} and M classes. Default 71 (97 for a Transformer).',
    },
    trainSize: {
      kind: 'integer',
      minimum: 1,
      default: 2016, // docs/science.md §1: 40 % of 71²; the other 3025 pairs are the test set
      computedDefault: true, // the Transformer's is half its pairs (defaults.ts)
      description:
        'Number of training pairs n_train, less than the number of pairs (the rest is the test set). Give this or trainFraction, not both. Default 2016 (40 % of 71²); for a Transformer ⌊pairs / 2⌋, the reference’s 50/50 split.',
    },
    trainFraction: {
      kind: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      description:
        'Share of the pairs used for training: trainSize = round(trainFraction · modulus²) for the MLP, ⌊trainFraction · pairs⌋ for a Transformer (the reference’s int()). Give this or trainSize, not both.',
    },
  }),
};

const modelSchema: ObjectSchema = {
  kind: 'object',
  definition: 'model',
  description:
    'The model: the two-layer network ŷ = V σ(W x) without biases (kind mlp, arXiv 2509.21519) or the papers’ small pre-norm Transformer (kind transformer, docs/science.md §12).',
  properties: propertiesOf<RunConfigInput['model']>()({
    kind: {
      kind: 'enum',
      values: ['mlp', 'transformer'],
      default: 'mlp',
      description: 'mlp: Tian’s two-layer network (the default); transformer: the spectral-edge and gradient-direction papers’ 2-layer encoder.',
    },
    hidden: {
      kind: 'integer',
      minimum: 1,
      maximum: limits.hidden,
      maximumIsLimit: true,
      default: 2048, // docs/science.md §2: K = 2048
      models: ['mlp'],
      description: 'Hidden width K (number of hidden units).',
    },
    activation: {
      kind: 'enum',
      values: ['square', 'relu', 'silu'],
      default: 'square', // docs/science.md §2: σ(z) = z²
      models: ['mlp'],
      description: 'Hidden activation σ: square is σ(z) = z² (the papers’ default).',
    },
    width: {
      kind: 'integer',
      minimum: 1,
      maximum: limits.transformerWidth,
      maximumIsLimit: true,
      default: 128, // docs/science.md §12.1: d_model 128
      models: ['transformer'],
      description: 'Transformer d_model, a multiple of heads.',
    },
    heads: {
      kind: 'integer',
      minimum: 1,
      maximum: limits.transformerHeads,
      maximumIsLimit: true,
      default: 4, // docs/science.md §12.1
      models: ['transformer'],
      description: 'Attention heads (head size width / heads).',
    },
    feedForward: {
      kind: 'integer',
      minimum: 1,
      maximum: limits.transformerWidth,
      maximumIsLimit: true,
      default: 256, // docs/science.md §12.1: d_ff 256
      models: ['transformer'],
      description: 'Hidden width of each layer’s feed-forward block.',
    },
    layers: {
      kind: 'integer',
      minimum: 1,
      maximum: limits.transformerLayers,
      maximumIsLimit: true,
      default: 2, // docs/science.md §12.1
      models: ['transformer'],
      description: 'Encoder layers (all start as copies of the first, as nn.TransformerEncoder’s deep copy).',
    },
  }),
};

const lossSchema: EnumSchema & { default: LossName } = {
  kind: 'enum',
  values: ['mse', 'crossEntropy'],
  default: 'mse', // docs/science.md §3: the class-centred MSE of Tian's and Xu's code
  transformerDefault: 'crossEntropy', // docs/science.md §12.3: the only loss of the Transformer
  description: 'Loss: mse is the class-centred MSE of the papers’ code; crossEntropy is softmax cross-entropy (the Transformer’s only loss).',
};

const optimizerSchema: ObjectSchema = {
  kind: 'object',
  definition: 'optimizer',
  description: 'Optimiser: full-batch, one step per epoch, for the MLP; one step per minibatch for a Transformer (adamw only).',
  properties: propertiesOf<RunConfigInput['optimizer']>()({
    name: {
      kind: 'enum',
      values: ['adam', 'adamw', 'sgd'],
      default: 'adam', // docs/science.md §4: torch.optim.Adam with coupled L2
      transformerDefault: 'adamw', // docs/science.md §12.3
      description: 'adam: torch.optim.Adam with coupled L2 (the papers’); adamw: decoupled weight decay; sgd: momentum SGD.',
    },
    lr: {
      kind: 'number',
      exclusiveMinimum: 0,
      default: 1e-3,
      description: 'Learning rate.',
    },
    weightDecay: {
      kind: 'number',
      minimum: 0,
      default: 2e-4, // the papers' η of the grokking condition (their control uses 0)
      transformerDefault: 1.0, // docs/science.md §12.3: WD = 1.0 on every parameter
      description:
        'The papers’ η: coupled L2 for adam and sgd, decoupled decay for adamw. The non-grokking control uses 0. Default 2e-4 (1.0 for a Transformer).',
    },
    betas: {
      kind: 'tuple',
      items: [
        { kind: 'number', minimum: 0, exclusiveMaximum: 1, description: 'β₁' },
        { kind: 'number', minimum: 0, exclusiveMaximum: 1, description: 'β₂' },
      ],
      default: [0.9, 0.999],
      transformerDefault: [0.9, 0.98], // docs/science.md §12.3
      description: 'Adam’s [β₁, β₂], each in [0, 1). Default [0.9, 0.999] ([0.9, 0.98] for a Transformer).',
    },
    eps: {
      kind: 'number',
      exclusiveMinimum: 0,
      default: 1e-8,
      description: 'Adam’s ε, added to the square root of the second moment.',
    },
    momentum: {
      kind: 'number',
      minimum: 0,
      exclusiveMaximum: 1,
      default: 0.9, // docs/science.md §4 (used by sgd only)
      description: 'SGD momentum (dampening 0, torch semantics); used by sgd only.',
    },
  }),
};

const epochsSchema: IntegerSchema = {
  kind: 'integer',
  minimum: 1,
  maximum: limits.epochs,
  maximumIsLimit: true,
  // docs/science.md §4: 400 for σ = x², 800 otherwise (defaultEpochs in ./defaults.ts).
  computedDefault: true,
  models: ['mlp'],
  description: 'Number of optimiser steps E; records are rows 0 … E. Default 400 for activation square, 800 otherwise.',
};

const stepsSchema: IntegerSchema = {
  kind: 'integer',
  minimum: 1,
  maximum: limits.steps,
  maximumIsLimit: true,
  default: 10_000, // docs/science.md §12.3: our default budget (the reference runs up to 200 000 with early stop)
  models: ['transformer'],
  description: 'Transformer only: training steps (one minibatch each); records every training.evalEvery steps, keyed by step.',
};

const trainingSchema: ObjectSchema = {
  kind: 'object',
  definition: 'training',
  models: ['transformer'],
  description: 'Transformer only: minibatches, evaluation cadence, clipping and early stop (docs/science.md §12.3).',
  properties: propertiesOf<TrainingConfig>()({
    batchSize: {
      kind: 'integer',
      minimum: 1,
      maximum: limits.batchSize,
      maximumIsLimit: true,
      default: 512,
      description: 'Pairs per step, drawn uniformly with replacement from the training set.',
    },
    evalEvery: {
      kind: 'integer',
      minimum: 1,
      maximum: limits.steps,
      default: 100,
      description: 'A full train/test evaluation (one record) every this many steps, and at step 0.',
    },
    gradientClip: {
      kind: 'number',
      exclusiveMinimum: 0,
      default: 1.0,
      description: 'Largest global L2 norm of the gradient (torch.nn.utils.clip_grad_norm_).',
    },
    earlyStop: {
      kind: 'object',
      description: 'Stop once every test accuracy is ≥ accuracy on evaluations consecutive evaluations (the reference’s rule).',
      properties: propertiesOf<TrainingConfig['earlyStop']>()({
        enabled: { kind: 'boolean', default: true, description: 'Whether training stops early.' },
        accuracy: { kind: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.98, description: 'Test accuracy every head must reach.' },
        evaluations: { kind: 'integer', minimum: 1, maximum: 1000, default: 3, description: 'Consecutive evaluations at or above it.' },
      }),
    },
    intervention: {
      kind: 'object',
      description:
        'The rank-k gradient projection of arXiv 2604.25143 (docs/science.md §12.5): each step, after the clip and before AdamW, the attention weights’ gradient g becomes g − VᵀVg (remove) or VᵀVg (keep).',
      properties: propertiesOf<InterventionConfig>()({
        mode: {
          kind: 'enum',
          values: ['none', 'removeSed', 'keepSed', 'removeRandom', 'keepRandom'],
          default: 'none',
          description:
            'none; removeSed/keepSed: V = the top rank right singular vectors of the last window projected gradients; removeRandom/keepRandom: a fresh random orthonormal V every step. No projection during the first window steps.',
        },
        window: {
          kind: 'integer',
          minimum: 2,
          maximum: limits.window,
          maximumIsLimit: true,
          default: 20, // docs/science.md §12.5: the deque of the last 20 projected gradients
          description: 'Projected gradients whose top singular vectors are V (the SED modes), and steps of the warm-up without projection.',
        },
        rank: {
          kind: 'integer',
          minimum: 1,
          maximum: limits.window,
          default: 3, // docs/science.md §12.5: rank 3
          description: 'Dimension of the projected subspace; less than window.',
        },
      }),
    },
  }),
};

const checkpointsItem: IntegerSchema = {
  kind: 'integer',
  minimum: 0,
  description: 'An epoch, at most epochs.',
};

/**
 * The Theorem-6 checkpoints. Their default is this list without the epochs a run never reaches
 * (defaultRepulsionCheckpoints in ./defaults.ts); exported for that function.
 */
export const repulsionCheckpointsSchema: ListSchema & { default: readonly number[] } = {
  kind: 'list',
  items: checkpointsItem,
  unique: true,
  default: [50, 100, 175, 250, 300], // docs/science.md §6
  computedDefault: true,
  description: 'Epochs at which the check runs, each at most epochs. By default 50, 100, 175, 250, 300, keeping those ≤ epochs.',
};

const windowSchema = (defaultWindow: number, description: string): IntegerSchema => ({
  kind: 'integer',
  minimum: 3,
  maximum: limits.window,
  maximumIsLimit: true,
  default: defaultWindow,
  description,
});

const diagnosticsSchema: ObjectSchema = {
  kind: 'object',
  definition: 'diagnostics',
  description: 'The diagnostics computed during training.',
  properties: propertiesOf<RunConfigInput['diagnostics']>()({
    eigengap: {
      kind: 'object',
      description: 'Rolling eigengap of the first-layer updates and the lock-in detector (arXiv 2605.08119).',
      properties: propertiesOf<RunConfigInput['diagnostics']['eigengap']>()({
        window: {
          ...windowSchema(
            20, // docs/science.md §5: w = 20 updates
            'Number w of most recent updates ΔW in the window; λ are eigenvalues of their w × w Gram. Default 20 (10 snapshot updates for a Transformer).',
          ),
          transformerDefault: 10, // docs/science.md §12.4: the spectral-edge thesis's W = 10
        },
        detector: {
          kind: 'object',
          description: 'Fires at the first epoch t ≥ warmup with slope s(t) = [ln g(t) − ln g(t − lag)] / lag > threshold, g = λ₂/λ₃.',
          properties: propertiesOf<RunConfigInput['diagnostics']['eigengap']['detector']>()({
            lag: {
              kind: 'integer',
              minimum: 1,
              default: 25, // docs/science.md §5
              transformerComputedDefault: true, // docs/science.md §12.4: 5 snapshot intervals (ours; the papers have none)
              description: 'Lag L of the slope, in epochs (in steps for a Transformer, a multiple of diagnostics.snapshotEvery; default 5 snapshot intervals).',
            },
            threshold: {
              kind: 'number',
              default: 0.04, // docs/science.md §5
              description: 'The detector fires when the slope exceeds this, per epoch (per snapshot interval for a Transformer).',
            },
            warmup: {
              kind: 'integer',
              minimum: 0,
              default: 100, // docs/science.md §5
              transformerComputedDefault: true, // docs/science.md §12.4: 10 snapshot intervals (ours)
              description: 'No firing before this epoch (step for a Transformer; default 10 snapshot intervals).',
            },
          }),
        },
        lateStage: {
          kind: 'tuple',
          items: [
            { kind: 'integer', minimum: 0, description: 'First epoch.' },
            { kind: 'integer', minimum: 0, description: 'Last epoch.' },
          ],
          nonDecreasing: true,
          default: [200, 400], // docs/science.md §5 (clipped to the run where it is used)
          transformerDefault: [2000, 10000], // docs/science.md §12.4 (ours)
          description: 'Epochs (steps for a Transformer) [from, to] over which the late-stage gap (median of λ₂/λ₃) is taken; clipped to the run.',
        },
      }),
    },
    repulsion: {
      kind: 'object',
      models: ['mlp'],
      description: 'Feature-repulsion check of Theorem 6 (arXiv 2509.21519) at checkpoints.',
      properties: propertiesOf<RunConfigInput['diagnostics']['repulsion']>()({
        checkpoints: repulsionCheckpointsSchema,
        pairs: {
          kind: 'integer',
          minimum: 1,
          maximum: limits.pairs,
          maximumIsLimit: true,
          default: 200, // docs/science.md §6: the top 200 pairs by |cos|
          description: 'Number of hidden-unit pairs (j < l) with the largest |cos| that are examined.',
        },
      }),
    },
    spectralEdge: {
      kind: 'object',
      description: 'Spectral-edge quantities k*, R, g₂₃, 𝒜 (arXiv 2603.28964).',
      properties: propertiesOf<RunConfigInput['diagnostics']['spectralEdge']>()({
        enabled: {
          kind: 'boolean',
          default: true,
          description: 'Whether they are computed.',
        },
        window: windowSchema(10, 'Number of most recent updates in their window.'), // docs/science.md §7
      }),
    },
    li2: {
      kind: 'object',
      models: ['mlp'],
      description: 'Li₂ stage metrics and per-unit Fourier analysis (arXiv 2509.21519).',
      properties: propertiesOf<RunConfigInput['diagnostics']['li2']>()({
        enabled: {
          kind: 'boolean',
          default: true,
          description: 'Whether they are computed.',
        },
        checkpoints: {
          kind: 'list',
          items: checkpointsItem,
          unique: true,
          // docs/science.md §9 (defaultLi2Checkpoints in ./defaults.ts).
          computedDefault: true,
          description: 'Epochs of the per-unit Fourier analysis, each at most epochs. By default the repulsion checkpoints and the last epoch.',
        },
      }),
    },
    gradientSed: {
      kind: 'object',
      description:
        'Gradient-direction sensitivity R_k of the top right singular vectors of the rolling windows of loss gradients and of updates (arXiv 2604.25143: on the attention weights of a Transformer, docs/science.md §12.6; adapted to the MLP’s first layer, §8). Off by default: one evaluation takes seconds (≈ 11 s per operation on the Transformer at the defaults).',
      properties: propertiesOf<RunConfigInput['diagnostics']['gradientSed']>()({
        enabled: {
          kind: 'boolean',
          // Off by default: one evaluation takes seconds at the defaults (docs/science.md §8).
          default: false,
          description: 'Whether it is computed.',
        },
        window: windowSchema(
          20, // docs/science.md §8 (arXiv 2604.25143, adapted)
          'Number w of most recent full-batch loss gradients ∇_W L (and updates ΔW) in the rolling windows; for a Transformer, of checkpoints (attention gradients on the fixed batch, and attention updates).',
        ),
        vectors: {
          kind: 'integer',
          minimum: 1,
          maximum: limits.window,
          default: 3,
          description: 'Number k of leading right singular vectors of each window whose ratio R_k is reported; less than window.',
        },
        directions: {
          kind: 'integer',
          minimum: 1,
          maximum: limits.sedDirections,
          maximumIsLimit: true,
          default: 20,
          description: 'Number of random unit directions; R_k divides by the median of their sensitivities.',
        },
        probes: {
          kind: 'integer',
          minimum: 1,
          maximum: limits.sedProbes,
          maximumIsLimit: true,
          default: 1024,
          description: 'Number of probe pairs (a, b), drawn once per seed from all the task’s pairs (train and test).',
        },
        epsilonScale: {
          kind: 'number',
          exclusiveMinimum: 0,
          default: 0.005,
          description:
            'ε = epsilonScale · ‖W‖ (Frobenius norm of the first layer; of the attention weights for a Transformer): the step of the central difference along each unit direction.',
        },
        every: {
          kind: 'integer',
          minimum: 1,
          maximum: limits.steps,
          default: 10,
          transformerDefault: 200, // docs/science.md §12.6 (ours: one evaluation costs about a hundred training steps)
          description:
            'Computed at the epochs that are multiples of this (and hold at least vectors gradients). For a Transformer in steps, a multiple of training.evalEvery and of checkpointEvery. Default 10 epochs (200 steps).',
        },
        checkpointEvery: {
          kind: 'integer',
          minimum: 1,
          maximum: limits.steps,
          default: 25, // docs/science.md §12.6: the reference's checkpoints every 25 steps
          models: ['transformer'],
          description:
            'Transformer only: steps between SED checkpoints; each adds the attention gradient on the fixed batch and the attention update since the last checkpoint to the windows.',
        },
        windowDirection: {
          kind: 'enum',
          values: ['past', 'forward'],
          default: 'past', // docs/science.md §12.6: causal by default; forward is the reference's
          models: ['transformer'],
          description:
            'Transformer only: past (the windows of step t end at t) or forward (they start at t, as the reference’s code; step t’s values are then recorded window · checkpointEvery steps later, with gradientSedStep: t).',
        },
      }),
    },
    snapshotEvery: {
      kind: 'integer',
      minimum: 1,
      maximum: limits.steps,
      default: 100, // docs/science.md §12.4: the reference's attention snapshots every 100 steps
      models: ['transformer'],
      description: 'Transformer only: steps between parameter snapshots; an update is the difference of consecutive snapshots. A multiple of training.evalEvery.',
    },
    parameterGroup: {
      kind: 'enum',
      values: ['attention', 'weights', 'queries', 'layer0', 'layer1', 'layer2', 'layer3'],
      default: 'attention', // docs/science.md §12.4: every layer's in_proj_weight and out_proj.weight
      models: ['transformer'],
      description:
        'Transformer only: the parameters whose updates are windowed: attention (every layer’s W_Q, W_K, W_V, W_O; the papers’), weights (every matrix), queries (W_Q only), layerN (one layer’s attention weights).',
    },
  }),
};

const engineSchema: ObjectSchema = {
  kind: 'object',
  definition: 'engine',
  description: 'Compute engine of the training worker.',
  properties: propertiesOf<RunConfigInput['engine']>()({
    name: {
      kind: 'enum',
      values: ['wasm', 'tfjs'],
      default: 'wasm',
      description: 'wasm: WebAssembly SIMD kernels; tfjs: TensorFlow.js.',
    },
    threads: {
      kind: 'enum',
      values: [1, 2],
      default: 1,
      description: 'Threads of the wasm engine.',
    },
  }),
};

/** The keys a condition may override, shared by the experiment's base. */
const overridable = propertiesOf<RunConfigInput>()({
  task: taskSchema,
  model: modelSchema,
  loss: lossSchema,
  optimizer: optimizerSchema,
  epochs: epochsSchema,
  steps: stepsSchema,
  training: trainingSchema,
  diagnostics: diagnosticsSchema,
  engine: engineSchema,
});

/** A named override deep-merged over its experiment's base, e.g. `control: {optimizer: {weightDecay: 0}}`. */
export const conditionSchema: ObjectSchema = {
  kind: 'object',
  definition: 'condition',
  nullMeansEmpty: true,
  description: 'Overrides deep-merged over the experiment (an empty mapping keeps the experiment as it is).',
  properties: overridable,
};

/** An experiment's seeds; exported for the parser, which fills in the default (resolveSeeds). */
export const seedsSchema: OneOfSchema & { default: number } = {
  kind: 'oneOf',
  default: 1, // the single seed 0
  description: 'Seeds: a count N meaning 0 … N−1, or a list of distinct seeds such as [0, 3, 7].',
  options: [
    {
      kind: 'integer',
      minimum: 1,
      maximum: limits.seedCount,
      maximumIsLimit: true,
      description: 'Number of seeds N: the seeds 0 … N−1.',
    },
    {
      kind: 'list',
      items: { kind: 'integer', minimum: 0, maximum: limits.seedValue, description: 'A seed.' },
      unique: true,
      minItems: 1,
      maxItems: limits.seedCount,
      maxItemsIsLimit: true,
      description: 'A list of distinct non-negative seeds.',
    },
  ],
};

/** One experiment: a base configuration, its seeds, optional conditions and an optional grid. */
export const experimentSchema: ObjectSchema = {
  kind: 'object',
  definition: 'experiment',
  nullMeansEmpty: true,
  description: 'An experiment: a base configuration (every key has a default), seeds and optional conditions run side by side.',
  properties: propertiesOf<ExperimentInput>()({
    description: {
      kind: 'string',
      maxLength: limits.stringLength,
      description: 'A sentence shown in the Experiments view and saved with each run.',
    },
    ...overridable,
    seeds: seedsSchema,
    conditions: {
      kind: 'map',
      entryNoun: 'condition',
      names: conditionNameRule,
      values: conditionSchema,
      maxEntries: limits.entries,
      nullMeansEmpty: true,
      description: 'Named overrides run side by side with the same seeds; without conditions, one condition named default.',
    },
    grid: {
      kind: 'grid',
      target: conditionSchema,
      maxValues: limits.gridValues,
      maxConditions: limits.conditions,
      nullMeansEmpty: true,
      description:
        'Values to try, by dotted key (optimizer.weightDecay: [1.0e-4, 2.0e-4]); every combination runs as a condition named by its values (weightDecay-1e-4). With conditions, each condition × each combination.',
    },
  }),
};

/** The whole file: `experiments:` mapping names to experiments. */
export const fileSchema: ObjectSchema = {
  kind: 'object',
  description: 'A Grokking Lab experiment file (*.grok.yaml).',
  required: ['experiments'],
  properties: {
    experiments: {
      kind: 'map',
      entryNoun: 'experiment',
      names: nameRule,
      values: experimentSchema,
      maxEntries: limits.entries,
      nullMeansEmpty: true,
      description: 'Experiments by name; a name becomes a folder name under the runs folder.',
    },
  },
};
