/**
 * "Export Run (CSV/JSON)": every seed's epoch rows of a run in one file (docs/product.md §3.4,
 * "export everything at once"). CSV has one row per (condition, seed, epoch) with list fields
 * spread over numbered columns (`eigenvalues.1` … `eigenvalues.5`), for pandas, R or a
 * spreadsheet; JSON keeps everything of the run folder: manifest, summary, events and rows. Pure.
 */
import type { EpochRecord, RunEvent, RunManifest, RunSummary, SeedStatus } from '../../shared/runFormat';

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

/**
 * The rows of every seed as CSV (RFC 4180: comma-separated, CRLF-free `\n` lines, quoted when
 * needed). Columns: `condition`, `seed`, the scalar fields ({@link LEADING_FIELDS} first), then
 * each list field spread over `name.1`…`name.n` with n its longest length. Missing and non-finite
 * values are empty cells.
 */
export function recordsToCsv(seeds: readonly ExportedSeed[]): string {
  const scalarFields = new Set<string>();
  const listLengths = new Map<string, number>();
  for (const { records } of seeds) {
    for (const record of records) {
      for (const [key, value] of Object.entries(record)) {
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
    ...scalars,
    ...lists.flatMap((list) => Array.from({ length: listLengths.get(list) ?? 0 }, (_, index) => `${list}.${index + 1}`)),
  ];
  const lines = [header.map(csvCell).join(',')];
  for (const { condition, seed, records } of seeds) {
    for (const record of records) {
      const fields = record as unknown as Record<string, unknown>;
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
