/**
 * Exports from the webview: Plotly renders a chart to a data URL and the summary tables become
 * CSV; both go to the host as a `saveFile` message (a webview cannot write files or trigger
 * downloads: microsoft/vscode-tensorboard#23), and the host shows a save dialog. Pure.
 */
import type { SaveFileMessage } from '../shared/protocol/webview';
import type { ColumnTitle, ConditionColumn, SeedColumn, SummaryTables } from '../shared/dashboard/summaryTable';
import { CONDITION_COLUMNS, SEED_COLUMNS, columnTitles } from '../shared/dashboard/summaryTable';
import { type TimeWords, combineTimeUnits, timeWords } from '../shared/timeUnit';

/** Image formats of the per-chart export buttons. */
export type ImageFormat = 'png' | 'svg';

/**
 * A file name for the save dialog from words like ["quickstart", "Eigengap λ₂/λ₃"] and an
 * extension: joined with " - ", without path separators, control characters or "..", at most 120
 * characters before the extension (the protocol refuses anything else).
 */
export function exportFileName(parts: readonly string[], extension: 'png' | 'svg' | 'csv'): string {
  const cleaned = parts
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed here
    .map((part) => part.replace(/[/\\\u0000-\u001f:*?"<>|]+/g, ' ').replace(/\.{2,}/g, '.').replace(/\s+/g, ' ').trim())
    .filter((part) => part.length > 0)
    .join(' - ')
    .slice(0, 120)
    .replace(/^[.\s]+|[.\s]+$/g, '');
  return `${cleaned || 'grokking-lab'}.${extension}`;
}

/**
 * The `saveFile` message for an image Plotly rendered: `data:image/png;base64,…` becomes binary
 * content, `data:image/svg+xml,…` (URL-encoded, Plotly's SVG form) or `…;base64,…` becomes text.
 */
export function imageSaveMessage(dataUrl: string, fileName: string): SaveFileMessage {
  const comma = dataUrl.indexOf(',');
  if (!dataUrl.startsWith('data:') || comma < 0) throw new Error('Plotly did not return a data URL.');
  const header = dataUrl.slice(5, comma);
  const payload = dataUrl.slice(comma + 1);
  const base64 = header.endsWith(';base64');
  const mime = header.split(';')[0];
  if (mime === 'image/png') {
    if (!base64) throw new Error('A PNG data URL must be base64-encoded.');
    return { type: 'saveFile', fileName, mime: 'image/png', dataBase64: payload };
  }
  if (mime === 'image/svg+xml') {
    const text = base64 ? decodeBase64Utf8(payload) : decodeURIComponent(payload);
    return { type: 'saveFile', fileName, mime: 'image/svg+xml', text };
  }
  throw new Error(`Unexpected image type ${mime}.`);
}

function decodeBase64Utf8(base64: string): string {
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvNumber(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '' : String(value);
}

/** The time words of the runs exported together ("epoch/step" when some count epochs and others steps) and the column titles in them. */
function csvWords(tables: readonly SummaryTables[]): { words: TimeWords; titles: Record<SeedColumn | ConditionColumn, ColumnTitle> } {
  const words = timeWords(combineTimeUnits(tables.map((table) => table.timeUnit)));
  return { words, titles: columnTitles(words) };
}

/**
 * The per-seed table as CSV with the raw numbers (not the display strings), one row per seed, for
 * every run shown; a missing value is an empty field. The largest-gap position and its share of
 * the late-stage epochs are two columns. Column titles say epoch or step as the runs count.
 */
export function seedTableCsv(tables: readonly SummaryTables[]): string {
  const { words, titles: columns } = csvWords(tables);
  const titles = SEED_COLUMNS.flatMap((column: SeedColumn) =>
    column === 'largestGap' ? [columns.largestGap.title, `Largest-gap share of late ${words.plural}`] : [columns[column].title],
  );
  const header = ['run', ...titles];
  const rows = tables.flatMap((table) =>
    table.seeds.map((row) => {
      const { summary, rankReadings } = row;
      const values: Record<SeedColumn, string[]> = {
        condition: [row.condition],
        seed: [String(row.seed)],
        status: [summary.status],
        epoch: [csvNumber(summary.epochs)],
        memorized: [csvNumber(summary.memorizedEpoch)],
        grok50: [csvNumber(summary.grokEpoch50)],
        grok95: [csvNumber(summary.grokEpoch95)],
        grok98: [csvNumber(summary.grokEpoch98)],
        grok99: [csvNumber(summary.grokEpoch99)],
        detector: [csvNumber(summary.detectorEpoch)],
        leadLag: [csvNumber(summary.detectorLead)],
        lateGap: [csvNumber(summary.lateGap)],
        leadingRatio: [csvNumber(rankReadings.leadingRatio)],
        largestGap: [csvNumber(rankReadings.largestGapPosition), csvNumber(rankReadings.largestGapShare)],
        energyRank: [csvNumber(rankReadings.energyRank)],
        testAcc: [csvNumber(summary.finalTestAcc)],
      };
      return [table.runId, ...SEED_COLUMNS.flatMap((column) => values[column])];
    }),
  );
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/** The per-condition table as CSV (raw numbers; the IQR, and the largest-gap position with its seeds, as two columns each), for every run shown. */
export function conditionTableCsv(tables: readonly SummaryTables[]): string {
  const { words, titles: columns } = csvWords(tables);
  const titles = CONDITION_COLUMNS.flatMap((column: ConditionColumn) =>
    column === 'detectorIqr'
      ? [`Fire ${words.singular} (25th percentile)`, `Fire ${words.singular} (75th percentile)`]
      : column === 'largestGapSeeds'
        ? [columns.largestGapSeeds.title, 'Seeds at that position']
        : [columns[column].title],
  );
  const header = ['run', ...titles];
  const rows = tables.flatMap((table) =>
    table.conditions.map((row) => {
      const { summary, rankReadings } = row;
      return [
        table.runId,
        row.condition,
        `${summary.firedCount}/${summary.seedCount}`,
        csvNumber(summary.detectorEpochMedian),
        csvNumber(summary.detectorEpochIqr?.[0]),
        csvNumber(summary.detectorEpochIqr?.[1]),
        `${summary.grokkedCount}/${summary.seedCount}`,
        csvNumber(summary.grokEpoch99Median),
        csvNumber(summary.lateGapMedian),
        csvNumber(row.separation),
        csvNumber(rankReadings.leadingRatio.median),
        csvNumber(rankReadings.largestGapPosition.position),
        `${rankReadings.largestGapPosition.seeds}/${summary.seedCount}`,
        csvNumber(rankReadings.energyRank.median),
      ];
    }),
  );
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}
