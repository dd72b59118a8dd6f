// Exports from the dashboard: file names the protocol accepts, Plotly data URLs turned into
// saveFile messages, and the summary tables as CSV.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultRunConfig, withDefaults } from '../../src/shared/config/defaults';
import { summaryTables } from '../../src/shared/dashboard/summaryTable';
import { isWebviewMessage } from '../../src/shared/protocol/webview';
import type { EpochRecord, RunEvent } from '../../src/shared/runFormat';
import { conditionTableCsv, exportFileName, imageSaveMessage, seedTableCsv } from '../../src/webview/exportFile';

describe('webview exports', () => {
  it('makes file names without folders, parent references or control characters, which the host accepts', () => {
    assert.equal(exportFileName(['quickstart', 'Eigengap λ₂/λ₃'], 'png'), 'quickstart - Eigengap λ₂ λ₃.png');
    assert.equal(exportFileName(['../../etc', 'passwd\u0000'], 'svg'), 'etc - passwd.svg');
    assert.equal(exportFileName([], 'csv'), 'grokking-lab.csv');
    assert.ok(exportFileName(['x'.repeat(500)], 'png').length <= 124);
    for (const name of [exportFileName(['a/b', 'c\\d', 'e:f'], 'png'), exportFileName(['..', '...'], 'csv')]) {
      assert.ok(isWebviewMessage({ type: 'saveFile', fileName: name, mime: 'text/csv', text: '' }), name);
    }
  });

  it('turns Plotly’s PNG and SVG data URLs into saveFile messages', () => {
    const png = imageSaveMessage('data:image/png;base64,iVBORw0KGgo=', 'chart.png');
    assert.deepEqual(png, { type: 'saveFile', fileName: 'chart.png', mime: 'image/png', dataBase64: 'iVBORw0KGgo=' });
    assert.ok(isWebviewMessage(png));
    const svgText = '<svg xmlns="http://www.w3.org/2000/svg"><text>λ₂/λ₃ 100%</text></svg>';
    const svg = imageSaveMessage(`data:image/svg+xml,${encodeURIComponent(svgText)}`, 'chart.svg');
    assert.deepEqual(svg, { type: 'saveFile', fileName: 'chart.svg', mime: 'image/svg+xml', text: svgText });
    const base64Svg = imageSaveMessage(`data:image/svg+xml;base64,${Buffer.from(svgText).toString('base64')}`, 'chart.svg');
    assert.equal(base64Svg.text, svgText);
    assert.throws(() => imageSaveMessage('data:image/jpeg;base64,AAAA', 'chart.jpg'), /Unexpected image type/);
    assert.throws(() => imageSaveMessage('not a url', 'chart.png'), /data URL/);
  });

  it('writes the per-seed and per-condition tables as CSV with raw numbers', () => {
    const records = (grokAt: number | null): EpochRecord[] =>
      Array.from({ length: 11 }, (_, epoch) => ({ epoch, trainLoss: 1, trainAcc: epoch >= 2 ? 1 : 0.5, testLoss: 1, testAcc: grokAt !== null && epoch >= grokAt ? 1 : 0.1, weightNorm: 1, gap23: 2 + epoch }));
    const events: RunEvent[] = [{ type: 'detectorFired', condition: 'grok', seed: 0, epoch: 4, gap23: 6, gapSlope: 0.05 }];
    const tables = summaryTables({
      runId: 'run-1',
      manifest: null,
      status: 'running',
      seeds: [
        { condition: 'grok', seed: 0, status: 'running', records: records(6) },
        { condition: 'control, "b"', seed: 0, status: 'running', records: records(null) },
      ],
      events,
      summary: null,
    });
    const seeds = seedTableCsv([tables]).trim().split('\n');
    assert.equal(
      seeds[0],
      'run,Condition,Seed,Status,Epoch,Memorised,Grok ≥ 0.5,Grok ≥ 0.95,Grok ≥ 0.98,Grok ≥ 0.99,Detector,Fire − grok,Late gap,Late λ₁/λ₂,Largest-gap position j*,Largest-gap share of late epochs,Energy rank (99 % of Σλ),Test acc.',
    );
    assert.match(seeds[1], /^run-1,grok,0,running,10,2,6,6,6,6,4,-2,/);
    // A field with a comma or a quote is quoted; a missing number is an empty field.
    assert.match(seeds[2], /^run-1,"control, ""b""",0,running,10,2,,,,,,,/);
    const conditions = conditionTableCsv([tables]).trim().split('\n');
    assert.equal(conditions[0].split(',').length, conditions[1].split(',').length);
    assert.match(conditions[1], /^run-1,grok,1\/1,4,4,4,1\/1,6,/);
  });

  it('titles the CSV columns in steps for a Transformer run, and in both units when runs of both are exported together', () => {
    const records: EpochRecord[] = [0, 100, 200].map((step) => ({ epoch: step, trainLoss: 1, trainAcc: 1, testLoss: 1, testAcc: step / 200, weightNorm: 1 }));
    const source = { runId: 'tf', manifest: null, status: 'completed' as const, seeds: [{ condition: 'single', seed: 0, status: 'completed' as const, records }], events: [], summary: null };
    const transformer = summaryTables({ ...source, assignedConfigs: { single: withDefaults({ model: { kind: 'transformer' } }) } });
    const [seedHeader, seedRow] = seedTableCsv([transformer]).trim().split('\n');
    assert.deepEqual(seedHeader.split(',').slice(4, 6), ['Step', 'Memorised']);
    assert.ok(seedHeader.includes('Largest-gap share of late steps'));
    assert.doesNotMatch(seedHeader, /epoch/i);
    assert.match(seedRow, /^tf,single,0,completed,200,0,100,200,200,200,/);
    assert.match(conditionTableCsv([transformer]).split('\n')[0], /Fire step \(median\),Fire step \(25th percentile\),Fire step \(75th percentile\)/);
    const mlp = summaryTables({ ...source, runId: 'mlp', assignedConfigs: { single: defaultRunConfig() } });
    assert.equal(seedTableCsv([mlp]).split(',')[4], 'Epoch');
    assert.equal(seedTableCsv([mlp, transformer]).split(',')[4], 'Epoch/step');
  });

  it('writes the rank readings as raw numbers, the largest-gap position and its share (or seeds) in two columns', () => {
    // Epochs 200…210 lie in the default late stage (200–400). λ = (30, 10, 1, 0.5, 0.25): λ₁/λ₂ = 3 < λ₂/λ₃ = 10 → j* = 2 in every row.
    const records: EpochRecord[] = Array.from({ length: 11 }, (_, index) => ({
      epoch: 200 + index,
      trainLoss: 1,
      trainAcc: 1,
      testLoss: 1,
      testAcc: 1,
      weightNorm: 1,
      gap23: 10,
      eigenvalues: [30, 10, 1, 0.5, 0.25],
      effectiveRank: 2,
    }));
    const tables = summaryTables({ runId: 'run-2', manifest: null, assignedConfigs: { x2: defaultRunConfig() }, status: 'running', seeds: [{ condition: 'x2', seed: 0, status: 'running', records }], events: [], summary: null });
    const [seedHeader, seedRow] = seedTableCsv([tables]).trim().split('\n');
    const seedField = (title: string) => seedRow.split(',')[seedHeader.split(',').indexOf(title)];
    assert.deepEqual(
      ['Late gap', 'Late λ₁/λ₂', 'Largest-gap position j*', 'Largest-gap share of late epochs', 'Energy rank (99 % of Σλ)'].map(seedField),
      ['10', '3', '2', '1', '2'],
    );
    const [conditionHeader, conditionRow] = conditionTableCsv([tables]).trim().split('\n');
    const conditionField = (title: string) => conditionRow.split(',')[conditionHeader.split(',').indexOf(title)];
    assert.deepEqual(
      ['Late λ₁/λ₂ (median)', 'Largest-gap position j*', 'Seeds at that position', 'Energy rank (median)'].map(conditionField),
      ['3', '2', '1/1', '2'],
    );
  });
});
