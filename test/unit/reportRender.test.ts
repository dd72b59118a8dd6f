// The report's renderers on the fixture run: the table cells (one layout for every format), the
// terminal's aligned tables, Markdown, the JSON's key names, and the HTML's escaping of what it
// inlines (a `</script>` in a description, hostile chart data, the scripts themselves).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { renderReportText } from '../../src/cli/reportCommand';
import { reportChartData } from '../../src/shared/report/chartData';
import { escapeHtml, inlineScript, jsonForScript, renderHtmlReport } from '../../src/shared/report/html';
import { escapeMarkdown, renderReportMarkdown } from '../../src/shared/report/markdown';
import type { RunReport } from '../../src/shared/report/model';
import { buildRunReport } from '../../src/shared/report/model';
import type { ReportTable } from '../../src/shared/report/tables';
import { formatSeedList, formatStatistic, formatWeightDecay, reportDocument } from '../../src/shared/report/tables';
import { readReportInput, readRunReport } from '../../src/runs/runReport';
import { FIXTURE_RUN } from './reportFixture';

const report = readRunReport(FIXTURE_RUN);
const document = reportDocument(report);

function table(id: ReportTable['id']): ReportTable {
  const found = document.tables.find((entry) => entry.id === id);
  assert.ok(found, `table ${id}`);
  return found;
}

