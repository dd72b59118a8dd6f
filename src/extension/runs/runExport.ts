/**
 * "Export Run (CSV/JSON)": every seed's epoch rows of a run in one file (docs/product.md §3.4,
 * "export everything at once"). CSV has one row per (condition, seed, epoch) with list fields
 * spread over numbered columns (`eigenvalues.1` … `eigenvalues.5`) and a multitask Transformer's
 * heads over named ones (`operations.add.testAcc`), its time column named as the run counts
 * (`epoch`, or `step` for a Transformer run, src/shared/timeUnit.ts), for pandas, R or a
 * spreadsheet; JSON keeps everything of the run folder: manifest, summary, events and rows. Pure.
 */
import type { EpochRecord, RunEvent, RunManifest, RunSummary, SeedStatus } from '../../shared/runFormat';
import { type RunTimeUnit, timeWords } from '../../shared/timeUnit';

/** One seed's rows, as read from `<condition>/seed-<n>.jsonl`. */
export interface ExportedSeed {
  condition: string;
  seed: number;
  /** From the seed's status file; absent when it has none. */
  status?: SeedStatus;
  records: readonly EpochRecord[];
}

/** The JSON export of a run. */
export interface RunExport {
  /** Version of this export's shape. */
  exportVersion: 1;
  manifest: RunManifest | null;
  summary: RunSummary | null;
  events: readonly RunEvent[];
  seeds: readonly ExportedSeed[];
}

/** Record fields in the order CSV columns show them first; any other field follows, sorted by name. */
const LEADING_FIELDS = ['epoch', 'trainLoss', 'trainAcc', 'testLoss', 'testAcc', 'gap23', 'gapSlope', 'weightNorm'];

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The metrics of a head in a multitask row (src/shared/runFormat.ts OperationMetrics), in column order. */
const OPERATION_FIELDS = ['trainLoss', 'trainAcc', 'testLoss', 'testAcc'] as const;

/**
 * A row's fields as CSV cells: a multitask Transformer's `operations` become one scalar field per
 * head and metric (`operations.add.testAcc`), so that no cell holds an object.
 */
function flatFields(record: EpochRecord): Record<string, unknown> {
  const { operations, ...fields } = record as EpochRecord & Record<string, unknown>;
  if (!Array.isArray(operations)) return fields;
  const flat: Record<string, unknown> = { ...fields };
  for (const head of operations) for (const field of OPERATION_FIELDS) flat[`operations.${head.operation}.${field}`] = head[field];
  return flat;
}

/**
 * The rows of every seed as CSV (RFC 4180: comma-separated, CRLF-free `\n` lines, quoted when
 * needed). Columns: `condition`, `seed`, the scalar fields ({@link LEADING_FIELDS} first, the row's
 * time named by `timeUnit`: `epoch`, `step`, or `epoch/step` for a run of both), then each list field
 * spread over `name.1`…`name.n` with n its longest length. Missing and non-finite values are empty cells.
 */
export function recordsToCsv(seeds: readonly ExportedSeed[], timeUnit: RunTimeUnit): string {
  const scalarFields = new Set<string>();
  const listLengths = new Map<string, number>();
  for (const { records } of seeds) {
    for (const record of records) {
      for (const [key, value] of Object.entries(flatFields(record))) {
        if (Array.isArray(value)) listLengths.set(key, Math.max(listLengths.get(key) ?? 0, value.length));
        else if (typeof value !== 'object' || value === null) scalarFields.add(key);
      }
    }
  }
  const leading = LEADING_FIELDS.filter((field) => scalarFields.has(field));
  const rest = [...scalarFields].filter((field) => !LEADING_FIELDS.includes(field)).sort();
  const scalars = [...leading, ...rest];
  const lists = [...listLengths.keys()].sort();
  const header = [
    'condition',
    'seed',
    ...scalars.map((field) => (field === 'epoch' ? timeWords(timeUnit).singular : field)),
    ...lists.flatMap((list) => Array.from({ length: listLengths.get(list) ?? 0 }, (_, index) => `${list}.${index + 1}`)),
  ];
  const lines = [header.map(csvCell).join(',')];
  for (const { condition, seed, records } of seeds) {
    for (const record of records) {
      const fields = flatFields(record);
      const cells = [
        condition,
        seed,
        ...scalars.map((field) => fields[field]),
        ...lists.flatMap((list) => {
          const values = Array.isArray(fields[list]) ? (fields[list] as unknown[]) : [];
          return Array.from({ length: listLengths.get(list) ?? 0 }, (_, index) => values[index]);
        }),
      ];
      lines.push(cells.map(csvCell).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The JSON export of a run, pretty-printed. */
export function runToJson(run: Omit<RunExport, 'exportVersion'>): string {
  const document: RunExport = { exportVersion: 1, ...run };
  return `${JSON.stringify(document, null, 2)}\n`;
}
