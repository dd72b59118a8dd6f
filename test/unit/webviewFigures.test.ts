// The dashboard's store → Plotly figures: what is drawn, in which colour, on which axis, and what
// the notes say. Pure functions on a store filled by real protocol messages.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Data, Layout, ScatterData, BoxData } from 'plotly.js-dist-min';
import { DashboardStore } from '../../src/webview/store';
import type { RunSnapshot, SeedSnapshot } from '../../src/shared/protocol/webview';
import { WEBVIEW_PROTOCOL_VERSION } from '../../src/shared/protocol/webview';
import type { EpochRecord, RunEvent, RunManifest } from '../../src/shared/runFormat';
import { CHART_DEFINITIONS, CHART_IDS } from '../../src/webview/chartDefinitions';
import { reportChartData } from '../../src/shared/report/chartData';
import { withDefaults } from '../../src/shared/config/defaults';
import { buildFigure, exportFigure, type FigureContext } from '../../src/webview/figures';
import { bandPolygon, traceUid } from '../../src/webview/figures/traces';
import { runLabels, seriesStyles } from '../../src/webview/seriesStyles';
import { chartTheme } from '../../src/webview/theme';
import { defaultViewState, seedToggleKey, type DashboardViewState } from '../../src/webview/viewState';

const DARK: Record<string, string> = {
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-font-size': '13px',
};
const theme = chartTheme((name) => DARK[name] ?? '', 'dark');

/** A deterministic epoch row: accuracies rise, losses fall, the eigengap grows; epoch 0 has no eigenvalues (fewer than 3 updates). */
function record(epoch: number, seed: number): EpochRecord {
  const progress = epoch / 100;
  const row: EpochRecord = {
    epoch,
    trainLoss: 1 / (1 + progress + seed * 0.01),
    trainAcc: Math.min(1, progress * 2),
    testLoss: 1.2 / (1 + progress / 2),
    testAcc: Math.min(1, progress),
    weightNorm: 10 + progress,
  };
  if (epoch >= 2) {
    const lambda1 = 1 + seed * 0.1;
    row.eigenvalues = [lambda1, 0.5, 0.5 / (1 + progress * 10), 0.01, 0.001];
    row.gap23 = 1 + progress * 10;
    row.gapSlope = epoch === 50 ? -0.2 : 0.01 * Math.sin(epoch);
    row.kStar = 1;
    row.edgeRatio = 2 + progress;
    row.g23 = 0.1 * progress;
    row.adiabatic = 5 - progress;
  }
  // The gradient-direction SED (docs/science.md §8) is computed every 10 epochs once its windows are full.
  if (epoch >= 20 && epoch % 10 === 0) {
    row.gradientSedRatios = [3 + progress, 2, 1.5];
    row.updateSedRatios = [1.2, 1.1, 0.9];
  }
  return row;
}

function seedSnapshot(condition: string, seed: number, epochs: number): SeedSnapshot {
  return { condition, seed, status: 'completed', epochs, records: Array.from({ length: epochs + 1 }, (_, epoch) => record(epoch, seed)) };
}

function manifest(runId: string, experiment: string, conditions: string[], seeds: number[]): RunManifest {
  return {
    formatVersion: 1,
    runId,
    experiment,
    file: `${experiment}.grok.yaml`,
    seeds,
    conditions: conditions.map((name) => ({ name, configHash: name, config: withDefaults({ epochs: 100, diagnostics: { eigengap: { window: 20, detector: { lag: 25, threshold: 0.04, warmup: 30 }, lateStage: [50, 100] } } }) })),
    configHash: 'hash',
    engine: { name: 'wasm', threads: 1 },
    versions: { grokkingLab: '0.1.0', node: 'v20' },
    startTime: '2026-01-01T00:00:00Z',
    status: 'completed',
    producer: 'cli',
  };
}

function repulsion(condition: string, seed: number, epoch: number, applicable = true): RunEvent {
  return {
    type: 'repulsion',
    condition,
    seed,
    epoch,
    applicable,
    weightDecay: applicable ? 2e-4 : 0,
    pairs: 3,
    milliseconds: 1,
    ...(applicable
      ? {
          fractionNegative: 0.9,
          signMatch: 1,
          publishedSignMatch: 0.95,
          couplingQuantiles: [-2, -1, -0.5, 0, 1],
          pairList: [
            [0, 1, 0.5, -1.5, -0.1],
            [0, 2, 0.4, -0.5, -0.05],
            [1, 2, 0.3, 0.5, 0.02],
          ] as [number, number, number, number, number][],
        }
      : { reason: 'weight decay is 0' }),
  };
}