describe('report tables', () => {
  it('lays out the detector table', () => {
    assert.deepEqual(table('detector').rows, [
      ['grok', '3/3', '12', '11.5–13', '2/3', '\u22126', '\u22127 to \u22125', '30.00', '25.00–35.00'],
      ['control', '1/3', '25', '25–25', '0/3', '—', '—', '4.00', '3.00–5.00'],
    ]);
  });

  it('lays out the milestones, with how many seeds reached each', () => {
    assert.deepEqual(table('milestones').rows, [
      ['grok', 'memorised (train acc. = 1)', '3/3', '5', '4.5–5.5'],
      ['grok', 'grok (test acc. ≥ 0.5)', '3/3', '12', '11–12.5'],
      ['grok', 'grok (test acc. ≥ 0.95)', '2/3', '15', '14.5–15.5'],
      ['grok', 'grok (test acc. ≥ 0.98)', '2/3', '19', '18.5–19.5'],
      ['grok', 'grok (test acc. ≥ 0.99)', '2/3', '19', '18.5–19.5'],
      ['control', 'memorised (train acc. = 1)', '3/3', '8', '7.5–8.5'],
      ['control', 'grok (test acc. ≥ 0.5)', '0/3', '—', '—'],
      ['control', 'grok (test acc. ≥ 0.95)', '0/3', '—', '—'],
      ['control', 'grok (test acc. ≥ 0.98)', '0/3', '—', '—'],
      ['control', 'grok (test acc. ≥ 0.99)', '0/3', '—', '—'],
    ]);
    // An MLP run counts epochs.
    assert.equal(table('milestones').title, 'Milestones (first epoch)');
    assert.deepEqual(table('milestones').columns.slice(3).map((column) => column.title), ['Epoch (median)', 'Epoch (IQR)']);
  });

  it('lays out the spectrum, the separation and the Theorem-6 checkpoints', () => {
    // reportModel.test.ts works out these numbers: the largest-gap position over seeds, λ₁/λ₂ (median,
    // IQR), λ₂/λ₃ (the late gap) and the energy rank (median, IQR).
    const spectrum = table('spectrum');
    assert.deepEqual(
      spectrum.columns.map((column) => column.title),
      ['Condition', 'Largest-gap position j*', 'λ₁/λ₂ (median)', 'λ₁/λ₂ (IQR)', 'λ₂/λ₃ (median)', 'Energy rank, 99 % of Σλ (median)', 'Energy rank (IQR)'],
    );
    assert.deepEqual(spectrum.rows, [
      ['grok', '1 in 1/3 seeds', '34.00', '21.00–47.00', '30.00', '1.5', '1.25–1.75'],
      ['control', '1 in 2/3 seeds', '4.00', '3.00–4.00', '4.00', '5', '4.5–5'],
    ]);
    // Each reading is explained, and that they can disagree.
    assert.ok(spectrum.notes.some((note) => note.startsWith('Largest-gap position j*:') && note.includes('arXiv 2605.08119')));
    assert.ok(spectrum.notes.some((note) => note.startsWith('Energy rank:') && note.includes('can disagree')));
    assert.ok(document.tables.every((entry) => entry.columns.every((column) => !/effective rank|eff\. rank/i.test(column.title))));
    assert.deepEqual(table('spectralEdge').rows, [
      ['grok', '1/2', '2.60', '1.90–3.30'],
      ['control', '0/0', '—', '—'],
    ]);
    assert.deepEqual(table('separation').rows, [['grok ÷ control', '7.50×']]);
    const notApplicable = 'not applicable (η = 0)';
    assert.deepEqual(table('repulsion').rows, [
      ['grok', '10', '3', '0.7 (0.65–0.75)', '1 (1–1)', '0.5 (0.45–0.55)'],
      ['grok', '20', '2', '0.85 (0.825–0.875)', '0.995 (0.9925–0.9975)', '0.6 (0.55–0.65)'],
      ['control', '10', '3', notApplicable, notApplicable, notApplicable],
      ['control', '20', '3', notApplicable, notApplicable, notApplicable],
    ]);
    assert.ok(table('repulsion').notes.includes('control: weight decay is 0, so B = (F̃ᵀF̃ + ηI)⁻¹ is singular.'));
  });

  it('lays out one row per seed, the failed one included', () => {
    assert.deepEqual(table('seeds').rows, [
      ['grok', '0', 'completed', '30', '5', '12', '16', '18', '18', '14', '\u22124', '20.00', '8.00', '2 (100 %)', '2', '4.00 (declined)', '0.995'],
      ['grok', '1', 'completed', '30', '4', '10', '14', '20', '20', '12', '\u22128', '40.00', '60.00', '1 (55 %)', '1', '1.20', '0.995'],
      ['grok', '2', 'failed', '15', '6', '13', '—', '—', '—', '11', '—', '—', '—', '—', '—', '—', '0.600'],
      ['control', '0', 'completed', '30', '7', '—', '—', '—', '—', '—', '—', '2.00', '2.00', '1 (100 %)', '4', '—', '0.050'],
      ['control', '1', 'completed', '30', '8', '—', '—', '—', '—', '25', '—', '6.00', '4.00', '2 (55 %)', '5', '—', '0.050'],
      ['control', '2', 'completed', '30', '9', '—', '—', '—', '—', '—', '—', '4.00', '4.00', '1 (100 %)', '5', '—', '0.050'],
    ]);
    assert.deepEqual(
      table('seeds').columns.slice(3, 9).map((column) => column.title),
      ['Last epoch', 'Memorised', 'Grok ≥ 0.5', 'Grok ≥ 0.95', 'Grok ≥ 0.98', 'Grok ≥ 0.99'],
    );
    assert.deepEqual(
      table('seeds').columns.slice(11, 15).map((column) => column.title),
      ['Late gap', 'Late λ₁/λ₂', 'Largest-gap position j*', 'Energy rank'],
    );
    assert.deepEqual(
      table('conditions').columns.map((column) => column.title),
      ['Condition', 'Activation', 'Optimiser', 'η (weight decay)', 'Epochs', 'Seeds completed', 'Detector (threshold, lag, warm-up)', 'Late stage'],
    );
    assert.deepEqual(table('conditions').rows, [
      ['grok', 'square', 'adam', '2e-4', '30', '2/3', '0.04, 3, 10', '20–30'],
      ['control', 'square', 'adam', '0', '30', '3/3', '0.04, 3, 10', '20–30'],
    ]);
  });

  it('formats statistics, weight decays and seed lists', () => {
    assert.equal(formatStatistic(11.25), '11.25');
    assert.equal(formatStatistic(12.5), '12.5');
    assert.equal(formatStatistic(7), '7');
    assert.equal(formatStatistic(null), '—');
    assert.equal(formatWeightDecay(2e-4), '2e-4');
    assert.equal(formatWeightDecay(5e-5), '5e-5');
    assert.equal(formatWeightDecay(0.001), '0.001');
    assert.equal(formatWeightDecay(0), '0');
    assert.equal(formatSeedList([0, 1, 2, 3, 7, 9, 10]), '0–3, 7, 9–10');
  });
});

