/**
 * The one reader of JSON-lines files (docs/run-format.md: rows and events), for whole files and
 * for files another process is appending to. A line is a row when it parses as JSON and the
 * caller's check accepts it; anything else — a line cut short by a killed writer, garbage, a
 * number JSON cannot carry (`1e999` parses as Infinity) — is skipped and counted, so that viewers
 * can say how much they could not read instead of hiding it. Pure.
 */

/** Whether a parsed line is a row worth keeping. */
export type RowCheck<T> = (row: unknown) => row is T;

/** Whether a value holds only finite numbers (NaN and ±Infinity cannot come from JSON.stringify, so they mean a damaged file). */
export function hasOnlyFiniteNumbers(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(hasOnlyFiniteNumbers);
  if (typeof value === 'object' && value !== null) return Object.values(value).every(hasOnlyFiniteNumbers);
  return true;
}

/** The default check: a JSON object with only finite numbers. */
export function isJsonObject(row: unknown): row is Record<string, unknown> {
  return typeof row === 'object' && row !== null && !Array.isArray(row) && hasOnlyFiniteNumbers(row);
}

/**
 * Incremental decoding of a JSON-lines file: push the text appended since the last push and get
 * the complete lines' rows. A line without its newline yet is kept until the rest arrives.
 */
export class JsonLinesDecoder<T> {
  private partial = '';
  private skipped = 0;

  constructor(private readonly check: RowCheck<T> = isJsonObject as RowCheck<T>) {}

  /** Parses the complete lines of `text` (appended after what was pushed before). */
  push(text: string): T[] {
    const combined = this.partial + text;
    const lastNewline = combined.lastIndexOf('\n');
    if (lastNewline < 0) {
      this.partial = combined;
      return [];
    }
    this.partial = combined.slice(lastNewline + 1);
    return this.decodeLines(combined.slice(0, lastNewline));
  }

  /**
   * The rows of the pending last line, for a file that is read whole: a complete row whose newline
   * is missing counts; a line cut short counts as skipped. Forgets the pending text.
   */
  finish(): T[] {
    const pending = this.partial;
    this.partial = '';
    return this.decodeLines(pending);
  }

  /** Number of lines that were not rows (not JSON, or refused by the check). */
  get skippedLines(): number {
    return this.skipped;
  }

  /** Text received after the last newline (a line still being written). */
  get pendingText(): string {
    return this.partial;
  }

  /** Forgets the pending partial line (the file was truncated or replaced). */
  reset(): void {
    this.partial = '';
  }

  private decodeLines(text: string): T[] {
    const rows: T[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        this.skipped += 1;
        continue;
      }
      if (this.check(row)) rows.push(row);
      else this.skipped += 1;
    }
    return rows;
  }
}

/** The rows of a whole JSON-lines text, and how many lines were skipped. */
export function decodeJsonLines<T>(text: string, check: RowCheck<T> = isJsonObject as RowCheck<T>): { rows: T[]; skipped: number } {
  const decoder = new JsonLinesDecoder<T>(check);
  const rows = [...decoder.push(text), ...decoder.finish()];
  return { rows, skipped: decoder.skippedLines };
}

/** The rows of a whole JSON-lines text (skipped lines dropped). */
export function parseJsonLines<T>(text: string, check?: RowCheck<T>): T[] {
  return decodeJsonLines(text, check).rows;
}
