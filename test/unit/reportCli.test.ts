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
import { TRANSFORMER_STEPS, writeTransformerRun } from './transformerRunFixture';
import { renderRunSummary } from '../../src/cli/summaryTable';
import { describeSeedProgress } from '../../src/cli/progress';
import { readManifest, readSummary } from '../../src/runs/runFolder';

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
    // An MLP run counts epochs, and nothing in its report says step.
    assert.ok(lines.includes('Milestones (first epoch)'));
    assert.match(result.stdout, /^Condition {2}Seed {2}Status {5}Last epoch {2}Memorised {2}Grok ≥ 0\.5 {2}Grok ≥ 0\.95 {2}Grok ≥ 0\.98 {2}Grok ≥ 0\.99/m);
    assert.doesNotMatch(result.stdout, /\bsteps?\b/i);
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

describe('grokking-lab report on a damaged run folder', () => {
  /** A real run made with settings that are not the defaults: detector threshold 0.01, late stage 10–20. */
  function makeRun(): string {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-report-damaged-'));
    fs.writeFileSync(
      path.join(directory, 'own.grok.yaml'),
      [
        'experiments:',
        '  own:',
        '    task: { modulus: 7, trainSize: 30 }',
        '    model: { hidden: 12 }',
        '    epochs: 30',
        '    seeds: [0]',
        '    diagnostics:',
        '      eigengap: { window: 5, detector: { lag: 3, threshold: 0.01, warmup: 5 }, lateStage: [10, 20] }',
        '',
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, [cli, 'run', 'own.grok.yaml', '--out', 'runs', '--quiet'], { cwd: directory, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const experimentFolder = path.join(directory, 'runs', 'own');
    return path.join(experimentFolder, fs.readdirSync(experimentFolder)[0]);
  }

  it('without run.json, uses the seeds’ assignment files for the settings; without those too, says they are unknown', () => {
    const runDirectory = makeRun();
    const intact = JSON.parse(report([runDirectory, '--json']).stdout) as RunReport;
    assert.deepEqual(intact.conditions[0].settings.detector, { threshold: 0.01, lag: 3, warmup: 5 });
    assert.deepEqual(intact.conditions[0].settings.lateStage, [10, 20]);

    fs.rmSync(path.join(runDirectory, 'run.json'));
    const fromAssignments = report([runDirectory, '--json']);
    assert.equal(fromAssignments.status, 0, fromAssignments.stderr);
    const assigned = JSON.parse(fromAssignments.stdout) as RunReport;
    assert.deepEqual(assigned.conditions[0].settings, intact.conditions[0].settings);
    assert.deepEqual(assigned.conditions[0].lateGap, intact.conditions[0].lateGap, 'the late gap over the run’s own late stage');
    assert.deepEqual(assigned.conditions[0].energyRank, intact.conditions[0].energyRank);
    assert.ok(assigned.notes.some((note) => /no readable run\.json: the settings of default come from the seeds' assignment files/.test(note)), assigned.notes.join('\n'));

    // Without summary.json too, nothing says which late stage the run used.
    fs.rmSync(path.join(runDirectory, 'default', 'seed-0.assignment.json'));
    fs.rmSync(path.join(runDirectory, 'summary.json'));
    const unknown = JSON.parse(report([runDirectory, '--json']).stdout) as RunReport;
    assert.equal(unknown.conditions[0].settings.detector, null);
    assert.equal(unknown.conditions[0].settings.lateStage, null);
    assert.equal(unknown.conditions[0].lateGap.median, null, 'no late gap over a late stage nobody knows');
    assert.equal(unknown.conditions[0].energyRank.median, null);
    assert.ok(unknown.notes.some((note) => /default has no assignment file: its detector settings and late stage are unknown/.test(note)), unknown.notes.join('\n'));
    const text = report([runDirectory]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^default\s+—\s+—\s+—\s+—\s+1\/1\s+unknown\s+unknown$/m);
  });

  it('counts and names the lines it could not read, and a non-finite number does not count as a value', () => {
    const runDirectory = makeRun();
    const rowsFile = path.join(runDirectory, 'default', 'seed-0.jsonl');
    const rows = fs.readFileSync(rowsFile, 'utf8').trimEnd().split('\n');
    const clean = JSON.parse(report([runDirectory, '--json']).stdout) as RunReport;
    // Row 25 claims a test accuracy of 1e999 (Infinity once parsed), a garbage line, a cut last line.
    const broken = JSON.parse(rows[25]) as Record<string, unknown>;
    rows[25] = JSON.stringify({ ...broken, testAcc: 1 }).replace('"testAcc":1', '"testAcc":1e999');
    fs.writeFileSync(rowsFile, `${rows.slice(0, 20).join('\n')}\nnot json at all\n${rows.slice(20).join('\n')}\n{"epoch":31,"trainLo`);
    fs.appendFileSync(path.join(runDirectory, 'events.jsonl'), '{"type":"detectorFired"\n');
    fs.rmSync(path.join(runDirectory, 'summary.json'));
    const damaged = JSON.parse(report([runDirectory, '--json']).stdout) as RunReport;
    assert.ok(damaged.notes.includes('Unreadable lines skipped: default/seed-0.jsonl 3 lines (a line cut short when a worker was killed, or a damaged file); the numbers use the other rows.'), damaged.notes.join('\n'));
    assert.ok(damaged.notes.includes('Unreadable lines skipped in events.jsonl: 1 line.'), damaged.notes.join('\n'));
    const seed = damaged.conditions[0].seeds[0];
    assert.equal(seed.lastEpoch, 30);
    assert.ok(seed.finalTestAcc !== null && Number.isFinite(seed.finalTestAcc));
    assert.deepEqual(damaged.conditions[0].milestones, clean.conditions[0].milestones, 'the Infinity row is not a grok');
  });
});

describe('grokking-lab report on a Transformer run (rows keyed by step)', () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-report-transformer-'));
  const runDirectory = writeTransformerRun(parent);

  it('says step wherever an MLP run says epoch, and shows the model where an MLP shows its activation', () => {
    const result = report([runDirectory]);
    assert.equal(result.status, 0, result.stderr);
    const text = result.stdout;
    assert.doesNotMatch(text, /epoch/i, 'no epoch anywhere in a Transformer run’s report');
    const lines = text.split('\n');
    assert.ok(lines.includes('Milestones (first step)'), text);
    // The conditions: the model (layers × d_model) in the first column after the name, the steps it was set to run.
    assert.match(text, /^Condition +Model +Optimiser +η \(weight decay\) +Steps +Seeds completed/m);
    assert.match(text, new RegExp(`^multi +transformer 2×128 +adamw +1 +${TRANSFORMER_STEPS} +2/2 +0\\.04, 500, 1000 +2000–3000$`, 'm'));
    // Fires at 1200 (multi) and 1000 (single), as transformerRunFixture.ts sets them.
    assert.match(text, /^Condition +Fired +Fire step \(median\) +Fire step \(IQR\)/m);
    assert.match(text, /^multi +2\/2 +1200 +1200–1200 +2\/2 +−800 +−850 to −750 /m);
    assert.match(text, /^Condition +Seed +Status +Last step +Memorised +Grok ≥ 0\.5 +Grok ≥ 0\.95 +Grok ≥ 0\.98 +Grok ≥ 0\.99 +Detector/m);
    // multi seed 0: memorised at 300; its rows' accuracy (the smaller head's) ≥ 0.5, 0.95, 0.98, 0.99 at 900, 1300, 1600, 1900; fired at 1200.
    assert.match(text, /^multi +0 +completed +3000 +300 +900 +1300 +1600 +1900 +1200 +−700 /m);
    assert.match(text, /^multi +grok \(test acc\. ≥ 0\.98\) +2\/2 +1700 +1650–1750$/m);
    assert.match(text, /Memorised, Grok ≥ x, Detector: the first step with train accuracy 1/);

    const markdown = report([runDirectory, '--markdown']);
    assert.equal(markdown.status, 0, markdown.stderr);
    assert.doesNotMatch(markdown.stdout, /epoch/i);
    assert.ok(markdown.stdout.includes('| single | transformer 2×128 | adamw | 1 | 3000 | 2/2 | 0.04, 500, 1000 | 2000–3000 |'), markdown.stdout);
  });

  it('gives the numbers in steps in its JSON, the grok ≥ 0.98 milestone included', () => {
    const result = report([runDirectory, '--json']);
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout) as RunReport;
    assert.equal(json.reportVersion, 4);
    assert.equal(json.timeUnit, 'step');
    const [multi, single] = json.conditions;
    assert.deepEqual([multi.settings.modelKind, multi.settings.model, multi.settings.activation, multi.settings.timeUnit, multi.settings.epochs], ['transformer', 'transformer 2×128', null, 'step', 3000]);
    // multi: the smaller head's accuracy ≥ 0.98 at 1600 and 1800 (seed 1's subtract head is 200 steps later).
    assert.deepEqual(multi.milestones.grok98, { median: 1700, iqr: [1650, 1750], count: 2 });
    assert.deepEqual(multi.seeds.map((seed) => [seed.lastEpoch, seed.grokEpoch95, seed.grokEpoch98, seed.grokEpoch99, seed.detectorEpoch, seed.leadLag]), [
      [3000, 1300, 1600, 1900, 1200, -700],
      [3000, 1500, 1800, 2100, 1200, -900],
    ]);
    assert.deepEqual(single.seeds.map((seed) => [seed.grokEpoch50, seed.grokEpoch98, seed.detectorEpoch]), [
      [500, 1000, 1000],
      [600, 1100, 1000],
    ]);
    assert.equal(multi.lateGap.median, 20);
  });

  it('writes the closing summary of the run in steps, and of the MLP fixture in epochs', () => {
    const manifest = readManifest(runDirectory);
    const summary = readSummary(runDirectory);
    assert.ok(manifest && summary);
    const text = renderRunSummary(summary, manifest.conditions);
    const [header] = text.split('\n');
    assert.match(header, /^seed +status +steps +memorized +grok≥0\.5 +grok≥0\.95 +grok≥0\.98 +grok≥0\.99 +detector/);
    assert.match(text, /^multi\/seed-0 +completed +3000 +300 +900 +1300 +1600 +1900 +1200 +-700/m);
    assert.match(text, /^steps: the last step recorded; memorized, grok≥x, detector: the first step with train accuracy 1/m);
    assert.match(text, /^condition +fired +fire step \(median\) +IQR/m);
    assert.doesNotMatch(text, /epoch/i);

    const mlpManifest = readManifest(FIXTURE_RUN);
    const mlpSummary = readSummary(FIXTURE_RUN);
    assert.ok(mlpManifest && mlpSummary);
    const mlp = renderRunSummary(mlpSummary, mlpManifest.conditions);
    assert.match(mlp.split('\n')[0], /^seed +status +epochs +memorized +grok≥0\.5 +grok≥0\.95 +grok≥0\.98 +grok≥0\.99/);
    // The fixture's summary.json predates grok ≥ 0.98: read, it has it from the rows (18 for grok seed 0).
    assert.match(mlp, /^grok\/seed-0 +completed +30 +5 +12 +16 +18 +18 +14 +-4/m);
    assert.match(mlp, /^condition +fired +fire epoch \(median\)/m);
    assert.doesNotMatch(mlp, /\bsteps?\b/);
  });

  it('shows a seed’s live progress in its own unit', () => {
    const seed = { condition: 'multi', seed: 0, status: 'running' as const, epoch: 1200, epochs: 3000, trainAcc: 1, testAcc: 0.6, gap23: 20.5, detectorEpoch: 1200 };
    assert.equal(describeSeedProgress({ ...seed, timeUnit: 'step' }), `multi/seed-0${' '.repeat(8)}  running    step 1200/3000  train 1 test 0.600  λ₂/λ₃ 20.50  fired@1200`);
    assert.equal(describeSeedProgress({ ...seed, epoch: 120, epochs: 400, timeUnit: 'epoch' }), `multi/seed-0${' '.repeat(8)}  running    epoch 120/400  train 1 test 0.600  λ₂/λ₃ 20.50  fired@1200`);
    // Before its first row the column keeps its width.
    assert.equal(describeSeedProgress({ condition: 'multi', seed: 0, status: 'queued', epoch: -1, epochs: 3000, timeUnit: 'step' }), `multi/seed-0${' '.repeat(8)}  queued     ${' '.repeat('step 3000/3000'.length)}`);
  });
});