describe('report in the terminal', () => {
  it('aligns every table: numbers right, text left, under one header rule', () => {
    const text = renderReportText(document);
    const lines = text.split('\n');
    const start = lines.indexOf('Seeds');
    assert.ok(start > 0);
    const [header, rule, ...rows] = lines.slice(start + 2, start + 2 + 2 + 6);
    const widths = rule.split('  ').map((dashes) => dashes.length);
    assert.equal(widths.length, 17);
    assert.ok(header.startsWith('Condition  Seed  Status     Last epoch'));
    // "grok" left in its column, seed number and epochs right-aligned under their headers.
    assert.equal(rows[2].slice(0, 29), 'grok          2  failed      ');
    assert.ok(rows.every((row) => row.length <= rule.length));
    assert.match(text, /^Note: grok: seed 2 failed at epoch 15 \(the worker exited with code 1: RangeError: out of memory\)/m);
    assert.match(text, /^grok ÷ control {11}7\.50×$/m);
    assert.match(header, /Late gap {2}Late λ₁\/λ₂ {2}Largest-gap position j\* {2}Energy rank {2}/);
  });
});

describe('report as Markdown', () => {
  it('writes GitHub tables with aligned columns and every note', () => {
    const markdown = renderReportMarkdown(document);
    assert.ok(markdown.startsWith('# Grokking Lab report: fixture\n\n- **Run**: 2026-01-02T03-04-05Z-abcd\n'));
    assert.ok(
      markdown.includes(
        [
          '## Lock-in detector and grokking',
          '',
          '| Condition | Fired | Fire epoch (median) | Fire epoch (IQR) | Grokked (≥ 0.99) | Fire − grok ≥ 0.99 (median) | Fire − grok (IQR) | Late gap λ₂/λ₃ (median) | Late gap (IQR) |',
          '| :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
          '| grok | 3/3 | 12 | 11.5–13 | 2/3 | −6 | −7 to −5 | 30.00 | 25.00–35.00 |',
          '| control | 1/3 | 25 | 25–25 | 0/3 | — | — | 4.00 | 3.00–5.00 |',
        ].join('\n'),
      ),
      markdown,
    );
    assert.ok(
      markdown.includes(
        [
          '## Late-stage update spectrum: largest-gap position and energy rank',
          '',
          '| Condition | Largest-gap position j\\* | λ₁/λ₂ (median) | λ₁/λ₂ (IQR) | λ₂/λ₃ (median) | Energy rank, 99 % of Σλ (median) | Energy rank (IQR) |',
          '| :--- | ---: | ---: | ---: | ---: | ---: | ---: |',
          '| grok | 1 in 1/3 seeds | 34.00 | 21.00–47.00 | 30.00 | 1.5 | 1.25–1.75 |',
          '| control | 1 in 2/3 seeds | 4.00 | 3.00–4.00 | 4.00 | 5 | 4.5–5 |',
        ].join('\n'),
      ),
      markdown,
    );
    assert.ok(markdown.includes('| control | 10 | 3 | not applicable (η = 0) | not applicable (η = 0) | not applicable (η = 0) |'));
    assert.ok(markdown.includes('> grok: seed 2 failed at epoch 15'));
    assert.ok(markdown.endsWith('\n'));
  });

  it('escapes what Markdown would read: a description cannot break a table or inject HTML', () => {
    assert.equal(escapeMarkdown('a | b *c* <script>x</script> [l](u)\nnext'), 'a \\| b \\*c\\* \\<script\\>x\\</script\\> \\[l\\](u) next');
    const hostile: RunReport = { ...report, run: { ...report.run, description: 'pipes | and <b>tags</b>' } };
    const markdown = renderReportMarkdown(reportDocument(hostile));
    assert.ok(markdown.includes('- **Experiment**: fixture: pipes \\| and \\<b\\>tags\\</b\\>\n'));
  });
});

