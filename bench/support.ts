// Helpers shared by the TypeScript bench scripts (engineEpoch.ts, studyRow.ts, theorem6.ts).
import fs from 'node:fs';

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The 1-minute load average, or undefined where /proc/loadavg does not exist. */
export function loadAverage(): number | undefined {
  try {
    return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}
