/**
 * Grids of experiment files: which keys a grid may vary, how grid points are named, and the
 * expansion of a grid into its points (the cartesian product of its values). Pure helpers of the
 * parser (./parse.ts), the JSON Schema (./jsonSchema.ts) and the views that show grid points.
 *
 * A grid point's name is `label-value` per axis, joined by `_`, in the grid's order
 * (`weightDecay-1e-5_window-5`). Names never collide: labels are distinct (the shortest path ending
 * no other axis shares), values are distinct within an axis, and formatGridValue is one-to-one.
 */
import type { BooleanSchema, EnumSchema, IntegerSchema, NumberSchema, ObjectSchema, SchemaNode } from './schema';
import type { GridAxis, GridValue } from './types';

/** The schema of a key a grid may vary: one value (lists, mappings and seeds are not varied by grids). */
export type GridLeafSchema = IntegerSchema | NumberSchema | EnumSchema | BooleanSchema;

/** Whether a grid may vary a key of this schema. */
export function isGridLeaf(schema: SchemaNode): schema is GridLeafSchema {
  return schema.kind === 'integer' || schema.kind === 'number' || schema.kind === 'enum' || schema.kind === 'boolean';
}

/**
 * Every key under `target` by dotted path (`optimizer`, `optimizer.weightDecay`, …), mappings,
 * lists and single values alike, in the schema's order. Returns a new map.
 */
export function schemaPaths(target: ObjectSchema): Map<string, SchemaNode> {
  const paths = new Map<string, SchemaNode>();
  const walk = (node: ObjectSchema, prefix: string) => {
    for (const [key, child] of Object.entries(node.properties)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      paths.set(path, child);
      if (child.kind === 'object') walk(child, path);
    }
  };
  walk(target, '');
  return paths;
}

/** The pairs of keys under `target` that may not both be given (trainSize / trainFraction), as dotted paths. */
export function exclusivePaths(target: ObjectSchema): [string, string][] {
  const pairs: [string, string][] = [];
  const walk = (node: ObjectSchema, prefix: string) => {
    const join = (key: string) => (prefix === '' ? key : `${prefix}.${key}`);
    for (const [first, second] of node.exclusive ?? []) pairs.push([join(first), join(second)]);
    for (const [key, child] of Object.entries(node.properties)) if (child.kind === 'object') walk(child, join(key));
  };
  walk(target, '');
  return pairs;
}

/**
 * A grid value as it appears in names and labels: strings and booleans as they are; integers in
 * plain digits; other numbers in the shorter of plain and exponent notation, each the shortest
 * text that reads back as the same number, with the exponent's `+` left out (`1e-5`, `2e-4`,
 * `0.3`, `1.5e21`). One-to-one: different values never give the same text.
 */
export function formatGridValue(value: GridValue): string {
  if (typeof value !== 'number') return String(value);
  const plain = String(value).replace('e+', 'e');
  if (Number.isInteger(value) && !plain.includes('e')) return plain;
  const exponent = value.toExponential().replace('e+', 'e');
  return exponent.length < plain.length ? exponent : plain;
}

/**
 * The label of each grid key in condition names: the shortest ending of its dotted path that no
 * other key of the grid shares (`weightDecay`; `eigengap.window` and `spectralEdge.window` when both
 * windows vary). Labels are distinct because the paths are. Returns a new array, in the given order.
 */
export function gridAxisLabels(paths: readonly string[]): string[] {
  const segments = paths.map((path) => path.split('.'));
  const ending = (parts: readonly string[], length: number) => parts.slice(-length).join('.');
  return segments.map((parts, index) => {
    for (let length = 1; length < parts.length; length++) {
      const candidate = ending(parts, length);
      if (!segments.some((other, otherIndex) => otherIndex !== index && ending(other, length) === candidate)) return candidate;
    }
    return parts.join('.');
  });
}

/** The name of a grid point: `label-value` per axis, joined by `_` (`weightDecay-1e-5_window-5`). */
export function gridPointName(labels: readonly string[], values: readonly GridValue[]): string {
  return labels.map((label, index) => `${label}-${formatGridValue(values[index])}`).join('_');
}

/** The name of a grid point of a named condition: `condition_point` (`grok_window-5`). */
export function conditionGridPointName(condition: string, point: string): string {
  return `${condition}_${point}`;
}

/** How many points a grid of these axes has: the product of their value counts (1 for no axes). */
export function gridPointCount(axes: readonly Pick<GridAxis, 'values'>[]): number {
  return axes.reduce((product, axis) => product * axis.values.length, 1);
}

/**
 * The points of a grid: every combination of one value index per axis, the last axis changing
 * fastest (as nested loops written in the grid's order). Returns new arrays of indices; for no
 * axes, one empty point. The caller bounds gridPointCount first: this allocates every point.
 */
export function gridPointIndices(valueCounts: readonly number[]): number[][] {
  let points: number[][] = [[]];
  for (const count of valueCounts) {
    points = points.flatMap((point) => Array.from({ length: count }, (_, index) => [...point, index]));
  }
  return points;
}

/** A grid point as a sentence fragment: `weightDecay = 1e-5 · window = 5`, with the given labels by path. */
export function describeGridPoint(point: Readonly<Record<string, GridValue>>, labels?: ReadonlyMap<string, string>): string {
  return Object.entries(point)
    .map(([path, value]) => `${labels?.get(path) ?? path} = ${formatGridValue(value)}`)
    .join(' · ');
}