describe('report as JSON', () => {
  it('keeps its documented key names', () => {
    const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['reportVersion', 'run', 'timeUnit', 'source', 'notes', 'leadLagGrokThreshold', 'conditions', 'separations']);
    const [grok] = json.conditions as Record<string, unknown>[];
    assert.deepEqual(Object.keys(grok), [
      'condition',
      'settings',
      'seedCount',
      'completedCount',
      'incompleteSeeds',
      'detectorEpoch',
      'milestones',
      'leadLag',
      'lateGap',
      'energyRank',
      'leadingRatio',
      'largestGapPosition',
      'spectralEdgeDecline',
      'repulsion',
      'seeds',
    ]);
    assert.deepEqual(Object.keys(grok.settings as object), ['modelKind', 'model', 'weightDecay', 'activation', 'optimizer', 'timeUnit', 'epochs', 'detector', 'lateStage']);
    assert.deepEqual(Object.keys(grok.milestones as object), ['memorized', 'grok50', 'grok95', 'grok98', 'grok99']);
    assert.deepEqual(Object.keys((grok.seeds as object[])[0]), [
      'seed',
      'status',
      'message',
      'lastEpoch',
      'memorizedEpoch',
      'grokEpoch50',
      'grokEpoch95',
      'grokEpoch98',
      'grokEpoch99',
      'detectorEpoch',
      'leadLag',
      'lateGap',
      'energyRank',
      'leadingRatio',
      'largestGapPosition',
      'largestGapShare',
      'finalTestAcc',
      'spectralEdge',
    ]);
    assert.deepEqual(grok.detectorEpoch, { median: 12, iqr: [11.5, 13], count: 3 });
  });
});

describe('HTML report escaping', () => {
  const input = readReportInput(FIXTURE_RUN);
  const hostileText = '</script><script>window.injected = 1</script><!-- & "quotes" \u2028';
  const manifest = input.manifest;
  assert.ok(manifest);
  const hostileInput = { ...input, manifest: { ...manifest, description: hostileText } };
  const html = renderHtmlReport({
    document: reportDocument(buildRunReport(hostileInput)),
    chartData: reportChartData(hostileInput),
    scripts: { plotly: 'window.plotlyStandIn = "</script>";', page: 'window.pageStandIn = /<!--x/.test("<!--x");' },
    generatedAt: '2026-01-03T00:00:00.000Z',
    generator: 'Grokking Lab test',
  });

  it('has exactly the page’s own script elements and a no-request CSP', () => {
    assert.equal(html.match(/<script/gi)?.length, 3);
    assert.equal(html.match(/<\/script/gi)?.length, 3);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;unsafe-inline&#39;; style-src &#39;unsafe-inline&#39;; img-src data: blob:">/);
    assert.ok(html.includes(`<dd>fixture: ${escapeHtml(hostileText)}</dd>`));
  });

  it('inlines the chart data as JSON that parses back to the same data', () => {
    const match = /<script type="application\/json" id="grokking-lab-report-data">(.*?)<\/script>/s.exec(html);
    assert.ok(match);
    assert.doesNotMatch(match[1], /[<>&\u2028\u2029]/);
    const data = JSON.parse(match[1]) as ReturnType<typeof reportChartData>;
    assert.equal(data.runs[0].manifest?.description, hostileText);
    assert.deepEqual(JSON.parse(jsonForScript({ text: hostileText })), { text: hostileText });
  });

  it('breaks up </script and <!-- in inlined scripts without changing what they do', () => {
    const context: Record<string, unknown> = {};
    for (const source of ['window.plotlyStandIn = "</script>";', 'window.pageStandIn = /<!--x/.test("<!--x");']) {
      const escaped = inlineScript(source);
      assert.doesNotMatch(escaped, /<\/script|<!--/i);
      vm.runInNewContext(escaped, { window: context });
    }
    assert.deepEqual(context, { plotlyStandIn: '</script>', pageStandIn: true });
  });

  it('keeps the built Plotly and page scripts valid JavaScript once escaped', () => {
    const dist = path.resolve(__dirname, '..', '..', 'dist');
    for (const name of ['plotly.min.js', 'report.js']) {
      const file = path.join(dist, name);
      assert.ok(fs.existsSync(file), `${file} is missing: run npm run build`);
      // Compiles (does not run) the escaped source: a syntax error would throw.
      new vm.Script(inlineScript(fs.readFileSync(file, 'utf8')), { filename: name });
    }
  });
});
