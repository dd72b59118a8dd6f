/**
 * The experiment-file parser: `*.grok.yaml` text → resolved experiments, or problems with their
 * line and column. The only path from untrusted YAML to a RunConfig (architecture.md: config is
 * validated at the boundary).
 *
 * Stages: (1) YAML with positions (the `yaml` package's Document and LineCounter); syntax errors
 * stop here. (2) A walk of the Document along the schema description (./schema.ts): types, bounds,
 * enums, unknown keys, names. (3) Per condition, a deep merge of the condition over the experiment's
 * base, defaults filled in (./defaults.ts), and the checks that involve several keys (training set
 * smaller than modulus², checkpoints within the run). Every problem of the file is collected; an
 * experiment with any problem is left out of the result.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { canonicalJson, sha256Hex } from '../hash';
import { defaultEpochs, defaultLi2Checkpoints, defaultRepulsionCheckpoints, defaults } from './defaults';
import {
  conditionSchema,
  experimentSchema,
  fileSchema,
  type ExperimentInput,
  type MapSchema,
  type ObjectSchema,
  type RunConfigInput,
  type SchemaNode,
} from './schema';
import type { ConfigProblem, ResolvedCondition, ResolvedExperiment, RunConfig } from './types';

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

type PlainValue = number | string | boolean | number[] | PlainObject;
interface PlainObject {
  [key: string]: PlainValue;
}

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

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

/** Levenshtein distance between two strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidate closest to `word` by edit distance, ignoring letter case, `_` and `-`
 * (so `weight_decay` suggests `weightDecay`), if it is close enough to be a likely typo.
 */
function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const normalise = (text: string) => text.toLowerCase().replace(/[-_\s]/g, '');
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(normalise(word), normalise(candidate));
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
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
      case 'string':
        return isScalar(node) && typeof node.value === 'string' ? node.value : mismatch();
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
        const numbers: number[] = [];
        const seen = new Set<number>();
        let valid = true;
        node.items.forEach((item, index) => {
          const itemPath = joinPath(path, String(index));
          const value = this.read(schema.items, item, itemPath, `Entry ${index + 1} of ${subject}`, span);
          if (typeof value !== 'number') {
            valid = false;
          } else if (schema.unique && seen.has(value)) {
            valid = false;
            this.fail(itemPath, this.result.spans.get(itemPath) ?? span, `${subject} lists ${value} twice.`);
          } else {
            seen.add(value);
            numbers.push(value);
          }
        });
        if (!valid) {
          this.result.invalid.add(path);
          return undefined;
        }
        return numbers;
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
 * Fills in the defaults of a merged condition and checks what involves several keys. Returns the
 * RunConfig (new arrays throughout) and the issues; does not mutate `merged`.
 */
function resolveRunConfig(merged: ReadConfig): { config: RunConfig; issues: Issue[] } {
  // The walk only kept values that match the schema, and the schema's keys and kinds are checked
  // against RunConfigInput at compile time (schema.ts, propertiesOf).
  const input = merged.values as DeepPartial<RunConfigInput>;
  const { spans, invalid } = merged;
  const issues: Issue[] = [];
  const report = (path: string, message: string) => {
    const span = spans.get(path);
    if (span) issues.push({ span, message });
  };
  const involvesInvalid = (...paths: string[]) => paths.some((path) => invalid.has(path));

  const task = input.task ?? {};
  const modulus = task.modulus ?? defaults.task.modulus;
  const pairCount = modulus * modulus;
  let trainSize: number = defaults.task.trainSize;
  if (task.trainFraction !== undefined) {
    trainSize = Math.round(task.trainFraction * pairCount);
    if ((trainSize < 1 || trainSize >= pairCount) && !involvesInvalid('task.modulus')) {
      report(
        'task.trainFraction',
        `"trainFraction" ${task.trainFraction} gives round(${task.trainFraction} × ${pairCount}) = ${trainSize} training pairs out of modulus² = ${pairCount}; ` +
          (trainSize < 1 ? 'there would be none.' : 'the test set would be empty.'),
      );
    }
  } else if (task.trainSize !== undefined) {
    trainSize = task.trainSize;
    if (trainSize >= pairCount && !involvesInvalid('task.modulus')) {
      report('task.trainSize', `"trainSize" must be less than modulus² = ${pairCount} so that the test set is not empty, got ${trainSize}.`);
    }
  } else if (trainSize >= pairCount && !involvesInvalid('task.trainSize', 'task.trainFraction')) {
    report(
      'task.modulus',
      `The default "trainSize" ${trainSize} needs modulus² > ${trainSize}, but modulus ${modulus} gives ${pairCount} pairs: give "trainSize" or "trainFraction".`,
    );
  }

  const activation = input.model?.activation ?? defaults.model.activation;
  const epochs = input.epochs ?? defaultEpochs(activation);
  const checkWithinRun = (path: string, checkpoints: readonly number[]) => {
    if (involvesInvalid('epochs')) return;
    checkpoints.forEach((checkpoint, index) => {
      if (checkpoint > epochs) {
        report(`${path}.${index}`, `Checkpoint ${checkpoint} is after epoch ${epochs}, the last of the run.`);
      }
    });
  };
  const sortedCopy = (values: readonly number[]) => [...values].sort((a, b) => a - b);

  const eigengap = input.diagnostics?.eigengap ?? {};
  const repulsion = input.diagnostics?.repulsion ?? {};
  const spectralEdge = input.diagnostics?.spectralEdge ?? {};
  const li2 = input.diagnostics?.li2 ?? {};
  if (repulsion.checkpoints) checkWithinRun('diagnostics.repulsion.checkpoints', repulsion.checkpoints);
  if (li2.checkpoints) checkWithinRun('diagnostics.li2.checkpoints', li2.checkpoints);
  const repulsionCheckpoints = repulsion.checkpoints ? sortedCopy(repulsion.checkpoints) : defaultRepulsionCheckpoints(epochs);
  const li2Checkpoints = li2.checkpoints ? sortedCopy(li2.checkpoints) : defaultLi2Checkpoints(repulsionCheckpoints, epochs);

  const optimizer = input.optimizer ?? {};
  const detector = eigengap.detector ?? {};
  const config: RunConfig = {
    task: {
      operation: task.operation ?? defaults.task.operation,
      modulus,
      trainSize,
    },
    model: {
      hidden: input.model?.hidden ?? defaults.model.hidden,
      activation,
    },
    loss: input.loss ?? defaults.loss,
    optimizer: {
      name: optimizer.name ?? defaults.optimizer.name,
      lr: optimizer.lr ?? defaults.optimizer.lr,
      weightDecay: optimizer.weightDecay ?? defaults.optimizer.weightDecay,
      betas: [...(optimizer.betas ?? defaults.optimizer.betas)] as [number, number],
      eps: optimizer.eps ?? defaults.optimizer.eps,
      momentum: optimizer.momentum ?? defaults.optimizer.momentum,
    },
    epochs,
    diagnostics: {
      eigengap: {
        window: eigengap.window ?? defaults.diagnostics.eigengap.window,
        detector: {
          lag: detector.lag ?? defaults.diagnostics.eigengap.detector.lag,
          threshold: detector.threshold ?? defaults.diagnostics.eigengap.detector.threshold,
          warmup: detector.warmup ?? defaults.diagnostics.eigengap.detector.warmup,
        },
        lateStage: [...(eigengap.lateStage ?? defaults.diagnostics.eigengap.lateStage)] as [number, number],
      },
      repulsion: {
        checkpoints: repulsionCheckpoints,
        pairs: repulsion.pairs ?? defaults.diagnostics.repulsion.pairs,
      },
      spectralEdge: {
        enabled: spectralEdge.enabled ?? defaults.diagnostics.spectralEdge.enabled,
        window: spectralEdge.window ?? defaults.diagnostics.spectralEdge.window,
      },
      li2: {
        enabled: li2.enabled ?? defaults.diagnostics.li2.enabled,
        checkpoints: li2Checkpoints,
      },
    },
    engine: {
      name: input.engine?.name ?? defaults.engine.name,
      threads: input.engine?.threads ?? defaults.engine.threads,
    },
  };
  return { config, issues };
}

