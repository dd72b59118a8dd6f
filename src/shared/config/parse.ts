/**
 * The experiment-file parser: `*.grok.yaml` text → resolved experiments, or problems with their
 * line and column. The only path from untrusted YAML to a RunConfig (docs/architecture.md §5: config is
 * validated at the boundary).
 *
 * Stages: (1) YAML with positions (the `yaml` package's Document and LineCounter); syntax errors
 * stop here, an unclosed bracket or quote reported where it opens. (2) A walk of the Document along
 * the schema description (./schema.ts): types, bounds, enums, unknown keys, names. (3) Per
 * condition, a deep merge of the condition over the experiment's base, defaults filled in from
 * the schema (./defaults.ts), and the checks that involve several keys (training set smaller than modulus²,
 * checkpoints within the run). With a grid (./grid.ts), each condition is first crossed with every
 * grid point, the point's values merged last, and the checks run per point, pointing at the grid
 * value when it is the cause. Every problem of the file is collected; an experiment with any
 * problem is left out of the result.
 */
import {
  CST,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Parser,
  type Document,
  type Scalar,
  type YAMLError,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { canonicalJson, sha256Hex } from '../hash';
import { modelKindOf, withDefaults, type DeepPartial } from './defaults';
import { transformerPairCount } from './operands';
import {
  conditionGridPointName,
  exclusivePaths,
  formatGridValue,
  gridAxisLabels,
  gridPointCount,
  gridPointIndices,
  gridPointName,
  isGridLeaf,
  schemaPaths,
  type GridLeafSchema,
} from './grid';
import {
  conditionSchema,
  experimentSchema,
  fileSchema,
  limits,
  nameRule,
  seedsSchema,
  type ExperimentInput,
  type GridSchema,
  type MapSchema,
  type ObjectSchema,
  type RunConfigInput,
  type SchemaNode,
} from './schema';
import type { ConfigProblem, GridAxis, GridValue, MlpRunConfig, ModelKind, ResolvedCondition, ResolvedExperiment, RunConfig, TransformerRunConfig } from './types';

export { canonicalJson } from '../hash';

/** What parseExperimentFile returns: the valid experiments and every problem found. */
export interface ParseResult {
  /** Experiments without any problem, in file order. */
  experiments: ResolvedExperiment[];
  /** Every problem of the file, sorted by position. */
  problems: ConfigProblem[];
}

/** A range of the source text as UTF-16 offsets [start, end). */
type Span = readonly [number, number];

type PlainValue = number | string | boolean | (number | string)[] | PlainObject;
interface PlainObject {
  [key: string]: PlainValue;
}

type ParsedNode = Scalar | YAMLMap | YAMLSeq;

/** What one walk of a mapping produced: the values that passed their checks, with positions. */
interface ReadConfig {
  values: PlainObject;
  /** Span of every value read, by dotted path (list entries by index: `a.b.0`). */
  spans: Map<string, Span>;
  /** Paths whose value had a problem (and was dropped): checks involving them are skipped. */
  invalid: Set<string>;
}

/** An entry of a name → value mapping (experiments, conditions). */
interface NamedEntry {
  name: string;
  /** False when the name cannot be a folder name (a problem was added): the entry is still checked. */
  nameIsValid: boolean;
  keySpan: Span;
  node: unknown;
}

/** One key of a grid as read, with the positions of its key and of each value. */
interface GridAxisRead {
  path: string;
  keySpan: Span;
  values: GridValue[];
  valueSpans: Span[];
}

/** A grid as read from an experiment. */
interface GridRead {
  schema: GridSchema;
  /** Span of the `grid` key. */
  keySpan: Span;
  /** The keys whose values all passed, in file order. */
  axes: GridAxisRead[];
  /** False when any key or value of the grid had a problem: the grid is then not expanded. */
  valid: boolean;
}

/** A problem found during resolution, before it is turned into a ConfigProblem. */
interface Issue {
  span: Span;
  message: string;
}

const limitNote = '(a limit that keeps a typo from exhausting memory)';

/** Collects the problems of one file, as offsets until the end. */
class ProblemList {
  private readonly issues: Issue[] = [];
  private readonly seen = new Set<string>();

  add(span: Span, message: string): void {
    const key = `${span[0]}:${span[1]}:${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.issues.push({ span, message });
  }

  get count(): number {
    return this.issues.length;
  }

  toProblems(file: string, lineCounter: LineCounter): ConfigProblem[] {
    return this.issues
      .map((issue) => {
        const start = lineCounter.linePos(issue.span[0]);
        const end = lineCounter.linePos(Math.max(issue.span[0], issue.span[1]));
        return {
          file,
          position: { line: start.line, column: start.col },
          end: { line: end.line, column: end.col },
          message: issue.message,
        };
      })
      .sort((a, b) => a.position.line - b.position.line || a.position.column - b.position.column);
  }
}

/**
 * Optimal string alignment distance: inserting, deleting or replacing a letter, or swapping two
 * adjacent letters, each costs 1, so the common typo `modle` is one edit from `model`.
 */
function editDistance(a: string, b: string): number {
  // distances[i][j]: the distance between the first i letters of a and the first j letters of b.
  const distances = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const replaced = distances[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? distances[i - 2][j - 2] + 1 : Infinity;
      distances[i][j] = Math.min(distances[i - 1][j] + 1, distances[i][j - 1] + 1, replaced, swapped);
    }
  }
  return distances[a.length][b.length];
}

/** A key or value as compared for suggestions: letter case, `_`, `-` and spaces ignored. */
function normaliseForMatch(text: string): string {
  return text.toLowerCase().replace(/[-_\s]/g, '');
}

/**
 * The candidate closest to `word` by edit distance, ignoring letter case, `_` and `-`
 * (so `weight_decay` suggests `weightDecay`), if it is close enough to be a likely typo: at most
 * one edit per three letters of the candidate, and at least one (so a two-letter key is matched
 * only by one edit, not by every two-letter word).
 */
function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(normaliseForMatch(word), normaliseForMatch(candidate));
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

/** The keys a grid can name under one target schema, computed once per schema. */
interface TargetPaths {
  /** Every key by dotted path, mappings and lists included (for precise messages). */
  all: Map<string, SchemaNode>;
  /** The dotted paths of single values: what a grid may vary. */
  leaves: string[];
  /** Pairs of paths that may not both be given. */
  exclusive: [string, string][];
}

const targetPathsCache = new WeakMap<ObjectSchema, TargetPaths>();

function targetPaths(target: ObjectSchema): TargetPaths {
  let found = targetPathsCache.get(target);
  if (!found) {
    const all = schemaPaths(target);
    found = { all, leaves: [...all].filter(([, schema]) => isGridLeaf(schema)).map(([path]) => path), exclusive: exclusivePaths(target) };
    targetPathsCache.set(target, found);
  }
  return found;
}

/**
 * Likely meanings of an unknown grid key: the paths that end with it (`weightDecay` →
 * `optimizer.weightDecay`; `window` → both windows), else the closest path, else the paths whose
 * last part is closest to the key's last part (`windw` → every `….window`).
 */
function suggestGridKeys(key: string, leaves: readonly string[]): string[] {
  const wanted = normaliseForMatch(key);
  const endings = leaves.filter((leaf) => normaliseForMatch(leaf).endsWith(`.${wanted}`));
  if (endings.length > 0) return endings;
  const closest = closestMatch(key, leaves);
  if (closest) return [closest];
  const lastPart = (path: string) => path.slice(path.lastIndexOf('.') + 1);
  const closestLast = closestMatch(lastPart(key), [...new Set(leaves.map(lastPart))]);
  return closestLast ? leaves.filter((leaf) => lastPart(leaf) === closestLast) : [];
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`. */
function alternatives(words: readonly string[]): string {
  const quoted = words.map((word) => `"${word}"`);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/** How a value of this schema is described in a sentence: "an integer from 1 to 65536". */
function describe(schema: SchemaNode): string {
  switch (schema.kind) {
    case 'integer':
      return schema.maximum === undefined
        ? `an integer ≥ ${schema.minimum}`
        : `an integer from ${schema.minimum} to ${schema.maximum}`;
    case 'number': {
      const bounds = [
        schema.minimum !== undefined ? `≥ ${schema.minimum}` : undefined,
        schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : undefined,
        schema.maximum !== undefined ? `≤ ${schema.maximum}` : undefined,
        schema.exclusiveMaximum !== undefined ? `< ${schema.exclusiveMaximum}` : undefined,
      ].filter((bound) => bound !== undefined);
      return bounds.length === 0 ? 'a number' : `a number ${bounds.join(' and ')}`;
    }
    case 'enum':
      return `one of ${schema.values.join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'tuple':
      return `a list of ${schema.items.length} ${schema.items.every((item) => item.kind === 'integer') ? 'integers' : 'numbers'}`;
    case 'list':
      return 'a list of integers';
    case 'oneOf':
      return schema.options.map(describe).join(', or ');
    case 'object':
    case 'map':
    case 'grid':
      return 'a mapping';
    default: {
      const unhandled: never = schema;
      return String(unhandled);
    }
  }
}

/** How a YAML value is quoted back in a message: `"abc"`, `1.0e-3` (as written), `a list`. */
function show(node: ParsedNode | undefined): string {
  if (node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  const value = node.value;
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  return node.source ?? String(value);
}

function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Where a walk is: for messages, the name of the enclosing experiment or condition. */
interface Scope {
  /** "experiment "quick"", "condition "control"" or "the file". */
  rootName: string;
  /** Appended to nested paths: "" for an experiment's base, " of condition "control"" for a condition. */
  suffix: string;
}

/**
 * Walks the YAML nodes of one experiment, one condition or the file root along the schema. Adds a
 * problem for every violation and keeps, in `result`, only the values that passed.
 */
class SchemaReader {
  result: ReadConfig = { values: {}, spans: new Map(), invalid: new Set() };
  /** Entries of name → value mappings met during the walk (`conditions`, `experiments`), by path. */
  readonly maps = new Map<string, NamedEntry[]>();
  /** Grids met during the walk, by path. */
  readonly grids = new Map<string, GridRead>();

  constructor(
    private readonly document: Document.Parsed,
    private readonly problems: ProblemList,
    private readonly scope: Scope,
  ) {}

  /**
   * Reads the mapping at the root of this walk (the file, an experiment or a condition) into
   * `result.values`. Mutates `result` and `maps`.
   */
  readRoot(schema: ObjectSchema, node: unknown, subject: string, fallbackSpan: Span): void {
    const values = this.read(schema, node, '', subject, fallbackSpan);
    if (values !== undefined && typeof values === 'object' && !Array.isArray(values)) this.result.values = values;
  }

  /** Follows an alias to the node it names; undefined for a missing value. */
  private resolve(node: unknown): ParsedNode | undefined {
    const target = isAlias(node) ? node.resolve(this.document) : node;
    return isScalar(target) || isMap(target) || isSeq(target) ? target : undefined;
  }

  /** The span of `node`, or `fallback` when the node is empty (`epochs:` with no value). */
  private spanOf(node: ParsedNode | undefined, fallback: Span): Span {
    const range = node?.range;
    return range && range[1] > range[0] ? [range[0], range[1]] : fallback;
  }

  private fail(path: string, span: Span, message: string): undefined {
    this.result.invalid.add(path);
    this.problems.add(span, message);
    return undefined;
  }

  /**
   * Reads `rawNode` as a value of `schema` at `path`. `subject` names it in messages (`"hidden"`);
   * `fallbackSpan` is where to point when the value is empty. Returns undefined when it is invalid.
   */
  read(schema: SchemaNode, rawNode: unknown, path: string, subject: string, fallbackSpan: Span): PlainValue | undefined {
    const node = this.resolve(rawNode);
    const span = this.spanOf(node, fallbackSpan);
    this.result.spans.set(path, span);
    const mismatch = () => this.fail(path, span, `${subject} must be ${describe(schema)}, got ${show(node)}.`);
    const isEmpty = node === undefined || (isScalar(node) && (node.value === null || node.value === undefined));

    switch (schema.kind) {
      case 'integer': {
        if (!isScalar(node) || typeof node.value !== 'number' || !Number.isSafeInteger(node.value)) return mismatch();
        const value = node.value;
        if (value < schema.minimum) return this.fail(path, span, `${subject} must be an integer ≥ ${schema.minimum}, got ${show(node)}.`);
        if (schema.maximum !== undefined && value > schema.maximum) {
          return this.fail(
            path,
            span,
            schema.maximumIsLimit
              ? `${subject} must be at most ${schema.maximum} ${limitNote}, got ${show(node)}.`
              : `${subject} must be an integer ≤ ${schema.maximum}, got ${show(node)}.`,
          );
        }
        return value;
      }
      case 'number': {
        if (!isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value)) return mismatch();
        const value = node.value;
        const outside =
          (schema.minimum !== undefined && value < schema.minimum) ||
          (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) ||
          (schema.maximum !== undefined && value > schema.maximum) ||
          (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum);
        return outside ? mismatch() : value;
      }
      case 'enum': {
        const value = isScalar(node) ? node.value : undefined;
        if ((typeof value === 'string' || typeof value === 'number') && schema.values.includes(value)) return value;
        const suggestion =
          typeof value === 'string' ? closestMatch(value, schema.values.map(String)) : undefined;
        return this.fail(
          path,
          span,
          `${subject} must be ${describe(schema)}, got ${show(node)}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
        );
      }
      case 'boolean':
        return isScalar(node) && typeof node.value === 'boolean' ? node.value : mismatch();
      case 'string': {
        if (!isScalar(node) || typeof node.value !== 'string') return mismatch();
        const { length } = node.value;
        // Not quoted back: the point is that it is too long to read.
        if (length > schema.maxLength) return this.fail(path, span, `${subject} has ${length} characters; it may have at most ${schema.maxLength} ${limitNote}.`);
        return node.value;
      }
      case 'tuple': {
        if (!isSeq(node) || node.items.length !== schema.items.length) {
          return this.fail(
            path,
            span,
            `${subject} must be ${describe(schema)}, got ${isSeq(node) ? `a list of ${node.items.length}` : show(node)}.`,
          );
        }
        const values = node.items.map((item, index) =>
          this.read(schema.items[index], item, joinPath(path, String(index)), `Entry ${index + 1} of ${subject}`, span),
        );
        if (values.some((value) => typeof value !== 'number')) {
          this.result.invalid.add(path);
          return undefined;
        }
        const numbers = values as number[];
        if (schema.nonDecreasing && numbers.some((value, index) => index > 0 && value < numbers[index - 1])) {
          return this.fail(path, span, `${subject} must be [from, to] with from ≤ to, got [${numbers.join(', ')}].`);
        }
        return numbers;
      }
      case 'list': {
        if (!isSeq(node)) return mismatch();
        if (schema.maxItems !== undefined && node.items.length > schema.maxItems) {
          return this.fail(
            path,
            span,
            `${subject} has ${node.items.length} entries; it may have at most ${schema.maxItems}${schema.maxItemsIsLimit ? ` ${limitNote}` : ''}.`,
          );
        }
        if (schema.minItems !== undefined && node.items.length < schema.minItems) {
          return this.fail(path, span, `${subject} must have at least ${schema.minItems} ${schema.minItems === 1 ? 'entry' : 'entries'}.`);
        }
        const entries: (number | string)[] = [];
        const seen = new Set<number | string>();
        let valid = true;
        node.items.forEach((item, index) => {
          const itemPath = joinPath(path, String(index));
          const value = this.read(schema.items, item, itemPath, `Entry ${index + 1} of ${subject}`, span);
          if (typeof value !== 'number' && typeof value !== 'string') {
            valid = false;
          } else if (schema.unique && seen.has(value)) {
            valid = false;
            this.fail(itemPath, this.result.spans.get(itemPath) ?? span, `${subject} lists ${value} twice.`);
          } else {
            seen.add(value);
            entries.push(value);
          }
        });
        if (!valid) {
          this.result.invalid.add(path);
          return undefined;
        }
        return entries;
      }
      case 'oneOf': {
        const wanted = isSeq(node) ? ['list', 'tuple'] : isMap(node) ? ['object', 'map'] : ['integer', 'number', 'enum', 'boolean', 'string'];
        const option = schema.options.find((candidate) => wanted.includes(candidate.kind));
        // A scalar of the wrong type (`seeds: "3"`) is described with every option, not just the scalar one.
        const numericOption = option?.kind === 'integer' || option?.kind === 'number';
        const wrongScalar = isScalar(node) && numericOption && typeof node.value !== 'number';
        return option && !isEmpty && !wrongScalar ? this.read(option, node, path, subject, fallbackSpan) : mismatch();
      }
      case 'object': {
        if (isEmpty && schema.nullMeansEmpty) return {};
        if (!isMap(node)) return mismatch();
        return this.readObject(schema, node, path);
      }
      case 'map': {
        if (isEmpty && schema.nullMeansEmpty) {
          this.maps.set(path, []);
          return undefined;
        }
        if (!isMap(node)) return mismatch();
        this.maps.set(path, this.readNames(schema, node, subject, span));
        return undefined;
      }
      case 'grid': {
        if (isEmpty && schema.nullMeansEmpty) return undefined;
        if (!isMap(node)) return mismatch();
        this.grids.set(path, this.readGrid(schema, node, path, fallbackSpan));
        return undefined;
      }
      default: {
        const unhandled: never = schema;
        throw new Error(`Unknown schema node ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /** The text of a mapping key, or undefined (with a problem) when the key is not a plain scalar. */
  private keyText(rawKey: unknown, path: string): { text: string; span: Span } | undefined {
    const key = this.resolve(rawKey);
    const range = key?.range;
    const span: Span = range ? [range[0], range[1]] : [0, 0];
    if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
      this.fail(path, span, 'Keys must be plain names.');
      return undefined;
    }
    return { text: typeof key.value === 'string' ? key.value : (key.source ?? String(key.value)), span };
  }

  private readObject(schema: ObjectSchema, node: YAMLMap, path: string): PlainObject {
    const values: PlainObject = {};
    const allowed = Object.keys(schema.properties);
    const container = path === '' ? this.scope.rootName : `${path}${this.scope.suffix}`;
    const keySpans = new Map<string, Span>();
    for (const pair of node.items) {
      const key = this.keyText(pair.key, path);
      if (!key) continue;
      const property = schema.properties[key.text];
      const childPath = joinPath(path, key.text);
      if (!property) {
        const suggestion = closestMatch(key.text, allowed);
        this.fail(
          childPath,
          key.span,
          `Unknown key "${key.text}" in ${container}. ${suggestion ? `Did you mean "${suggestion}"?` : `Allowed keys: ${allowed.join(', ')}.`}`,
        );
        continue;
      }
      keySpans.set(key.text, key.span);
      const value = this.read(property, pair.value, childPath, `"${key.text}"`, key.span);
      if (value !== undefined) values[key.text] = value;
    }
    for (const [first, second] of schema.exclusive ?? []) {
      const firstSpan = keySpans.get(first);
      const secondSpan = keySpans.get(second);
      if (firstSpan && secondSpan) {
        const later = firstSpan[0] > secondSpan[0] ? firstSpan : secondSpan;
        this.fail(joinPath(path, first), later, `Give either "${first}" or "${second}" in ${container}, not both.`);
        this.result.invalid.add(joinPath(path, second));
      }
    }
    if (schema.required) {
      for (const key of schema.required) {
        if (!keySpans.has(key)) {
          const range = node.range;
          this.fail(joinPath(path, key), range ? [range[0], range[0]] : [0, 0], `Missing key "${key}" in ${container}.`);
        }
      }
    }
    return values;
  }

  /**
   * Reads a grid: each key a dotted path to a single value of `schema.target`, each value a list of
   * distinct values checked exactly as the key is checked in the experiment. `keySpan` is the span
   * of the `grid` key.
   */
  private readGrid(schema: GridSchema, node: YAMLMap, path: string, keySpan: Span): GridRead {
    const paths = targetPaths(schema.target);
    const grid: GridRead = { schema, keySpan, axes: [], valid: true };
    const container = `the grid of ${this.scope.rootName}`;
    const keySpans = new Map<string, Span>();
    for (const pair of node.items) {
      const key = this.keyText(pair.key, path);
      if (!key) {
        grid.valid = false;
        continue;
      }
      const childPath = joinPath(path, key.text);
      const target = paths.all.get(key.text);
      if (!target) {
        const suggestions = suggestGridKeys(key.text, paths.leaves);
        this.fail(
          childPath,
          key.span,
          `Unknown key "${key.text}" in ${container}. ` +
            (key.text === 'seeds'
              ? 'Seeds are not a grid key: every condition and grid point runs with every seed of the experiment.'
              : suggestions.length > 0
                ? `Did you mean ${alternatives(suggestions)}?`
                : 'Grid keys are dotted paths to single values of the experiment, such as "optimizer.weightDecay" or "diagnostics.eigengap.window".'),
        );
        grid.valid = false;
        continue;
      }
      if (!isGridLeaf(target)) {
        const example = paths.leaves.find((leaf) => leaf.startsWith(`${key.text}.`));
        this.fail(
          childPath,
          key.span,
          target.kind === 'object'
            ? `Grid key "${key.text}" is a mapping; grid keys are dotted paths to single values${example ? `, such as "${example}"` : ''}.`
            : `Grid key "${key.text}" is a list; a grid varies single values (vary lists with conditions).`,
        );
        grid.valid = false;
        continue;
      }
      keySpans.set(key.text, key.span);
      const axis = this.readGridValues(schema, target, pair.value, key.text, childPath, key.span);
      if (axis) grid.axes.push(axis);
      else grid.valid = false;
    }
    for (const [first, second] of paths.exclusive) {
      const firstSpan = keySpans.get(first);
      const secondSpan = keySpans.get(second);
      if (firstSpan && secondSpan) {
        this.fail(joinPath(path, first), firstSpan[0] > secondSpan[0] ? firstSpan : secondSpan, `Give either "${first}" or "${second}" in ${container}, not both.`);
        grid.valid = false;
      }
    }
    return grid;
  }

  /** Reads the list of values of one grid key; undefined (with problems) when any is wrong. */
  private readGridValues(schema: GridSchema, leaf: GridLeafSchema, rawNode: unknown, key: string, path: string, keySpan: Span): GridAxisRead | undefined {
    const node = this.resolve(rawNode);
    const span = this.spanOf(node, keySpan);
    if (!isSeq(node)) return this.fail(path, span, `Grid key "${key}" must have a list of values to try, got ${show(node)}.`);
    if (node.items.length === 0) return this.fail(path, span, `Grid key "${key}" must list at least one value.`);
    if (node.items.length > schema.maxValues) {
      return this.fail(path, span, `Grid key "${key}" has ${node.items.length} values; it may have at most ${schema.maxValues} ${limitNote}.`);
    }
    const axis: GridAxisRead = { path: key, keySpan, values: [], valueSpans: [] };
    /** The 1-based position in the list of each value kept, for messages. */
    const positions: number[] = [];
    let valid = true;
    node.items.forEach((item, index) => {
      const itemPath = joinPath(path, String(index));
      const value = this.read(leaf, item, itemPath, `Value ${index + 1} of grid key "${key}"`, span);
      const itemSpan = this.result.spans.get(itemPath) ?? span;
      if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') {
        valid = false;
        return;
      }
      // Values are compared as read, so 1.0e-4 and 0.0001 are the same value.
      const first = axis.values.indexOf(value);
      if (first >= 0) {
        valid = false;
        this.fail(itemPath, itemSpan, `Grid key "${key}" lists ${formatGridValue(value)} twice (values ${positions[first]} and ${index + 1}).`);
        return;
      }
      positions.push(index + 1);
      axis.values.push(value);
      axis.valueSpans.push(itemSpan);
    });
    return valid ? axis : undefined;
  }

  /** Checks the names of a name → value mapping; returns every entry whose key is a plain name. */
  private readNames(schema: MapSchema, node: YAMLMap, subject: string, span: Span): NamedEntry[] {
    if (node.items.length > schema.maxEntries) {
      this.problems.add(span, `${subject} has ${node.items.length} entries; it may have at most ${schema.maxEntries} ${limitNote}.`);
      return [];
    }
    const noun = schema.entryNoun;
    const capitalNoun = noun.charAt(0).toUpperCase() + noun.slice(1);
    const entries: NamedEntry[] = [];
    const byFolder = new Map<string, string>();
    for (const pair of node.items) {
      const key = this.keyText(pair.key, noun);
      if (!key) continue;
      const name = key.text;
      const problem = nameProblem(name, schema);
      if (problem) {
        this.problems.add(key.span, `${capitalNoun} name "${name}" ${problem}`);
        entries.push({ name, nameIsValid: false, keySpan: key.span, node: pair.value });
        continue;
      }
      // Folder names collide on case-insensitive file systems (macOS, Windows) when only the case differs.
      const folder = name.toLowerCase();
      const other = byFolder.get(folder);
      if (other !== undefined) {
        this.problems.add(
          key.span,
          `${capitalNoun} name "${name}" differs from "${other}" only in letter case; they would share a folder on case-insensitive file systems.`,
        );
        entries.push({ name, nameIsValid: false, keySpan: key.span, node: pair.value });
        continue;
      }
      byFolder.set(folder, name);
      entries.push({ name, nameIsValid: true, keySpan: key.span, node: pair.value });
    }
    return entries;
  }
}

/** Why `name` cannot be a folder name under the runs folder, or undefined when it can. */
function nameProblem(name: string, schema: MapSchema): string | undefined {
  const rule = schema.names;
  if (!new RegExp(rule.pattern).test(name)) {
    return 'is not allowed: names become folder names, so they must start with a letter or digit and contain only letters, digits, ".", "_" and "-".';
  }
  if (name.length > rule.maxLength) return `is too long: names become folder names and may have at most ${rule.maxLength} characters.`;
  if (name.endsWith('.')) return 'must not end with ".": Windows drops a trailing dot from folder names.';
  const stem = name.split('.')[0].toUpperCase();
  if (rule.reservedDeviceNames.includes(stem)) return `is reserved by Windows for a device (${stem}) and cannot be a folder name.`;
  const ending = rule.reservedEndings.find((reserved) => name.toLowerCase().endsWith(reserved));
  if (ending !== undefined) {
    return `must not end with "${ending}": ${schema.entryNoun} names become folder names in the run folder, beside its files (run.json, events.jsonl, summary.json), whose endings (${rule.reservedEndings.join(', ')}) are reserved.`;
  }
  return undefined;
}

/**
 * Deep-merges `override` over `base` (mappings key by key, anything else replaced) and their spans.
 * For keys declared exclusive (trainSize / trainFraction), giving one in the override drops the
 * other from the base. Returns a new ReadConfig; mutates neither input.
 */
function mergeOverride(schema: ObjectSchema, base: ReadConfig, override: ReadConfig): ReadConfig {
  const replaced: string[] = [];
  const isPlainObject = (value: PlainValue | undefined): value is PlainObject =>
    typeof value === 'object' && !Array.isArray(value);
  const merge = (node: ObjectSchema, lower: PlainObject, upper: PlainObject, path: string): PlainObject => {
    const result: PlainObject = { ...lower };
    for (const [first, second] of node.exclusive ?? []) {
      for (const [given, dropped] of [[first, second], [second, first]]) {
        if (given in upper && dropped in result) {
          delete result[dropped];
          replaced.push(joinPath(path, dropped));
        }
      }
    }
    for (const [key, value] of Object.entries(upper)) {
      const property = node.properties[key];
      const below = result[key];
      if (property?.kind === 'object' && isPlainObject(value) && isPlainObject(below)) {
        result[key] = merge(property, below, value, joinPath(path, key));
      } else {
        result[key] = value;
        replaced.push(joinPath(path, key));
      }
    }
    return result;
  };
  const values = merge(schema, base.values, override.values, '');
  const spans = new Map<string, Span>();
  for (const [path, span] of base.spans) {
    if (!replaced.some((prefix) => path === prefix || path.startsWith(`${prefix}.`))) spans.set(path, span);
  }
  for (const [path, span] of override.spans) spans.set(path, span);
  return { values, spans, invalid: new Set([...base.invalid, ...override.invalid]) };
}

/**
 * Fills in the defaults of a merged condition (from the schema, ./defaults.ts) and checks what
 * involves several keys. Returns the RunConfig (new arrays throughout) and the issues; does not
 * mutate `merged`.
 */
function resolveRunConfig(merged: ReadConfig): { config: RunConfig; issues: Issue[] } {
  // The walk only kept values that match the schema, and the schema's keys and kinds are checked
  // against RunConfigInput at compile time (schema.ts, propertiesOf). The experiment's own keys
  // (description, seeds, conditions, grid) are not a condition's to keep.
  const overridable = Object.entries(merged.values).filter(([key]) => key in conditionSchema.properties);
  const input = Object.fromEntries(overridable) as DeepPartial<RunConfigInput>;
  const { spans, invalid } = merged;
  const issues: Issue[] = [];
  const report = (path: string, message: string) => {
    const span = spans.get(path);
    if (span) issues.push({ span, message });
  };
  const involvesInvalid = (...paths: string[]) => paths.some((path) => invalid.has(path));
  const kind = modelKindOf(input);
  for (const path of otherKindsKeys(conditionSchema, merged.values, kind, '')) {
    const other = kind === 'transformer' ? 'mlp' : 'transformer';
    report(path, `"${path}" applies to model kind ${other} only, and this condition's model.kind is ${kind}: remove it${kind === 'mlp' ? ' or set model.kind: transformer' : ''}.`);
  }
  const resolved = kind === 'transformer' ? resolveTransformerConfig(input, report, involvesInvalid) : resolveMlpConfig(input, report, involvesInvalid);
  return { config: resolved, issues };
}

type Report = (path: string, message: string) => void;
type InvolvesInvalid = (...paths: string[]) => boolean;

/**
 * Dotted paths of the keys given in `values` that belong to another model kind (schema `models`),
 * in the schema's order.
 */
function otherKindsKeys(schema: ObjectSchema, values: PlainObject, kind: ModelKind, path: string): string[] {
  const found: string[] = [];
  for (const [key, property] of Object.entries(schema.properties)) {
    if (!(key in values)) continue;
    const keyPath = joinPath(path, key);
    const value = values[key];
    if (property.models && !property.models.includes(kind)) found.push(keyPath);
    else if (property.kind === 'object' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      found.push(...otherKindsKeys(property, value, kind, keyPath));
    }
  }
  return found;
}

/** Either kind's gradient-SED: fewer vectors than the window holds (docs/science.md §8, §12.6). */
function checkGradientSedVectors(gradientSed: { window: number; vectors: number }, input: DeepPartial<RunConfigInput>, report: Report, involvesInvalid: InvolvesInvalid): void {
  const { window, vectors } = gradientSed;
  if (vectors >= window && !involvesInvalid('diagnostics.gradientSed.window', 'diagnostics.gradientSed.vectors')) {
    report(
      input.diagnostics?.gradientSed?.vectors !== undefined ? 'diagnostics.gradientSed.vectors' : 'diagnostics.gradientSed.window',
      `The gradient-SED "vectors" (${vectors}) must be less than its "window" (${window}): a window of w gradients has at most w singular vectors.`,
    );
  }
}

/**
 * `value` must be a multiple of `divisor` (two keys at dotted paths): reported at the one the file
 * gives (`first` when it gives both or neither), unless either is already invalid.
 */
function checkMultiple(
  first: { path: string; value: number; given: boolean },
  second: { path: string; value: number; given: boolean },
  reason: string,
  report: Report,
  involvesInvalid: InvolvesInvalid,
): void {
  if (first.value % second.value === 0 || involvesInvalid(first.path, second.path)) return;
  const name = (path: string): string => path.slice(path.lastIndexOf('.') + 1);
  report(!first.given && second.given ? second.path : first.path, `"${name(first.path)}" (${first.value}) must be a multiple of "${name(second.path)}" (${second.value}): ${reason}`);
}

/** An MLP condition's defaults and cross-key checks (docs/science.md §1–§9). */
function resolveMlpConfig(input: DeepPartial<RunConfigInput>, report: Report, involvesInvalid: InvolvesInvalid): MlpRunConfig {
  // trainFraction is how a file may give the size; a RunConfig holds the size only.
  const { trainFraction, operations: _operations, ...task } = input.task ?? {};
  const config = withDefaults({ ...input, task } as DeepPartial<MlpRunConfig>);
  const pairCount = config.task.modulus * config.task.modulus;
  if (trainFraction !== undefined) {
    config.task.trainSize = Math.round(trainFraction * pairCount);
    const { trainSize } = config.task;
    if ((trainSize < 1 || trainSize >= pairCount) && !involvesInvalid('task.modulus')) {
      report(
        'task.trainFraction',
        `"trainFraction" ${trainFraction} gives round(${trainFraction} × ${pairCount}) = ${trainSize} training pairs out of modulus² = ${pairCount}; ` +
          (trainSize < 1 ? 'there would be none.' : 'the test set would be empty.'),
      );
    }
  } else if (task.trainSize !== undefined) {
    if (task.trainSize >= pairCount && !involvesInvalid('task.modulus')) {
      report('task.trainSize', `"trainSize" must be less than modulus² = ${pairCount} so that the test set is not empty, got ${task.trainSize}.`);
    }
  } else if (config.task.trainSize >= pairCount && !involvesInvalid('task.trainSize', 'task.trainFraction')) {
    report(
      'task.modulus',
      `The default "trainSize" ${config.task.trainSize} needs modulus² > ${config.task.trainSize}, but modulus ${config.task.modulus} gives ${pairCount} pairs: give "trainSize" or "trainFraction".`,
    );
  }

  const { epochs, diagnostics } = config;
  const checkWithinRun = (path: string, checkpoints: readonly number[]) => {
    if (involvesInvalid('epochs')) return;
    checkpoints.forEach((checkpoint, index) => {
      if (checkpoint > epochs) {
        report(`${path}.${index}`, `Checkpoint ${checkpoint} is after epoch ${epochs}, the last of the run.`);
      }
    });
  };
  const given = input.diagnostics;
  checkGradientSedVectors(diagnostics.gradientSed, input, report, involvesInvalid);
  // Checked as written, so that each message points at the entry's own position.
  if (given?.repulsion?.checkpoints) checkWithinRun('diagnostics.repulsion.checkpoints', given.repulsion.checkpoints);
  if (given?.li2?.checkpoints) checkWithinRun('diagnostics.li2.checkpoints', given.li2.checkpoints);
  // Checkpoints run in epoch order whatever order the file lists them in (defaults are sorted already).
  diagnostics.repulsion.checkpoints.sort((a, b) => a - b);
  diagnostics.li2.checkpoints.sort((a, b) => a - b);
  return config;
}

/** A Transformer condition's defaults and cross-key checks (docs/science.md §12). */
function resolveTransformerConfig(input: DeepPartial<RunConfigInput>, report: Report, involvesInvalid: InvolvesInvalid): TransformerRunConfig {
  const { trainFraction, ...task } = input.task ?? {};
  const config = withDefaults({ ...input, task } as DeepPartial<TransformerRunConfig> & { model: { kind: 'transformer' } });
  const { operations, modulus } = config.task;
  const pairCount = transformerPairCount(operations, modulus);
  const pairsText = `the ${pairCount} pairs of ${operations.join(', ')} mod ${modulus}`;
  if (trainFraction !== undefined) {
    // The reference's n = int(0.5 · len(pairs)) (docs/science.md §12.2).
    config.task.trainSize = Math.floor(trainFraction * pairCount);
    const { trainSize } = config.task;
    if ((trainSize < 1 || trainSize >= pairCount) && !involvesInvalid('task.modulus')) {
      report('task.trainFraction', `"trainFraction" ${trainFraction} gives ⌊${trainFraction} × ${pairCount}⌋ = ${trainSize} training pairs of ${pairsText}; ${trainSize < 1 ? 'there would be none.' : 'the test set would be empty.'}`);
    }
  } else if (task.trainSize !== undefined && task.trainSize >= pairCount && !involvesInvalid('task.modulus')) {
    report('task.trainSize', `"trainSize" must be less than ${pairsText} so that the test set is not empty, got ${task.trainSize}.`);
  }
  const { model, training, diagnostics } = config;
  if (model.width % model.heads !== 0 && !involvesInvalid('model.width', 'model.heads')) {
    report(input.model?.heads !== undefined ? 'model.heads' : 'model.width', `The Transformer's width ${model.width} must be a multiple of heads ${model.heads} (each head gets width / heads).`);
  }
  // The wasm engine's SIMD layout packs 8 floats (src/kernels/README.md, transformer.ts).
  for (const key of ['width', 'feedForward'] as const) {
    if (model[key] % 8 !== 0 && !involvesInvalid(`model.${key}`)) report(`model.${key}`, `The Transformer's ${key} must be a multiple of 8 on the wasm engine, got ${model[key]}.`);
  }
  if (config.loss !== 'crossEntropy') report('loss', `A Transformer trains with crossEntropy (the reference's loss), got ${String(config.loss)}.`);
  if (config.optimizer.name !== 'adamw') report('optimizer.name', `A Transformer trains with adamw (the reference's optimiser), got ${config.optimizer.name}.`);
  if (config.engine.name !== 'wasm') report('engine.name', `A Transformer runs on the wasm engine; ${config.engine.name} has no Transformer.`);
  const evalEvery = { path: 'training.evalEvery', value: training.evalEvery, given: input.training?.evalEvery !== undefined };
  const snapshotEvery = { path: 'diagnostics.snapshotEvery', value: diagnostics.snapshotEvery, given: input.diagnostics?.snapshotEvery !== undefined };
  checkMultiple(snapshotEvery, evalEvery, 'snapshots are taken at evaluations.', report, involvesInvalid);
  const { lag } = diagnostics.eigengap.detector;
  if (lag % diagnostics.snapshotEvery !== 0 && !involvesInvalid('diagnostics.eigengap.detector.lag', 'diagnostics.snapshotEvery')) {
    report(
      input.diagnostics?.eigengap?.detector?.lag !== undefined ? 'diagnostics.eigengap.detector.lag' : 'diagnostics.snapshotEvery',
      `The detector's "lag" (${lag} steps) must be a multiple of "snapshotEvery" (${diagnostics.snapshotEvery}): the slope compares snapshots.`,
    );
  }
  const { gradientSed } = diagnostics;
  checkGradientSedVectors(gradientSed, input, report, involvesInvalid);
  if (gradientSed.enabled) {
    const givenSed = input.diagnostics?.gradientSed;
    const every = { path: 'diagnostics.gradientSed.every', value: gradientSed.every, given: givenSed?.every !== undefined };
    const checkpointEvery = { path: 'diagnostics.gradientSed.checkpointEvery', value: gradientSed.checkpointEvery, given: givenSed?.checkpointEvery !== undefined };
    checkMultiple(every, evalEvery, 'the SED values of a step are recorded on its row.', report, involvesInvalid);
    checkMultiple(every, checkpointEvery, 'the SED is evaluated at a checkpoint.', report, involvesInvalid);
  }
  const { intervention } = training;
  if (intervention.rank >= intervention.window && !involvesInvalid('training.intervention.rank', 'training.intervention.window')) {
    report(
      input.training?.intervention?.rank !== undefined ? 'training.intervention.rank' : 'training.intervention.window',
      `The intervention's "rank" (${intervention.rank}) must be less than its "window" (${intervention.window}): a window of w gradients has at most w singular vectors.`,
    );
  }
  const layer = /^layer(\d+)$/.exec(diagnostics.parameterGroup);
  if (layer && Number(layer[1]) >= model.layers) {
    report('diagnostics.parameterGroup', `"parameterGroup" ${diagnostics.parameterGroup} names a layer the model does not have (layers 0 … ${model.layers - 1}).`);
  }
  return config;
}

/** Seeds as written (a count N → 0 … N−1, or a list kept in its order); the default is the schema's. */
function resolveSeeds(seeds: number | number[] = seedsSchema.default): number[] {
  return typeof seeds === 'number' ? Array.from({ length: seeds }, (_, index) => index) : [...seeds];
}

/** The hash saved with each run: sha256 (hex) of the canonical JSON of the resolved config. */
export function configHash(config: RunConfig): string {
  return sha256Hex(canonicalJson(config));
}

/** Message for a YAML syntax error, in our words where the library's would confuse. */
function syntaxMessage(code: string, message: string): string {
  switch (code) {
    case 'MULTIPLE_DOCS':
      return 'An experiment file holds one YAML document: remove the "---" separator and put every experiment under "experiments".';
    case 'DUPLICATE_KEY':
      return 'Duplicate key: the keys of a mapping must be unique.';
    default:
      return `YAML syntax error: ${message}`;
  }
}

/** A `[`, `{` or quote whose closing partner the parser did not find. */
interface UnclosedToken {
  /** Offset of the opening character. */
  start: number;
  /** Offset just past the text the parser gave to the token. */
  end: number;
  closing: string;
}

const closingOf: Readonly<Record<string, string>> = { '[': ']', '{': '}', '"': '"', "'": "'" };

/** The token as an UnclosedToken when it is a flow collection or quoted string left open. */
function unclosedToken(token: CST.Token | undefined): UnclosedToken | undefined {
  if (token?.type === 'flow-collection') {
    const closing = closingOf[token.start.source];
    // As the library decides: closed only when the token right after the items is the partner.
    if (!closing || token.end[0]?.source === closing) return undefined;
    return { start: token.offset, end: token.offset + CST.stringify(token).length, closing };
  }
  if (token?.type === 'double-quoted-scalar' || token?.type === 'single-quoted-scalar') {
    const closing = token.source[0];
    if (token.source.length > 1 && token.source.endsWith(closing)) return undefined;
    return { start: token.offset, end: token.offset + token.source.length, closing };
  }
  return undefined;
}

/** The flow collections and quoted strings of `text` left open, innermost (last opened) first. */
function unclosedTokens(text: string): UnclosedToken[] {
  const found: UnclosedToken[] = [];
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    CST.visit(token, (item) => {
      for (const unclosed of [unclosedToken(item.key ?? undefined), unclosedToken(item.value)]) {
        if (unclosed) found.push(unclosed);
      }
    });
  }
  return found.sort((a, b) => b.start - a.start);
}

/** The codes of the library's errors for a missing `]`, `}` or closing quote (among others). */
const unclosedCodes: ReadonlySet<string> = new Set(['MISSING_CHAR', 'BAD_INDENT']);

/**
 * The token left open that a library error is about: the first of `candidates` (innermost first)
 * around the error's position whose closing character the message names.
 */
function unclosedTokenOf(error: YAMLError, candidates: readonly UnclosedToken[]): UnclosedToken | undefined {
  if (!unclosedCodes.has(error.code)) return undefined;
  const [position] = error.pos;
  return candidates.find((token) => token.start <= position && position <= token.end && error.message.includes(token.closing));
}

/**
 * The problems of the YAML errors. The library reports a missing `]`, `}` or closing quote where
 * it gave up reading, often the end of the file, far from the cause: such an error is moved to the
 * opening character, and the message says where the library gave up.
 */
function syntaxIssues(errors: readonly YAMLError[], text: string, lineCounter: LineCounter): Issue[] {
  if (errors.length === 0) return [];
  // Tokens left open together are reported one error each, the inner first: each is used once.
  const unclaimed = unclosedTokens(text);
  return errors.map((error) => {
    const message = syntaxMessage(error.code, error.message);
    const token = unclosedTokenOf(error, unclaimed);
    if (!token) return { span: [error.pos[0], error.pos[1]], message };
    unclaimed.splice(unclaimed.indexOf(token), 1);
    const stop = lineCounter.linePos(error.pos[0]);
    const where = text.slice(error.pos[0]).trim() === '' ? 'the end of the file' : `line ${stop.line}, column ${stop.col}`;
    return { span: [token.start, token.start + 1], message: `${message} (opened here, still open at ${where})` };
  });
}

/** `1 MiB`, `50 MiB`, `1.5 MiB`: a size of at least a mebibyte, in mebibytes with at most one decimal. */
function mebibytes(bytes: number): string {
  return `${Number((bytes / 2 ** 20).toFixed(1))} MiB`;
}

/**
 * The sentence refusing an experiment file of `bytes` bytes, naming it and the limit, or undefined
 * when it is within limits.fileBytes (why that limit: src/shared/config/schema.ts). `subject` names the
 * file (`study.grok.yaml`, or `The file` in a problem already labelled with it); `exact` is false when
 * only a part was read (a pipe), of which `bytes` is the size. Readers call it before they read a
 * file (src/cli/experimentFile.ts, src/extension/experiments/experimentCatalog.ts), and
 * parseExperimentFile on the text it is given.
 */
export function fileSizeProblem(subject: string, bytes: number, exact = true): string | undefined {
  if (bytes <= limits.fileBytes) return undefined;
  const size = exact ? `${mebibytes(bytes)} (${bytes} bytes)` : `more than ${mebibytes(limits.fileBytes)}`;
  return `${subject} is ${size}; an experiment file may be at most ${mebibytes(limits.fileBytes)} (${limits.fileBytes} bytes), a limit that keeps a mistake such as a generated list from exhausting memory before anything is checked.`;
}

/** The length of `text` in UTF-8 bytes, as the file holding it has (a lone surrogate counts 3, as it is written). */
function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

/**
 * Parses and validates one experiment file. `file` is only used to label the problems (any path
 * the caller likes); `text` is the file's content. Pure: reads nothing, mutates nothing.
 *
 * Returns the experiments that have no problem, resolved (seeds expanded; one RunConfig per
 * condition, or one condition `default`), and every problem of the file with its 1-based line and
 * column (columns count UTF-16 code units, as editors do). After a YAML syntax error only the
 * syntax problems are reported. A text larger than limits.fileBytes is refused unread, with one
 * problem at 1:1.
 */
export function parseExperimentFile(file: string, text: string): ParseResult {
  // A UTF-16 code unit is at most three bytes of UTF-8: a shorter text cannot be too large.
  const tooLarge = text.length * 3 > limits.fileBytes ? fileSizeProblem('The file', utf8Length(text)) : undefined;
  if (tooLarge) return { experiments: [], problems: [{ file, position: { line: 1, column: 1 }, message: tooLarge }] };
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems = new ProblemList();
  for (const issue of syntaxIssues([...document.errors, ...document.warnings], text, lineCounter)) {
    problems.add(issue.span, issue.message);
  }
  if (problems.count > 0) return { experiments: [], problems: problems.toProblems(file, lineCounter) };

  const fileReader = new SchemaReader(document, problems, { rootName: 'the file', suffix: '' });
  const contents = document.contents;
  if (!isMap(contents)) {
    const range = contents?.range;
    problems.add(
      range && range[1] > range[0] ? [range[0], range[1]] : [0, 0],
      `An experiment file must be a mapping with the key "experiments", got ${show(isScalar(contents) || isSeq(contents) ? contents : undefined)}.`,
    );
    return { experiments: [], problems: problems.toProblems(file, lineCounter) };
  }
  fileReader.readRoot(fileSchema, contents, 'The file', [0, 0]);

  const experiments: ResolvedExperiment[] = [];
  for (const entry of fileReader.maps.get('experiments') ?? []) {
    const before = problems.count;
    const experiment = resolveExperiment(document, problems, entry);
    if (experiment && entry.nameIsValid && problems.count === before) {
      const start = lineCounter.linePos(entry.keySpan[0]);
      experiments.push({ ...experiment, source: { file, line: start.line, column: start.col } });
    }
  }
  return { experiments, problems: problems.toProblems(file, lineCounter) };
}

/** Walks, merges and resolves one experiment; adds its problems. Undefined when it has any. */
function resolveExperiment(
  document: Document.Parsed,
  problems: ProblemList,
  entry: NamedEntry,
): Omit<ResolvedExperiment, 'source'> | undefined {
  const before = problems.count;
  const baseReader = new SchemaReader(document, problems, { rootName: `experiment "${entry.name}"`, suffix: '' });
  baseReader.readRoot(experimentSchema, entry.node, `Experiment "${entry.name}"`, entry.keySpan);
  const base = baseReader.result;
  const input = base.values as DeepPartial<ExperimentInput>;

  const conditionEntries = baseReader.maps.get('conditions') ?? [];
  const conditions: ConditionRead[] = conditionEntries.map((condition) => {
    const reader = new SchemaReader(document, problems, {
      rootName: `condition "${condition.name}"`,
      suffix: ` of condition "${condition.name}"`,
    });
    reader.readRoot(conditionSchema, condition.node, `Condition "${condition.name}"`, condition.keySpan);
    return { name: condition.name, own: reader.result, read: mergeOverride(conditionSchema, base, reader.result) };
  });
  if (conditionEntries.length === 0) conditions.push({ name: 'default', read: base });

  const grid = baseReader.grids.get('grid');
  const expansion = grid ? expandGrid(problems, grid, conditions, conditionEntries.length > 0) : undefined;
  const expanded: ExpandedCondition[] = expansion?.conditions ?? conditions;

  // Several conditions may hit the same problem in the base (same place, same sentence): report it
  // once, and name the conditions only when not all of them have it.
  const issuesByKey = new Map<string, { issue: Issue; conditions: string[] }>();
  const resolved: ResolvedCondition[] = expanded.map(({ name, read, gridPoint, baseCondition }) => {
    const { config, issues } = resolveRunConfig(read);
    for (const issue of issues) {
      const key = `${issue.span[0]}:${issue.span[1]}:${issue.message}`;
      const seen = issuesByKey.get(key) ?? { issue, conditions: [] };
      seen.conditions.push(name);
      issuesByKey.set(key, seen);
    }
    return {
      name,
      config,
      configHash: configHash(config),
      ...(gridPoint !== undefined ? { gridPoint } : {}),
      ...(baseCondition !== undefined ? { baseCondition } : {}),
    };
  });
  for (const { issue, conditions: affected } of issuesByKey.values()) {
    const qualifier = expanded.length === 1 || affected.length === expanded.length ? '' : ` (in ${listConditions(affected)})`;
    problems.add(issue.span, issue.message.replace(/\.$/, `${qualifier}.`));
  }

  if (problems.count > before) return undefined;
  return {
    name: entry.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    seeds: resolveSeeds(input.seeds),
    conditions: resolved,
    ...(expansion ? { grid: expansion.axes } : {}),
  };
}

/** `condition "a"`, `conditions "a", "b"`, or the first three and how many more (a grid can have hundreds). */
function listConditions(names: readonly string[]): string {
  const shown = names.length > 4 ? names.slice(0, 3) : names;
  const rest = names.length - shown.length;
  return `${names.length === 1 ? 'condition' : 'conditions'} ${shown.map((name) => `"${name}"`).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
}

/** A condition of an experiment as read: merged over the base, and its own keys (absent for `default`). */
interface ConditionRead {
  name: string;
  read: ReadConfig;
  own?: ReadConfig;
}

/** A condition to resolve: a named condition, or a grid point of one. */
interface ExpandedCondition {
  name: string;
  read: ReadConfig;
  gridPoint?: Record<string, GridValue>;
  baseCondition?: string;
}

/** The values of one grid point as an override, with the span of each value for messages. */
function gridPointRead(axes: readonly GridAxisRead[], indices: readonly number[]): ReadConfig {
  const values: PlainObject = {};
  const spans = new Map<string, Span>();
  axes.forEach((axis, axisIndex) => {
    const parts = axis.path.split('.');
    let node = values;
    for (const part of parts.slice(0, -1)) {
      const child = node[part];
      if (typeof child === 'object' && !Array.isArray(child)) node = child;
      else {
        const created: PlainObject = {};
        node[part] = created;
        node = created;
      }
    }
    node[parts[parts.length - 1]] = axis.values[indices[axisIndex]];
    spans.set(axis.path, axis.valueSpans[indices[axisIndex]]);
  });
  return { values, spans, invalid: new Set() };
}

/**
 * Expands a valid grid: every condition × every grid point, in that order (conditions in file order,
 * then the points with the last grid key changing fastest), each point merged over its condition.
 * Adds a problem and returns undefined when a condition sets a key the grid varies, when the
 * expansion would exceed the limit on conditions (checked before anything is allocated), or when a
 * name would be too long for a folder. `named` is false when the only condition is `default`.
 */
function expandGrid(
  problems: ProblemList,
  grid: GridRead,
  conditions: readonly ConditionRead[],
  named: boolean,
): { axes: GridAxis[]; conditions: ExpandedCondition[] } | undefined {
  if (!grid.valid || grid.axes.length === 0) return undefined;
  const { schema } = grid;

  // Whether the grid or the condition should win is a guess either way: ask for one place.
  const { exclusive } = targetPaths(schema.target);
  let conflict = false;
  for (const condition of conditions) {
    for (const axis of grid.axes) {
      const partners = exclusive.flatMap(([first, second]) => (first === axis.path ? [second] : second === axis.path ? [first] : []));
      for (const path of [axis.path, ...partners]) {
        const span = condition.own?.spans.get(path);
        if (!span) continue;
        conflict = true;
        problems.add(
          span,
          path === axis.path
            ? `Condition "${condition.name}" sets "${path}", which the grid varies: set it in one place.`
            : `Condition "${condition.name}" sets "${path}" and the grid varies "${axis.path}": give one of them, not both.`,
        );
      }
    }
  }
  if (conflict) return undefined;

  const counts = grid.axes.map((axis) => axis.values.length);
  const pointCount = gridPointCount(grid.axes);
  const total = pointCount * conditions.length;
  if (total > schema.maxConditions) {
    // A product past 2^53 is no longer exact: say its size, not a misleading count.
    const count = (value: number) => (Number.isSafeInteger(value) ? String(value) : `about ${value.toPrecision(2)}`);
    const points = counts.length > 1 ? `${counts.join(' × ')} = ${count(pointCount)} points` : `${count(pointCount)} points`;
    problems.add(
      grid.keySpan,
      named
        ? `The grid has ${points}, which with ${conditions.length} conditions make ${count(total)}; an experiment may have at most ${schema.maxConditions} conditions ${limitNote}.`
        : `The grid has ${points}; an experiment may have at most ${schema.maxConditions} conditions ${limitNote}.`,
    );
    return undefined;
  }

  const labels = gridAxisLabels(grid.axes.map((axis) => axis.path));
  const points = gridPointIndices(counts);
  const expanded: ExpandedCondition[] = [];
  let longest = '';
  for (const condition of conditions) {
    for (const indices of points) {
      const values = indices.map((valueIndex, axisIndex) => grid.axes[axisIndex].values[valueIndex]);
      const pointName = gridPointName(labels, values);
      const name = named ? conditionGridPointName(condition.name, pointName) : pointName;
      if (name.length > longest.length) longest = name;
      const gridPoint: Record<string, GridValue> = {};
      grid.axes.forEach((axis, axisIndex) => {
        gridPoint[axis.path] = values[axisIndex];
      });
      expanded.push({
        name,
        read: mergeOverride(schema.target, condition.read, gridPointRead(grid.axes, indices)),
        gridPoint,
        ...(named ? { baseCondition: condition.name } : {}),
      });
    }
  }
  if (longest.length > nameRule.maxLength) {
    problems.add(
      grid.keySpan,
      `The grid's condition names would be up to ${longest.length} characters long ("${longest}"); names become folder names of at most ${nameRule.maxLength} characters: vary fewer keys${named ? ' or shorten the condition names' : ''}.`,
    );
    return undefined;
  }
  return { axes: grid.axes.map((axis, index) => ({ path: axis.path, label: labels[index], values: [...axis.values] })), conditions: expanded };
}

/** One line for a terminal or a log: `file:line:column: message`. */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}:${problem.position.line}:${problem.position.column}: ${problem.message}`;
}
