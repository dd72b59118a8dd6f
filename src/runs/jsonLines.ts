/**
 * Incremental decoding of a JSON-lines file that another process is appending to: feed it the
 * bytes appended since the last read (as text) and get the complete lines parsed. A line without
 * its newline yet is kept until the rest arrives; a malformed complete line (a writer killed
 * mid-line, then restarted) is skipped, like src/runs/runFolder.ts's parseJsonLines. Pure.
 */
export class JsonLinesDecoder<T> {
  private partial = '';
  private skipped = 0;

  /** Parses the complete lines of `text` (appended after what was pushed before). */
  push(text: string): T[] {
    const combined = this.partial + text;
    const lastNewline = combined.lastIndexOf('\n');
    if (lastNewline < 0) {
      this.partial = combined;
      return [];
    }
    this.partial = combined.slice(lastNewline + 1);
    const rows: T[] = [];
    for (const line of combined.slice(0, lastNewline).split('\n')) {
      if (line.trim() === '') continue;
      try {
        rows.push(JSON.parse(line) as T);
      } catch {
        this.skipped += 1;
      }
    }
    return rows;
  }

  /** Number of complete lines that were not valid JSON. */
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
}