/** Seeds as written (a count N → 0 … N−1, or a list kept in its order); the default is seed 0. */
function resolveSeeds(seeds: number | number[] | undefined): number[] {
  if (seeds === undefined) seeds = defaults.seedCount;
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

/**
 * Parses and validates one experiment file. `file` is only used to label the problems (any path
 * the caller likes); `text` is the file's content. Pure: reads nothing, mutates nothing.
 *
 * Returns the experiments that have no problem, resolved (seeds expanded; one RunConfig per
 * condition, or one condition `default`), and every problem of the file with its 1-based line and
 * column (columns count UTF-16 code units, as editors do). After a YAML syntax error only the
 * syntax problems are reported.
 */
export function parseExperimentFile(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems = new ProblemList();
  for (const error of [...document.errors, ...document.warnings]) {
    problems.add([error.pos[0], error.pos[1]], syntaxMessage(error.code, error.message));
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
  const conditions = conditionEntries.map((condition) => {
    const reader = new SchemaReader(document, problems, {
      rootName: `condition "${condition.name}"`,
      suffix: ` of condition "${condition.name}"`,
    });
    reader.readRoot(conditionSchema, condition.node, `Condition "${condition.name}"`, condition.keySpan);
    return { name: condition.name, read: mergeOverride(conditionSchema, base, reader.result) };
  });
  if (conditionEntries.length === 0) conditions.push({ name: 'default', read: base });

  // Several conditions may hit the same problem in the base (same place, same sentence): report it
  // once, and name the conditions only when not all of them have it.
  const issuesByKey = new Map<string, { issue: Issue; conditions: string[] }>();
  const resolved: ResolvedCondition[] = conditions.map(({ name, read }) => {
    const { config, issues } = resolveRunConfig(read);
    for (const issue of issues) {
      const key = `${issue.span[0]}:${issue.span[1]}:${issue.message}`;
      const seen = issuesByKey.get(key) ?? { issue, conditions: [] };
      seen.conditions.push(name);
      issuesByKey.set(key, seen);
    }
    return { name, config, configHash: configHash(config) };
  });
  for (const { issue, conditions: affected } of issuesByKey.values()) {
    const qualifier =
      conditionEntries.length === 0 || affected.length === conditions.length
        ? ''
        : ` (in ${affected.length === 1 ? 'condition' : 'conditions'} ${affected.map((name) => `"${name}"`).join(', ')})`;
    problems.add(issue.span, issue.message.replace(/\.$/, `${qualifier}.`));
  }

  if (problems.count > before) return undefined;
  return {
    name: entry.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    seeds: resolveSeeds(input.seeds),
    conditions: resolved,
  };
}

/** One line for a terminal or a log: `file:line:column: message`. */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}:${problem.position.line}:${problem.position.column}: ${problem.message}`;
}
