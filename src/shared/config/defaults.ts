/**
 * Fills in the defaults of a configuration. The defaults themselves are written once, in the schema
 * (./schema.ts, with the section of docs/science.md each comes from): `withDefaults` walks it, so a
 * new key with a `default` needs nothing here. The parser (./parse.ts) fills a condition's config
 * with it, and the readers of run folders fill what an older run.json lacks
 * (src/shared/runFormatUpgrade.ts).
 *
 * Three defaults depend on other values and are the functions below, applied in one place
 * (fillComputedDefaults): the number of epochs (on the activation, docs/science.md §4), the
 * repulsion checkpoints (the list of §6 clipped to the epochs) and the Li₂ checkpoints (on the
 * repulsion checkpoints and the epochs, §9).
 */
import { conditionSchema, repulsionCheckpointsSchema, type ObjectSchema } from './schema';
import type { Activation, DiagnosticsConfig, Li2Config, RepulsionConfig, RunConfig } from './types';

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
  return repulsionCheckpointsSchema.default.filter((epoch) => epoch <= epochs);
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
function fillSchemaDefaults(schema: ObjectSchema, given: Plain): Plain {
  const filled: Plain = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    const value = given[key];
    if (property.kind === 'object' && (value === undefined || isPlainObject(value))) filled[key] = fillSchemaDefaults(property, value ?? {});
    else if (value !== undefined) filled[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
    else if (property.computedDefault) filled[key] = undefined;
    else if ('default' in property && property.default !== undefined) {
      filled[key] = Array.isArray(property.default) ? [...(property.default as unknown[])] : property.default;
    }
  }
  for (const [key, value] of Object.entries(given)) if (!(key in schema.properties)) filled[key] = value;
  return filled;
}

/** A config whose static defaults are filled in and whose computed ones may still be missing. */
type WithoutComputedDefaults = Omit<RunConfig, 'epochs' | 'diagnostics'> & {
  epochs?: number;
  diagnostics: Omit<DiagnosticsConfig, 'repulsion' | 'li2'> & {
    repulsion: Omit<RepulsionConfig, 'checkpoints'> & { checkpoints?: number[] };
    li2: Omit<Li2Config, 'checkpoints'> & { checkpoints?: number[] };
  };
};

/**
 * Fills the defaults that depend on other values, each after what it depends on (the keys marked
 * `computedDefault` in ./schema.ts). Mutates and returns `config`, which withDefaults has just built.
 */
function fillComputedDefaults(config: WithoutComputedDefaults): RunConfig {
  const epochs = (config.epochs ??= defaultEpochs(config.model.activation));
  const { repulsion, li2 } = config.diagnostics;
  repulsion.checkpoints ??= defaultRepulsionCheckpoints(epochs);
  li2.checkpoints ??= defaultLi2Checkpoints(repulsion.checkpoints, epochs);
  return config as RunConfig;
}

/**
 * `given` with every default filled in: a full RunConfig. Values given are kept as they are (not
 * checked: the parser checks a file before, and a run.json holds what a parser once accepted).
 * Returns new objects and arrays throughout; does not mutate `given`.
 */
export function withDefaults(given: DeepPartial<RunConfig>): RunConfig {
  // The schema's keys and kinds are checked against RunConfig at compile time (./schema.ts,
  // propertiesOf), so the walk builds a RunConfig but for the computed defaults.
  return fillComputedDefaults(fillSchemaDefaults(conditionSchema, given as Plain) as WithoutComputedDefaults);
}

/** The configuration of an experiment that sets nothing (`experiments: { x: {} }`): a new object. */
export function defaultRunConfig(): RunConfig {
  return withDefaults({});
}
