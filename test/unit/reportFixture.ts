/** The report tests' fixture run (test/fixtures/report/generate.mjs) and a way to change a copy of it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The experiment folder of the fixture: it holds one run. */
export const FIXTURE_EXPERIMENT = path.resolve(__dirname, '..', 'fixtures', 'report', 'runs', 'fixture');
/** The fixture run folder. */
export const FIXTURE_RUN = path.join(FIXTURE_EXPERIMENT, '2026-01-02T03-04-05Z-abcd');

/** A copy of the fixture run in a new temporary folder (`<tmp>/fixture/<run id>`), to change. */
export function copyFixture(): { experiment: string; run: string } {
  const experiment = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-report-')), 'fixture');
  const run = path.join(experiment, path.basename(FIXTURE_RUN));
  fs.cpSync(FIXTURE_RUN, run, { recursive: true });
  return { experiment, run };
}
