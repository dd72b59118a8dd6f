/**
 * Live progress of a run in the terminal. On a TTY: one line per seed (epoch, or step for a
 * Transformer, accuracies, gap, detector state), redrawn at most 5 times a second, with notes above.
 * Otherwise (CI, pipes): one line per note and per seed start/finish, so logs stay readable.
 */
import type { SeedStatus } from '../shared/runFormat';
import { type RunTimeUnit, timeWords } from '../shared/timeUnit';
import { formatNumber } from './table';

export interface SeedProgress {
  condition: string;
  seed: number;
  status: SeedStatus;
  /** The last row written: an epoch, or a step (`timeUnit`); −1 before the first. */
  epoch: number;
  epochs: number;
  /** What the seed's rows count: its condition's unit (src/shared/timeUnit.ts). */
  timeUnit: RunTimeUnit;
  engine?: string;
  trainAcc?: number;
  testAcc?: number;
  gap23?: number;
  detectorEpoch?: number;
  grokEpoch?: number;
  message?: string;
}

const REDRAW_INTERVAL_MS = 200;

export class ProgressDisplay {
  private drawnLines = 0;
  private lastDraw = 0;
  private pendingDraw?: NodeJS.Timeout;
  private readonly reportedStatus = new Map<SeedProgress, SeedStatus>();

  constructor(
    private readonly seeds: SeedProgress[],
    private readonly options: { quiet: boolean; interactive: boolean; header: string },
  ) {
    if (!options.quiet) process.stdout.write(`${options.header}\n`);
  }

  /** Prints a line above the live table (or on its own when not interactive). */
  note(text: string): void {
    if (this.options.quiet) return;
    this.erase();
    process.stdout.write(`${text}\n`);
    this.draw();
  }

  /** Prints a problem to stderr, above the live table, also with --quiet (a quiet run still says what went wrong). */
  warn(text: string): void {
    if (this.options.quiet || !this.options.interactive) {
      process.stderr.write(`${text}\n`);
      return;
    }
    this.erase();
    process.stderr.write(`${text}\n`);
    this.draw();
  }

  /** Marks the display as changed; redraws soon. */
  update(): void {
    if (this.options.quiet) return;
    if (!this.options.interactive) {
      for (const seed of this.seeds) {
        if (this.reportedStatus.get(seed) !== seed.status) {
          this.reportedStatus.set(seed, seed.status);
          if (seed.status !== 'queued') process.stdout.write(`${this.describe(seed)}\n`);
        }
      }
      return;
    }
    const wait = REDRAW_INTERVAL_MS - (Date.now() - this.lastDraw);
    if (wait <= 0) {
      this.erase();
      this.draw();
    } else if (!this.pendingDraw) {
      this.pendingDraw = setTimeout(() => {
        this.pendingDraw = undefined;
        this.erase();
        this.draw();
      }, wait);
    }
  }

  finish(): void {
    clearTimeout(this.pendingDraw);
    if (this.options.quiet || !this.options.interactive) return;
    this.erase();
    this.draw();
  }

  private describe(seed: SeedProgress): string {
    return describeSeedProgress(seed);
  }

  private draw(): void {
    if (!this.options.interactive) return;
    const columns = process.stdout.columns || 120;
    const lines = this.seeds.map((seed) => this.describe(seed).slice(0, columns - 1));
    process.stdout.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
    this.lastDraw = Date.now();
  }

  private erase(): void {
    if (!this.options.interactive || this.drawnLines === 0) return;
    process.stdout.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }
}

/**
 * One seed's progress line: "grok/seed-0  running  epoch  120/400  train 1.000 test 0.412  λ₂/λ₃ 3.10",
 * "step 1200/10000" for a Transformer; `fired@` and `grokked@` (test accuracy ≥ 0.99) at the seed's epoch or step.
 */
export function describeSeedProgress(seed: SeedProgress): string {
  const name = `${seed.condition}/seed-${seed.seed}`.padEnd(20);
  const word = timeWords(seed.timeUnit).singular;
  const time = seed.epoch >= 0 ? `${word} ${String(seed.epoch).padStart(String(seed.epochs).length)}/${seed.epochs}` : ''.padEnd(word.length + 2 + 2 * String(seed.epochs).length);
  const accuracy = seed.testAcc === undefined ? '' : `train ${formatNumber(seed.trainAcc, 3)} test ${formatNumber(seed.testAcc, 3)}`;
  const gap = seed.gap23 === undefined ? '' : `λ₂/λ₃ ${formatNumber(seed.gap23, 2)}`;
  const detector = seed.detectorEpoch === undefined ? '' : `fired@${seed.detectorEpoch}`;
  const grok = seed.grokEpoch === undefined ? '' : `grokked@${seed.grokEpoch}`;
  const message = seed.message && seed.status !== 'completed' ? `— ${seed.message}` : '';
  return [name, seed.status.padEnd(9), time, accuracy, gap, detector, grok, message].filter(Boolean).join('  ');
}
