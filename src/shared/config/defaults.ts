/**
 * Fills in the defaults of a configuration. The defaults themselves are written once, in the schema
 * (./schema.ts, with the section of docs/science.md each comes from): `withDefaults` walks it, so a
 * new key with a `default` needs nothing here. The parser (./parse.ts) fills a condition's config
 * with it, and the readers of run folders fill what an older run.json lacks
 * (src/shared/runFormatUpgrade.ts).
 *
 * The model kind (`model.kind`, docs/science.md §12) chooses which keys a configuration has (a key
 * marked `models` belongs to those kinds only) and which default a key takes (`transformerDefault`).
 *
 * Some defaults depend on other values and are the functions below, applied in one place
 * (fillComputedDefaults): the number of epochs (on the activation, docs/science.md §4), the
 * repulsion checkpoints (the list of §6 clipped to the epochs), the Li₂ checkpoints (on the
 * repulsion checkpoints and the epochs, §9), and a Transformer's operations and training size (§12.2).
 */
import { transformerPairCount } from './operands';
import { conditionSchema, repulsionCheckpointsSchema, type ObjectSchema } from './schema';
import type { Activation, DiagnosticsConfig, Li2Config, MlpRunConfig, ModelKind, Operation, RepulsionConfig, RunConfig, TransformerRunConfig } from './types';

