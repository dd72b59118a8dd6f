/** Plain-text tables and number formatting for the terminal. */

export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential(digits - 1);
  return value.toFixed(digits);
}

/** How a column's cells are aligned. */
export type ColumnAlignment = 'left' | 'right';

/** Aligns each column as `aligns` says; by default the first column left, the others right (numbers). */
export function renderTable(header: string[], rows: string[][], aligns?: readonly ColumnAlignment[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const alignOf = (column: number): ColumnAlignment => aligns?.[column] ?? (column === 0 ? 'left' : 'right');
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (alignOf(column) === 'left' ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}
