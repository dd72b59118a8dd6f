// Helpers shared by the experiment-file tests (config, grid, §8 config).
import { formatProblem } from '../../src/shared/config/parse';
import type { ConfigProblem } from '../../src/shared/config/types';

/** A YAML text from its lines, so that line numbers in the tests are the array positions + 1. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** The problems as the CLI prints them, one per line, for assertion messages. */
export function listProblems(problems: ConfigProblem[]): string {
  return problems.map(formatProblem).join('\n') || '(none)';
}
