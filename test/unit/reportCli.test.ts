// `grokking-lab report` through the real CLI bundle (dist/cli.js, built by `npm test`'s pretest
// step) in a child process, on the fixture run: the terminal tables, --markdown, --json, --html, and
// the one-line errors with exit code 2.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderReportMarkdown } from '../../src/shared/report/markdown';
import type { RunReport } from '../../src/shared/report/model';
import { reportDocument } from '../../src/shared/report/tables';
import { readRunReport } from '../../src/runs/runReport';
import { FIXTURE_EXPERIMENT, FIXTURE_RUN, copyFixture } from './reportFixture';

const cli = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');

function report(args: string[], cwd = os.tmpdir()) {
  assert.ok(fs.existsSync(cli), `${cli} is missing: run npm run build`);
  return spawnSync(process.execPath, [cli, 'report', ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
}

function assertOneLineError(result: ReturnType<typeof report>, message: string): void {
  assert.equal(result.status, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, `grokking-lab: ${message}\n`);
}

describe('grokking-lab report', () => {
  it('prints the tables in the terminal', () => {
    const result = report([FIXTURE_RUN]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], 'Grokking Lab report: fixture');
    assert.ok(lines.includes('Lock-in detector and grokking'));
    assert.ok(lines.includes(`grok         3/3${' '.repeat(19)}12${' '.repeat(11)}11.5–13${' '.repeat(15)}2/3${' '.repeat(27)}−6${' '.repeat(11)}−7 to −5${' '.repeat(20)}30.00     25.00–35.00`), result.stdout);
    assert.ok(lines.some((line) => line.startsWith('control            10      3  not applicable (η = 0)')), result.stdout);
    assert.ok(lines.includes('grok ÷ control           7.50×'));
  });

  it('prints the report’s JSON, the same as the library computes', () => {
    const result = report([FIXTURE_RUN, '--json']);
    assert.equal(result.status, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as RunReport;
    assert.deepEqual(printed, JSON.parse(JSON.stringify(readRunReport(FIXTURE_RUN))));
    assert.equal(printed.conditions[0].detectorEpoch.median, 12);
    assert.deepEqual(printed.conditions[1].repulsion[0], { epoch: 10, applicable: false, seedCount: 3, reason: 'weight decay is 0, so B = (F̃ᵀF̃ + ηI)⁻¹ is singular' });
  });

  it('prints Markdown', () => {
    const result = report([FIXTURE_RUN, '--markdown']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, renderReportMarkdown(reportDocument(readRunReport(FIXTURE_RUN))));
    assert.ok(result.stdout.includes('| grok ÷ control | 7.50× |'));
  });

  it('reports the newest run of an experiment folder and says so on stderr', () => {
    const result = report([FIXTURE_EXPERIMENT, '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, `${FIXTURE_EXPERIMENT} is an experiment folder; reporting its run 2026-01-02T03-04-05Z-abcd.\n`);
    assert.equal((JSON.parse(result.stdout) as RunReport).run.runId, '2026-01-02T03-04-05Z-abcd');
  });

  it('writes the HTML report with --html and still prints the tables', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-report-html-'));
    const file = path.join(folder, 'report.html');
    const result = report([FIXTURE_RUN, '--html', file]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, `HTML report written to ${file}\n`);
    assert.ok(result.stdout.startsWith('Grokking Lab report: fixture\n'));
    const html = fs.readFileSync(file, 'utf8');
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.ok(html.includes('<table data-table="repulsion">'));
    // Plotly is inlined (its bundle is several megabytes), nothing is referenced by URL.
    assert.ok(html.length > 3_000_000, `${html.length} characters`);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/i);
    assert.deepEqual(
      fs.readdirSync(folder),
      ['report.html'],
    );
  });

  it('says in one line that a run folder is missing, naming it (exit 2)', () => {
    assertOneLineError(report(['nowhere/at/all']), 'nowhere/at/all: no such folder.');
  });

  it('says what to pass for a runs folder (exit 2)', () => {
    const { experiment, run } = copyFixture();
    const runs = path.dirname(experiment);
    assertOneLineError(report([runs]), `${runs} is a runs folder (experiments: fixture); pass a run folder such as ${run}.`);
  });

  it('rejects a bad command line in one line (exit 2)', () => {
    assertOneLineError(report([]), 'report needs a run folder (<runs folder>/<experiment>/<run id>).');
    assertOneLineError(report([FIXTURE_RUN, '--json', '--markdown']), 'report: choose one of --json and --markdown.');
    assertOneLineError(report([FIXTURE_RUN, '--html']), '--html needs a file to write, e.g. --html report.html.');
    assertOneLineError(report([FIXTURE_RUN, '--pdf']), 'report: unknown option --pdf. See grokking-lab --help.');
    assertOneLineError(report([FIXTURE_RUN, FIXTURE_EXPERIMENT]), 'report takes one run folder.');
  });

  it('says in one line that the HTML file cannot be written (exit 2)', () => {
    const file = path.join(os.tmpdir(), 'no-such-folder-for-grokking', 'report.html');
    assertOneLineError(report([FIXTURE_RUN, '--html', file]), `${file}: cannot write it (its folder does not exist).`);
  });

  it('is in the usage text', () => {
    const result = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    assert.equal(result.status, 0);
    assert.match(result.stdout, /grokking-lab report RUN_DIR \[options\]/);
    assert.match(result.stdout, /--html FILE/);
    assert.match(result.stdout, /--markdown/);
    assert.match(result.stdout, /--json/);
  });
});