function run(runId: string, experiment: string, conditions: string[], seeds: number[], events: RunEvent[] = []): RunSnapshot {
  return {
    runId,
    manifest: manifest(runId, experiment, conditions, seeds),
    status: 'completed',
    timeUnit: 'epoch',
    seeds: conditions.flatMap((condition) => seeds.map((seed) => seedSnapshot(condition, seed, 100))),
    events,
    summary: null,
  };
}

function context(runs: RunSnapshot[], view: Partial<DashboardViewState> = {}): FigureContext {
  const store = new DashboardStore();
  store.applySnapshot({ type: 'snapshot', protocolVersion: WEBVIEW_PROTOCOL_VERSION, runs });
  const state = { ...defaultViewState(), ...view };
  return { runs: store.runs, view: state, theme, styles: seriesStyles(store.runs, state, theme) };
}

/**
 * A multitask Transformer run as the host sends it: its rows are steps (every 100), each with the
 * accuracies of its two heads; `add` learns first, `subtract` later; the row's accuracies are the
 * smaller head's (src/training/transformer/trainer.ts).
 */
function transformerRun(runId: string): RunSnapshot {
  const config = withDefaults({ model: { kind: 'transformer' }, task: { operations: ['add', 'subtract'] }, steps: 2000 });
  const head = (step: number, start: number) => Math.min(1, Math.max(0.01, (step - start) / 1000));
  const rows = Array.from({ length: 21 }, (_, index): EpochRecord => {
    const step = index * 100;
    const add = head(step, 0);
    const subtract = head(step, 800);
    return {
      epoch: step,
      trainLoss: 2 - add - subtract,
      trainAcc: Math.min(1, subtract * 2),
      testLoss: 2 - add - subtract,
      testAcc: Math.min(add, subtract),
      weightNorm: 10,
      operations: [
        { operation: 'add', trainLoss: 1 - add, trainAcc: Math.min(1, add * 2), testLoss: 1 - add, testAcc: add },
        { operation: 'subtract', trainLoss: 1 - subtract, trainAcc: Math.min(1, subtract * 2), testLoss: 1 - subtract, testAcc: subtract },
      ],
    };
  });
  return {
    runId,
    manifest: { ...manifest(runId, 'tritask', ['multi'], [0]), conditions: [{ name: 'multi', configHash: 'multi', config }] },
    status: 'completed',
    timeUnit: 'step',
    seeds: [{ condition: 'multi', seed: 0, status: 'completed', epochs: 2000, records: rows }],
    events: [],
    summary: null,
  };
}

const axisTitle = (figure: { layout: Partial<Layout> }) => (figure.layout.xaxis?.title as { text: string }).text;

const scatter = (data: Data[]) => data.filter((trace): trace is Partial<ScatterData> => trace.type === 'scatter');
const shown = (data: Data[]) => scatter(data).filter((trace) => trace.showlegend);