/** A partial value of T: any key at any depth may be missing (lists and tuples are whole). */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** docs/science.md §4: 400 epochs for σ = x², 800 otherwise (the papers' ReLU schedule). */
function defaultEpochs(activation: Activation): number {
  return activation === 'square' ? 400 : 800;
}

/**
 * The default repulsion checkpoints of a run of `epochs` steps: docs/science.md §6's list (the
 * schema's default) without the epochs the run never reaches. Returns a new array.
 */
function defaultRepulsionCheckpoints(epochs: number): number[] {
  return (repulsionCheckpointsSchema.default as readonly number[]).filter((epoch) => epoch <= epochs);
}

/**
 * The default Li₂ checkpoints (docs/science.md §9): the repulsion checkpoints and the last epoch,
 * ascending, without duplicates. Returns a new array; does not mutate `repulsionCheckpoints`.
 */
function defaultLi2Checkpoints(repulsionCheckpoints: readonly number[], epochs: number): number[] {
  return [...new Set([...repulsionCheckpoints, epochs])].sort((a, b) => a - b);
}

type Plain = { [key: string]: unknown };

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `given` with every missing key of `schema` that has a static default filled in, recursively, in
 * the schema's key order (so a resolved config reads, and is written to run.json, in one order).
 * A missing key with a computed default gets a placeholder `undefined`, which keeps its place for
 * fillComputedDefaults. Keys the schema does not know are kept after the others (a run.json written
 * by a newer version). Returns new objects and arrays; does not mutate `given`.
 */
function fillSchemaDefaults(schema: ObjectSchema, given: Plain, kind: ModelKind): Plain {
  const filled: Plain = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    const value = given[key];
    if (property.models && !property.models.includes(kind)) {
      // Another kind's key: left out, unless a run.json holds it (kept as written).
      if (value !== undefined) filled[key] = value;
      continue;
    }
    const fallback = kind === 'transformer' && property.transformerDefault !== undefined ? property.transformerDefault : 'default' in property ? property.default : undefined;
    const computed = kind === 'transformer' ? property.transformerComputedDefault ?? property.computedDefault : property.computedDefault;
    if (property.kind === 'object' && (value === undefined || isPlainObject(value))) filled[key] = fillSchemaDefaults(property, value ?? {}, kind);
    else if (value !== undefined) filled[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
    else if (computed) filled[key] = undefined;
    else if (fallback !== undefined) filled[key] = Array.isArray(fallback) ? [...(fallback as unknown[])] : fallback;
  }
  for (const [key, value] of Object.entries(given)) if (!(key in schema.properties)) filled[key] = value;
  return filled;
}

/** An MLP config whose static defaults are filled in and whose computed ones may still be missing. */
type MlpWithoutComputedDefaults = Omit<MlpRunConfig, 'epochs' | 'diagnostics' | 'task'> & {
  task: Omit<MlpRunConfig['task'], 'trainSize'> & { trainSize?: number };
  epochs?: number;
  diagnostics: Omit<DiagnosticsConfig, 'repulsion' | 'li2'> & {
    repulsion: Omit<RepulsionConfig, 'checkpoints'> & { checkpoints?: number[] };
    li2: Omit<Li2Config, 'checkpoints'> & { checkpoints?: number[] };
  };
};

/** The MLP's training size (docs/science.md §1): 2016 pairs, 40 % of 71². */
const MLP_TRAIN_SIZE = 2016;

/**
 * Fills the defaults that depend on other values, each after what it depends on (the keys marked
 * `computedDefault` in ./schema.ts). Mutates and returns `config`, which withDefaults has just built.
 */
function fillMlpComputedDefaults(config: MlpWithoutComputedDefaults): MlpRunConfig {
  config.task.trainSize ??= MLP_TRAIN_SIZE;
  const epochs = (config.epochs ??= defaultEpochs(config.model.activation));
  const { repulsion, li2 } = config.diagnostics;
  repulsion.checkpoints ??= defaultRepulsionCheckpoints(epochs);
  li2.checkpoints ??= defaultLi2Checkpoints(repulsion.checkpoints, epochs);
  return config as MlpRunConfig;
}

/** The Transformer detector's defaults in snapshot intervals (docs/science.md §12.4; ours, the papers have none). */
const TRANSFORMER_DETECTOR_LAG_SNAPSHOTS = 5;
const TRANSFORMER_DETECTOR_WARMUP_SNAPSHOTS = 10;

/**
 * A Transformer's task (docs/science.md §12.2): `operation` becomes the one-entry `operations`, and
 * the training size defaults to ⌊pairs / 2⌋ (the reference's int(0.5 · len)); the detector's lag and
 * warm-up default to whole numbers of snapshot intervals (§12.4). Mutates and returns `config`.
 */
function fillTransformerComputedDefaults(config: Plain & { task: Plain }): TransformerRunConfig {
  const diagnostics = config.diagnostics as { snapshotEvery: number; eigengap: { detector: { lag?: number; warmup?: number } } };
  const { detector } = diagnostics.eigengap;
  detector.lag ??= TRANSFORMER_DETECTOR_LAG_SNAPSHOTS * diagnostics.snapshotEvery;
  detector.warmup ??= TRANSFORMER_DETECTOR_WARMUP_SNAPSHOTS * diagnostics.snapshotEvery;
  const { operation, operations: givenOperations, modulus, trainSize: givenTrainSize, ...rest } = config.task;
  const operations = (givenOperations as Operation[] | undefined) ?? [(operation as Operation | undefined) ?? 'add'];
  const trainSize = (givenTrainSize as number | undefined) ?? Math.floor(transformerPairCount(operations, modulus as number) / 2);
  // Key order as the schema's (operations, modulus, trainSize), so run.json reads in one order.
  config.task = { operations, modulus, trainSize, ...rest };
  return config as unknown as TransformerRunConfig;
}

/** The model kind a partial configuration asks for (mlp unless it says transformer). */
export function modelKindOf(given: { model?: { kind?: unknown } }): ModelKind {
  return given.model?.kind === 'transformer' ? 'transformer' : 'mlp';
}


/**
 * `given` with every default filled in: a full RunConfig. Values given are kept as they are (not
 * checked: the parser checks a file before, and a run.json holds what a parser once accepted).
 * Returns new objects and arrays throughout; does not mutate `given`.
 */
export function withDefaults(given: DeepPartial<MlpRunConfig>): MlpRunConfig;
export function withDefaults(given: DeepPartial<TransformerRunConfig> & { model: { kind: 'transformer' } }): TransformerRunConfig;
export function withDefaults(given: DeepPartial<RunConfig> | Plain): RunConfig;
export function withDefaults(given: DeepPartial<RunConfig> | Plain): RunConfig {
  // The schema's keys and kinds are checked against RunConfigInput at compile time (./schema.ts,
  // propertiesOf), so the walk builds a RunConfig of the kind but for the computed defaults.
  const kind = modelKindOf(given as { model?: { kind?: unknown } });
  const filled = fillSchemaDefaults(conditionSchema, given as Plain, kind);
  return kind === 'transformer'
    ? fillTransformerComputedDefaults(filled as Plain & { task: Plain })
    : fillMlpComputedDefaults(filled as unknown as MlpWithoutComputedDefaults);
}

/** The configuration of an experiment that sets nothing (`experiments: { x: {} }`): a new object. */
export function defaultRunConfig(): MlpRunConfig {
  return withDefaults({});
}
