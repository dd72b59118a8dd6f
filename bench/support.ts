// Helpers shared by the TypeScript bench scripts (engineEpoch.ts, studyRow.ts, theorem6.ts).
import fs from 'node:fs';

import { median as medianOrNull } from '../src/shared/statistics';

/** The median of timings (the project's median, src/shared/statistics.ts); NaN for none. */
export function median(values: readonly number[]): number {
  return medianOrNull(values) ?? Number.NaN;
}

/** The 1-minute load average, or undefined where /proc/loadavg does not exist. */
export function loadAverage(): number | undefined {
  try {
    return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}