describe('webview figures', () => {
  it('draws every chart of a run without throwing, each with the theme background', () => {
    // Every chart but the accuracy per operation, which only a multitask Transformer's rows have (below).
    const figures = CHART_IDS.filter((chart) => chart !== 'operations').map((chart) => buildFigure(chart, context([run('r1', 'lockin', ['grok'], [0, 1], [repulsion('grok', 0, 50), repulsion('grok', 1, 50)])])));
    for (const figure of figures) {
      assert.equal(figure.layout.paper_bgcolor, '#1f1f1f');
      assert.equal(figure.layout.font?.color, '#cccccc');
      assert.ok(figure.hasData);
    }
  });

  it('titles the time axis and hovers in epochs for an MLP run, in steps for a Transformer run, in both for a comparison of the two', () => {
    const mlp = context([run('r1', 'lockin', ['grok'], [0])]);
    const transformer = context([transformerRun('t1')]);
    for (const chart of CHART_IDS.filter((id) => CHART_DEFINITIONS[id].epochAxis && id !== 'repulsion')) {
      assert.equal(axisTitle(buildFigure(chart, mlp)), 'epoch (optimiser steps)', chart);
      assert.equal(axisTitle(buildFigure(chart, transformer)), 'step (minibatch optimiser steps)', chart);
    }
    assert.equal(axisTitle(buildFigure('repulsion', mlp)), 'checkpoint epoch');
    assert.equal(axisTitle(buildFigure('accuracy', context([run('r1', 'lockin', ['grok'], [0]), transformerRun('t1')]))), 'epoch (MLP) or step (Transformer)');
    assert.equal(axisTitle(buildFigure('accuracy', context([transformerRun('t1')], { logX: true }))), 'step (minibatch optimiser steps), log scale');
    assert.match(String(scatter(buildFigure('accuracy', transformer).data)[0].hovertemplate), /<br>step %\{x\}<br>/);
    assert.match(String(scatter(buildFigure('accuracy', mlp).data)[0].hovertemplate), /<br>epoch %\{x\}<br>/);
    // The detector slope of a Transformer is per snapshot interval (its detector counts snapshots).
    assert.equal((buildFigure('detectorSlope', transformer).layout.yaxis?.title as { text: string }).text, 's(t): change of ln(λ₂/λ₃)<br>per snapshot interval over the lag');
    assert.equal((buildFigure('detectorSlope', mlp).layout.yaxis?.title as { text: string }).text, 's(t): change of ln(λ₂/λ₃)<br>per epoch over the lag');
    // The notes say step too.
    assert.ok(buildFigure('accuracy', context([transformerRun('t1')], { logX: true })).notes.includes('Step 0 is not shown on the log-x axis.'));
    const empty = buildFigure('loss', context([{ ...transformerRun('t2'), seeds: [{ condition: 'multi', seed: 0, status: 'queued', epochs: 2000, records: [] }] }]));
    assert.ok(JSON.stringify(empty.layout.annotations).includes('No steps recorded yet.'));
  });

  it('draws a multitask run’s accuracy per operation: test in the operation’s colour, train in it faded, at the steps recorded', () => {
    const figure = buildFigure('operations', context([transformerRun('t1')]));
    assert.ok(figure.hasData);
    assert.deepEqual(shown(figure.data).map((trace) => trace.name), ['add · test', 'add · train', 'subtract · test', 'subtract · train']);
    const trace = (name: string) => scatter(figure.data).find((entry) => entry.name === name);
    assert.deepEqual(trace('add · test')?.x?.slice(0, 3), [0, 100, 200]);
    assert.deepEqual(trace('subtract · test')?.y?.slice(8, 11), [0.01, 0.1, 0.2]);
    assert.equal(trace('add · test')?.y?.at(-1), 1);
    assert.notEqual(trace('add · test')?.line?.color, trace('subtract · test')?.line?.color);
    assert.notEqual(trace('add · train')?.line?.color, trace('add · test')?.line?.color, 'train in its own shade');
    assert.deepEqual(figure.layout.yaxis?.range, [-0.02, 1.02]);
    // The Accuracy chart keeps the rows' accuracies, the smaller head's.
    const accuracy = scatter(buildFigure('accuracy', context([transformerRun('t1')])).data).find((entry) => entry.name === 'seed 0 · test');
    assert.deepEqual(accuracy?.y?.slice(8, 11), [0.01, 0.1, 0.2]);
    // An MLP (or single-task) run has none: the chart says what would draw it.
    const none = buildFigure('operations', context([run('r1', 'lockin', ['grok'], [0])]));
    assert.equal(none.hasData, false);
    assert.ok(JSON.stringify(none.layout.annotations).includes('task.operations'));
  });

  it('draws the gradient-direction SED: R₁…R₃ of both windows at the epochs that have them, against R = 1', () => {
    const figure = buildFigure('gradientSed', context([run('r1', 'lockin', ['grok'], [0])]));
    assert.ok(figure.hasData);
    const names = shown(figure.data).map((trace) => trace.name);
    assert.deepEqual(names, ['R₁ (gradient-SED)', 'R₂ (gradient-SED)', 'R₃ (gradient-SED)', 'R₁ (update-SED)', 'R₂ (update-SED)', 'R₃ (update-SED)']);
    const first = scatter(figure.data).find((trace) => trace.name === 'R₁ (gradient-SED)');
    // Only the epochs that have a value, joined by a line with markers (not a gap between each two).
    assert.deepEqual(first?.x, [20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert.equal((first?.y as number[])[0], 3.2);
    assert.match(String(first?.mode), /lines\+markers/);
    const updateColour = scatter(figure.data).find((trace) => trace.name === 'R₁ (update-SED)')?.line?.color;
    assert.ok(updateColour && updateColour !== first?.line?.color, 'the update window in its own shade');
    assert.ok(figure.layout.shapes?.some((shape) => shape.y0 === 1 && shape.y1 === 1), 'the R = 1 reference line');
    // A run without the diagnostic: no data, and the empty chart says how to enable it.
    const off = buildFigure('gradientSed', context([{ ...run('r2', 'plain', ['grok'], [0]), seeds: [{ condition: 'grok', seed: 0, status: 'completed', epochs: 2, records: [record(0, 0), record(1, 0), record(2, 0)] }] }]));
    assert.equal(off.hasData, false);
    assert.ok(JSON.stringify(off.layout.annotations).includes('diagnostics.gradientSed.enabled'));
  });

  it('draws the same charts from the HTML report\'s lean data as from the full records', () => {
    for (const full of [run('r1', 'lockin', ['grok'], [0, 1], [repulsion('grok', 0, 50), repulsion('grok', 1, 50)]), transformerRun('t1')]) {
      const lean = reportChartData({
        runId: full.runId,
        manifest: full.manifest,
        status: full.status,
        seeds: full.seeds.map((seed) => ({ condition: seed.condition, seed: seed.seed, status: seed.status, records: seed.records })),
        events: full.events,
        summary: full.summary,
      }).runs[0];
      assert.equal(lean.timeUnit, full.timeUnit, 'the report knows the unit from the manifest');
      for (const chart of CHART_IDS) {
        const figure = buildFigure(chart, context([full]));
        assert.deepEqual(buildFigure(chart, context([lean])).data, figure.data, `${chart}: a field the chart draws is missing from CHARTED_RECORD_FIELDS`);
        assert.deepEqual(buildFigure(chart, context([lean])).layout.xaxis, figure.layout.xaxis, `${chart}: axis`);
      }
    }
  });

  it('colours seeds one by one when one condition is drawn seed by seed, and names them in the legend per quantity', () => {
    const figure = buildFigure('accuracy', context([run('r1', 'lockin', ['grok'], [0, 1])]));
    const traces = scatter(figure.data);
    assert.deepEqual(shown(figure.data).map((trace) => trace.name), ['seed 0 · test', 'seed 1 · test', 'seed 0 · train', 'seed 1 · train']);
    const colours = new Set(traces.map((trace) => trace.line?.color));
    assert.deepEqual([...colours], ['#3794ff', '#d18616']);
    assert.equal(traces.find((trace) => trace.name === 'seed 0 · train')?.line?.dash, 'dash');
    assert.deepEqual(figure.layout.yaxis?.range, [-0.02, 1.02]);
  });

  it('in the median view, draws one median and one IQR band per condition over the seeds shown, with every seed still drawn faintly', () => {
    const figure = buildFigure('gap', context([run('r1', 'lockin', ['grok', 'control'], [0, 1, 2])]));
    const traces = scatter(figure.data);
    const medians = traces.filter((trace) => trace.name?.endsWith('median'));
    assert.deepEqual(medians.map((trace) => trace.name), ['grok median', 'control median']);
    const bands = traces.filter((trace) => trace.fill === 'toself');
    assert.equal(bands.length, 2);
    // The band is drawn from the 25th and 75th percentiles of the three seeds at each epoch.
    const gapAt = (epoch: number) => [0, 1, 2].map((seed) => record(epoch, seed).gap23 as number);
    assert.equal(bands[0].x?.[0], 2, 'the band starts where the eigengap exists');
    assert.equal(bands[0].y?.[0], gapAt(2)[2]);
    // Every seed's raw curve is in a faint trace: 3 seeds × 101 epochs, 2 null separators, per condition.
    const faint = traces.filter((trace) => (trace.opacity ?? 1) < 1);
    assert.equal(faint.length, 2);
    assert.equal(faint[0].x?.length, 3 * 101 + 2);
    assert.equal(faint.every((trace) => trace.showlegend === false), true);
    // Seeds of one condition share its colour; the conditions differ.
    assert.notEqual(medians[0].line?.color, medians[1].line?.color);
    assert.equal(faint[0].line?.color, medians[0].line?.color);
  });

  it('leaves hidden seeds out of the curves and of the median', () => {
    const hidden = [seedToggleKey('r1', 'grok', 1), seedToggleKey('r1', 'grok', 2)];
    const figure = buildFigure('gap', context([run('r1', 'lockin', ['grok'], [0, 1, 2])], { seedView: 'median', hiddenSeeds: hidden }));
    const median = scatter(figure.data).find((trace) => trace.uid?.startsWith('median'));
    // One seed left: its median is itself, with no band.
    assert.equal(scatter(figure.data).some((trace) => trace.fill === 'toself'), false);
    assert.deepEqual(median?.y?.slice(2, 5), [2, 3, 4].map((epoch) => record(epoch, 0).gap23));
    // The hidden seeds are not drawn at all.
    assert.equal(scatter(figure.data).find((trace) => trace.uid?.startsWith('raw'))?.x?.length, 101);
  });

  it('outlines the IQR band as one polygon per stretch of epochs where it exists', () => {
    const lower = { x: [0, 1, 2, 3, 4, 5], y: [null, 1, 2, null, 4, 5] };
    const upper = { x: [0, 1, 2, 3, 4, 5], y: [null, 3, 4, null, 6, 7] };
    assert.deepEqual(bandPolygon(lower, upper), {
      x: [1, 2, 2, 1, null, 4, 5, 5, 4],
      y: [3, 4, 2, 1, null, 6, 7, 5, 4],
    });
    assert.deepEqual(bandPolygon({ x: [], y: [] }, { x: [], y: [] }), { x: [], y: [] });
  });

  it('keeps the raw curve under a smoothed overlay', () => {
    const figure = buildFigure('loss', context([run('r1', 'lockin', ['grok'], [0])], { smoothing: 0.9 }));
    const traces = scatter(figure.data);
    const raw = traces.filter((trace) => trace.uid?.startsWith('raw'));
    const smoothed = traces.filter((trace) => trace.uid?.startsWith('smooth'));
    assert.equal(raw.length, 2);
    assert.equal(smoothed.length, 2);
    assert.ok(raw.every((trace) => (trace.opacity ?? 1) < 1 && trace.x?.length === 101));
    assert.ok(smoothed.every((trace) => trace.opacity === undefined));
  });

  it('draws epoch 0 only on a linear x axis and says so on a log one', () => {
    const linear = buildFigure('accuracy', context([run('r1', 'lockin', ['grok'], [0])]));
    const logarithmic = buildFigure('accuracy', context([run('r1', 'lockin', ['grok'], [0])], { logX: true }));
    assert.equal(scatter(linear.data)[0].x?.[0], 0);
    assert.equal(scatter(logarithmic.data)[0].x?.[0], 1);
    assert.equal(logarithmic.layout.xaxis?.type, 'log');
    assert.ok(logarithmic.notes.some((note) => note.includes('Epoch 0')));
    assert.deepEqual(linear.notes, []);
  });

  it('counts the points a log-y axis cannot show', () => {
    const snapshot = run('r1', 'lockin', ['grok'], [0]);
    snapshot.seeds[0].records[10].gap23 = 0;
    snapshot.seeds[0].records[11].gap23 = -1;
    const figure = buildFigure('gap', context([snapshot]));
    assert.equal(figure.layout.yaxis?.type, 'log');
    assert.ok(figure.notes.includes('2 points ≤ 0 not shown on the log-y axis.'), figure.notes.join(' '));
    // The eigengap spans about one decade here: labels at 1, 2 and 5 of each decade, not every digit.
    assert.equal(figure.layout.yaxis?.dtick, 'D2');
    for (const row of snapshot.seeds[0].records) if (row.eigenvalues) row.eigenvalues = [1, 0.1, 0.01, 1e-4, 1e-6];
    assert.equal(buildFigure('eigenvalues', context([snapshot])).layout.yaxis?.dtick, undefined, 'six decades: Plotly labels decades only');
    const linear = buildFigure('gap', context([snapshot], { logY: { gap: false } }));
    assert.equal(linear.layout.yaxis?.type, 'linear');
    assert.deepEqual(linear.notes, []);
  });

  it('marks detector fires on the gap and slope charts, with the threshold line and warm-up of the manifest', () => {
    const fire: RunEvent = { type: 'detectorFired', condition: 'grok', seed: 0, epoch: 40, gap23: 5, gapSlope: 0.05 };
    const gap = buildFigure('gap', context([run('r1', 'lockin', ['grok'], [0, 1], [fire])]));
    const markers = scatter(gap.data).find((trace) => trace.name === 'detector fired');
    assert.deepEqual([markers?.x, markers?.y], [[40], [5]]);
    const slope = buildFigure('detectorSlope', context([run('r1', 'lockin', ['grok'], [0, 1], [fire])]));
    const threshold = slope.layout.shapes?.find((shape) => shape.y0 === 0.04 && shape.y1 === 0.04);
    assert.ok(threshold, 'threshold line at 0.04');
    assert.ok(slope.layout.annotations?.some((annotation) => annotation.text === 'threshold 0.04'));
    assert.ok(slope.layout.annotations?.some((annotation) => annotation.text === 'warm-up 30'));
    const eigen = buildFigure('eigenvalues', context([run('r1', 'lockin', ['grok'], [0, 1], [fire])], { logX: true }));
    const line = eigen.layout.shapes?.[0];
    // On a log axis Plotly places shapes by log10 of the value.
    assert.equal(line?.x0, Math.log10(40));
  });

  it('colours eigenvalues by λ index, tells conditions apart by dash, and titles the axis with the convention', () => {
    const figure = buildFigure('eigenvalues', context([run('r1', 'lockin', ['grok', 'control'], [0])]));
    const names = shown(figure.data).map((trace) => trace.name);
    assert.deepEqual(names.slice(0, 2), ['λ₁ · grok', 'λ₁ · control']);
    const [grok, control] = shown(figure.data);
    assert.equal(grok.line?.color, control.line?.color);
    assert.notEqual(grok.line?.dash, control.line?.dash);
    assert.equal((figure.layout.yaxis?.title as { text: string }).text, 'λ_k of the update Gram<br>(eigenvalues = squared singular values)');
    // Epochs 0 and 1 have no eigenvalues: gaps, not zeros.
    assert.deepEqual(grok.y?.slice(0, 3), [null, null, 1]);
    // Ten legend entries go beside the plot, not under it.
    assert.equal(figure.layout.legend?.orientation, 'v');
    assert.equal(buildFigure('eigenvalues', context([run('r1', 'lockin', ['grok'], [0])])).layout.legend?.orientation, 'h');
  });

  it('draws the spectral edge in four rows sharing the epoch axis', () => {
    const figure = buildFigure('spectralEdge', context([run('r1', 'lockin', ['grok'], [0])]));
    const axes = new Set(scatter(figure.data).map((trace) => trace.yaxis));
    assert.deepEqual([...axes], ['y', 'y2', 'y3', 'y4']);
    const layout = figure.layout as Partial<Layout> & Record<string, { domain?: number[] }>;
    assert.ok((layout.yaxis?.domain?.[0] ?? 0) > (layout.yaxis4?.domain?.[1] ?? 1));
    assert.equal(layout.xaxis?.anchor, 'y4');
  });

  it('draws repulsion statistics over checkpoints and the B_jl distribution of the latest applicable checkpoint', () => {
    const events = [repulsion('grok', 0, 50), repulsion('grok', 0, 100), repulsion('control', 0, 50, false)];
    const figure = buildFigure('repulsion', context([run('r1', 'lockin', ['grok', 'control'], [0], events)]));
    const fraction = scatter(figure.data).find((trace) => trace.name === 'grok · B_jl < 0 share');
    assert.deepEqual([fraction?.x, fraction?.y, fraction?.mode], [[50, 100], [0.9, 0.9], 'lines+markers']);
    // Not applicable (η = 0): gaps, so nothing is drawn for control, and a note says why.
    assert.equal(scatter(figure.data).some((trace) => trace.name?.startsWith('control')), false);
    assert.deepEqual(figure.notes, ['Theorem 6 does not apply to control: weight decay is 0.']);
    const coupling = buildFigure('coupling', context([run('r1', 'lockin', ['grok', 'control'], [0], events)]));
    const boxes = coupling.data.filter((trace): trace is Partial<BoxData> => trace.type === 'box');
    assert.equal(boxes.length, 1);
    assert.deepEqual(boxes[0].y, [-1.5, -0.5, 0.5]);
    assert.equal(boxes[0].name, 'grok seed 0 @100');
    const normalized = buildFigure('coupling', context([run('r1', 'lockin', ['grok'], [0], events)], { couplingNormalized: true }));
    assert.deepEqual((normalized.data[0] as Partial<BoxData>).y, [-0.1, -0.05, 0.02]);
  });

  it('says when a chart has nothing to draw yet', () => {
    const figure = buildFigure('repulsion', context([run('r1', 'lockin', ['grok'], [0])]));
    assert.equal(figure.hasData, false);
    assert.ok(figure.layout.annotations?.some((annotation) => String(annotation.text).startsWith('No repulsion checkpoint yet')));
  });

  it('compares runs on shared axes, naming groups by run and condition, and tells runs of one experiment apart by their start', () => {
    const runs = [run('2026-11-23T00-35-36Z-feec', 'quickstart', ['grok'], [0]), run('2026-11-24T10-00-00Z-0a1b', 'quickstart', ['grok'], [0]), run('r3', 'relu', ['default'], [0])];
    const labels = runLabels(context(runs).runs);
    assert.deepEqual([...labels.values()], ['quickstart 11-23 00:35 feec', 'quickstart 11-24 10:00 0a1b', 'relu']);
    const figure = buildFigure('accuracy', context(runs));
    assert.deepEqual(shown(figure.data).map((trace) => trace.name), [
      'quickstart 11-23 00:35 feec · grok · test',
      'quickstart 11-24 10:00 0a1b · grok · test',
      'relu · test',
      'quickstart 11-23 00:35 feec · grok · train',
      'quickstart 11-24 10:00 0a1b · grok · train',
      'relu · train',
    ]);
    assert.equal(new Set(shown(figure.data).slice(0, 3).map((trace) => trace.line?.color)).size, 3);
  });

  it('thins long curves for drawing but keeps their spikes', () => {
    const snapshot = run('r1', 'lockin', ['grok'], [0]);
    snapshot.seeds[0].records = Array.from({ length: 5001 }, (_, epoch) => ({ ...record(Math.min(epoch, 100), 0), epoch, gap23: epoch === 3333 ? 1e6 : 2 }));
    const figure = buildFigure('gap', { ...context([snapshot]), maxPointsPerTrace: 500 });
    const trace = scatter(figure.data)[0];
    assert.ok((trace.x?.length ?? 0) <= 500);
    assert.ok([...(trace.y ?? [])].some((value) => value === 1e6), 'the spike survives');
    assert.ok(figure.notes.some((note) => note.includes('thinned')));
  });

  it('shares a point budget between many seeds, keeping a minimum per seed', () => {
    const seeds = Array.from({ length: 30 }, (_, seed) => seed);
    const snapshot = run('r1', 'lockin', ['grok'], seeds);
    for (const seed of snapshot.seeds) seed.records = Array.from({ length: 3001 }, (_, epoch) => ({ ...record(Math.min(epoch, 100), seed.seed), epoch }));
    const figure = buildFigure('accuracy', context([snapshot], { seedView: 'seeds' }));
    // 30 seeds share 4 × 2000 points: 266 each, raised to the minimum of 300.
    for (const trace of scatter(figure.data)) assert.ok((trace.x?.length ?? 0) <= 300, `${trace.name}: ${trace.x?.length}`);
  });

  it('gives traces uids that are stable and safe in CSS selectors (Plotly builds selectors from them)', () => {
    const figure = buildFigure('eigenvalues', context([run('2026-11-23T00-35-36Z-feec', 'lockin', ['grok'], [0])]));
    for (const trace of figure.data) assert.match(String(trace.uid), /^[A-Za-z0-9_-]+$/);
    assert.notEqual(traceUid('a|b'), traceUid('a/b'));
    assert.equal(traceUid('raw|eigenvalues[1]|x'), traceUid('raw|eigenvalues[1]|x'));
  });

  it('titles exported images with the chart and the runs', () => {
    const figure = exportFigure('gap', buildFigure('gap', context([run('r1', 'lockin', ['grok'], [0])])), 'lockin');
    assert.equal((figure.layout.title as { text: string }).text, 'Eigengap λ₂/λ₃ · lockin');
  });
});
