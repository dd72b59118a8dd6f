/**
 * The figures the dashboard and the HTML report draw for realistic runs, serialised: what
 * test/unit/webviewFigureSnapshots.test.ts compares with test/fixtures/figures/figures.json, and what
 * test/fixtures/figures/generate.ts wrote that file from (once, on the code before the figures were
 * split into chart families). Neither the test nor the generator decides what a figure should be:
 * the fixture is whatever the code drew, so a change of any trace, axis, shape, note or colour shows.
 *
 * The runs are made here, deterministically (a seeded generator, values rounded to four digits),
 * in the shape real runs have: memorisation then delayed generalisation, a rolling spectrum from
 * the third update on, detector fires, Theorem-6 checkpoints that apply (η > 0) and do not (η = 0),
 * a failed seed, the gradient-direction SED every five epochs, a gap in one seed's records, one
 * g₂₃ of 0 (left out of a log axis), a decimated seed. Every manifest names its detector settings,
 * so that the fixture does not depend on the configuration defaults (src/shared/config/defaults.ts).
 */
import type { RunSnapshot, SeedFocus, SeedSnapshot } from '../../src/shared/protocol/webview';
import { WEBVIEW_PROTOCOL_VERSION } from '../../src/shared/protocol/webview';
import { reportChartData } from '../../src/shared/report/chartData';
import type { EpochRecord, RunEvent, RunManifest, SeedStatus } from '../../src/shared/runFormat';
import { CHART_IDS } from '../../src/webview/chartDefinitions';
import { buildFigure, exportFigure, type FigureContext } from '../../src/webview/figures';
import { seriesStyles } from '../../src/webview/seriesStyles';
import { DashboardStore, type RunState } from '../../src/webview/store';
import { reportFigureContext } from '../../src/webview/reportFigures';
import { chartTheme, type ChartTheme, type ThemeKind } from '../../src/webview/theme';
import { defaultViewState, seedToggleKey, type DashboardViewState } from '../../src/webview/viewState';

/** Rows 0…EPOCHS of a full seed. */
const EPOCHS = 40;
/** Detector lag of every run (rows), for the slope s(t). */
const LAG = 3;

/** A small deterministic generator (mulberry32), so that the runs are the same on every machine. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Four significant digits: realistic values that keep the fixture small. */
function round(value: number): number {
  return Number(value.toPrecision(4));
}

/** What one seed of a made-up run does. */
interface SeedPlan {
  condition: string;
  seed: number;
  /** Last row written (EPOCHS unless the seed stopped early). */
  lastEpoch: number;
  status: SeedStatus;
  message?: string;
  /** First epoch with train accuracy 1. */
  memorised: number;
  /** Epoch around which test accuracy rises (null: it never does). */
  grok: number | null;
  /** Epoch from which λ₂/λ₃ is high (null: it stays low). */
  gapJump: number | null;
  /** Whether the run records the gradient-direction SED. */
  gradientSed: boolean;
  /** Rows without a spectrum (a gap, not a zero). */
  missingSpectrum?: number[];
  /** Rows whose g₂₃ is 0 (left out of a log axis, with a note). */
  zeroG23?: number[];
}

function records(plan: SeedPlan, random: () => number): EpochRecord[] {
  const noise = () => random() - 0.5;
  const gaps = Array.from({ length: plan.lastEpoch + 1 }, (_, epoch) => round(plan.gapJump !== null && epoch >= plan.gapJump ? 8 + 2 * noise() : 1.5 + 0.3 * noise()));
  return gaps.map((gap, epoch): EpochRecord => {
    const testAcc = plan.grok === null ? round(0.05 + 0.02 * random()) : round(0.05 + 0.93 / (1 + Math.exp(-(epoch - plan.grok) / 2)));
    const row: EpochRecord = {
      epoch,
      trainLoss: round(1.2 * Math.exp(-epoch / (plan.memorised / 2)) + 0.002 + 0.001 * random()),
      trainAcc: round(Math.min(1, 0.1 + (0.9 * epoch) / plan.memorised)),
      testLoss: round(2.3 - 2 * testAcc + 0.05 * noise()),
      testAcc,
      weightNorm: round(12 + 0.3 * epoch - (plan.grok !== null && epoch > plan.grok ? 0.4 * (epoch - plan.grok) : 0) + 0.1 * noise()),
      secondLayerNorm: round(6 + 0.1 * epoch + 0.05 * noise()),
    };
    // The rolling window (w = 5) has three updates from row 3: the spectrum starts there.
    if (epoch >= 3 && !plan.missingSpectrum?.includes(epoch)) {
      const lambda2 = round(0.8 + 0.1 * noise());
      const lambda3 = round(lambda2 / gap);
      row.eigenvalues = [round(3 + noise()), lambda2, lambda3, round(lambda3 * 0.4), round(lambda3 * 0.12)];
      row.gap23 = gap;
      if (epoch >= 3 + LAG) row.gapSlope = round((Math.log(gap) - Math.log(gaps[epoch - LAG])) / LAG);
      if (epoch >= 5) {
        row.kStar = gap > 4 ? 2 : 1;
        row.edgeRatio = round(1.5 + 0.1 * gap);
        row.g23 = plan.zeroG23?.includes(epoch) ? 0 : round(lambda2 - lambda3);
        row.adiabatic = round(0.05 + 0.2 * random());
      }
    }
    if (plan.gradientSed && epoch >= 10 && epoch % 5 === 0) {
      row.gradientSedRatios = [round(3 + epoch / 20 + noise()), round(2 + 0.2 * noise()), round(1.4 + 0.2 * noise())];
      row.updateSedRatios = [round(1.3 + 0.2 * noise()), round(1.1 + 0.1 * noise()), round(0.9 + 0.1 * noise())];
    }
    return row;
  });
}

/** Detector fires, milestones, Theorem-6 checkpoints and seed ends of one seed. */
function events(plan: SeedPlan, rows: readonly EpochRecord[], weightDecay: number, checkpoints: readonly number[], pairLists: boolean, random: () => number): RunEvent[] {
  const { condition, seed } = plan;
  const result: RunEvent[] = [{ type: 'milestone', condition, seed, epoch: plan.memorised, milestone: 'memorized' }];
  if (plan.gapJump !== null && plan.gapJump <= plan.lastEpoch) {
    const row = rows[plan.gapJump];
    result.push({ type: 'detectorFired', condition, seed, epoch: plan.gapJump, gap23: row.gap23 as number, gapSlope: row.gapSlope as number });
  }
  for (const epoch of checkpoints.filter((checkpoint) => checkpoint <= plan.lastEpoch)) {
    if (weightDecay === 0) {
      result.push({ type: 'repulsion', condition, seed, epoch, applicable: false, reason: 'weight decay is 0, so B = (F̃ᵀF̃ + ηI)⁻¹ is singular', weightDecay, pairs: 5, milliseconds: 2 });
      continue;
    }
    const pairs = Array.from({ length: 5 }, (_, index): [number, number, number, number, number] => {
      const coupling = round(-1.5 + index * 0.6 + 0.3 * random());
      return [index, index + 1, round(0.2 + 0.5 * random()), coupling, round(coupling / 4)];
    });
    const sorted = pairs.map((pair) => pair[3]).sort((left, right) => left - right);
    const normalised = pairs.map((pair) => pair[4]).sort((left, right) => left - right);
    result.push({
      type: 'repulsion',
      condition,
      seed,
      epoch,
      applicable: true,
      weightDecay,
      pairs: 5,
      fractionNegative: round(0.5 + 0.4 * random()),
      signMatch: round(0.98 + 0.02 * random()),
      publishedSignMatch: round(0.4 + 0.3 * random()),
      couplingQuantiles: [sorted[0], sorted[1], sorted[2], sorted[3], sorted[4]],
      normalizedCouplingQuantiles: [normalised[0], normalised[1], normalised[2], normalised[3], normalised[4]],
      ...(pairLists ? { pairList: pairs } : {}),
      milliseconds: 3,
    });
  }
  if (plan.status !== 'running') {
    result.push({ type: 'seedFinished', condition, seed, epoch: plan.lastEpoch, status: plan.status, ...(plan.message ? { message: plan.message } : {}) });
  }
  return result;
}

/** A run's manifest and conditions: each condition's weight decay and detector settings. */
interface RunPlan {
  runId: string;
  experiment: string;
  status: RunSnapshot['status'];
  conditions: { name: string; weightDecay: number; threshold: number; warmup: number }[];
  seeds: SeedPlan[];
  checkpoints: number[];
  pairLists: boolean;
  /** A seed whose rows are a thinned subset of this many. */
  decimatedFrom?: number;
}

function manifest(plan: RunPlan): RunManifest {
  return {
    formatVersion: 1,
    runId: plan.runId,
    experiment: plan.experiment,
    file: `${plan.experiment}.grok.yaml`,
    seeds: [...new Set(plan.seeds.map((seed) => seed.seed))],
    conditions: plan.conditions.map(({ name, weightDecay, threshold, warmup }) => ({
      name,
      configHash: name,
      config: {
        loss: 'mse',
        epochs: EPOCHS,
        optimizer: { name: 'adam', lr: 1e-3, weightDecay },
        diagnostics: { eigengap: { window: 5, detector: { lag: LAG, threshold, warmup }, lateStage: [30, 40] } },
      } as unknown as RunManifest['conditions'][number]['config'],
    })),
    configHash: 'hash',
    engine: { name: 'wasm', threads: 1 },
    versions: { grokkingLab: '0.1.0', node: 'v20' },
    startTime: '2026-03-01T10:00:00Z',
    status: plan.status,
    producer: 'cli',
  };
}

function runSnapshot(plan: RunPlan, generatorSeed: number): RunSnapshot {
  const random = randomSource(generatorSeed);
  const seeds: SeedSnapshot[] = [];
  const runEvents: RunEvent[] = [];
  for (const seedPlan of plan.seeds) {
    const rows = records(seedPlan, random);
    const condition = plan.conditions.find((candidate) => candidate.name === seedPlan.condition);
    runEvents.push(...events(seedPlan, rows, condition?.weightDecay ?? 0, plan.checkpoints, plan.pairLists, random));
    seeds.push({
      condition: seedPlan.condition,
      seed: seedPlan.seed,
      status: seedPlan.status,
      ...(seedPlan.message ? { message: seedPlan.message } : {}),
      epochs: EPOCHS,
      records: rows,
      ...(plan.decimatedFrom ? { decimation: { sourceRecordCount: plan.decimatedFrom, method: 'minMaxBuckets' as const } } : {}),
    });
  }
  return { runId: plan.runId, manifest: manifest(plan), status: plan.status, timeUnit: 'epoch', seeds, events: runEvents, summary: null };
}

const seedPlan = (condition: string, seed: number, overrides: Partial<SeedPlan>): SeedPlan => ({
  condition,
  seed,
  lastEpoch: EPOCHS,
  status: 'completed',
  memorised: 8,
  grok: null,
  gapJump: null,
  gradientSed: false,
  ...overrides,
});

/** A study of weight decay against none: two conditions of three seeds, one of which failed. */
export const LOCKIN_RUN: RunSnapshot = runSnapshot(
  {
    runId: '2026-03-01T10-00-00Z-a1b2',
    experiment: 'lockin',
    status: 'failed',
    conditions: [
      { name: 'grok', weightDecay: 1e-3, threshold: 0.05, warmup: 8 },
      { name: 'control', weightDecay: 0, threshold: 0.05, warmup: 8 },
    ],
    seeds: [
      seedPlan('grok', 0, { memorised: 7, grok: 22, gapJump: 18, gradientSed: true }),
      seedPlan('grok', 1, { memorised: 8, grok: 25, gapJump: 20, gradientSed: true, zeroG23: [12] }),
      seedPlan('grok', 2, { memorised: 9, grok: 27, gapJump: 21, gradientSed: true, lastEpoch: 28, status: 'failed', message: 'the worker exited with code 1: RangeError: out of memory' }),
      seedPlan('control', 0, { memorised: 10 }),
      seedPlan('control', 1, { memorised: 11, gapJump: 34, missingSpectrum: [17] }),
      seedPlan('control', 2, { memorised: 9 }),
    ],
    checkpoints: [15, 30, 40],
    pairLists: true,
  },
  1,
);

/** The same experiment started again: the compare view tells the two apart by their start. No pair lists: the coupling boxes come from the recorded quantiles. */
export const LOCKIN_RERUN: RunSnapshot = runSnapshot(
  {
    runId: '2026-03-02T09-30-00Z-c3d4',
    experiment: 'lockin',
    status: 'completed',
    conditions: [{ name: 'grok', weightDecay: 2e-3, threshold: 0.08, warmup: 10 }],
    seeds: [seedPlan('grok', 0, { memorised: 6, grok: 19, gapJump: 16, gradientSed: true }), seedPlan('grok', 1, { memorised: 7, grok: 21, gapJump: 17, gradientSed: true })],
    checkpoints: [20, 40],
    pairLists: false,
  },
  2,
);

/** Another experiment with no named condition, still running, held as a thinned subset of its rows. */
export const RELU_RUN: RunSnapshot = runSnapshot(
  {
    runId: '2026-03-03T08-15-00Z-e5f6',
    experiment: 'relu',
    status: 'running',
    conditions: [{ name: 'default', weightDecay: 1e-3, threshold: 0.05, warmup: 8 }],
    seeds: [seedPlan('default', 0, { memorised: 5, grok: 30, gapJump: 26, lastEpoch: 33, status: 'running' })],
    checkpoints: [20],
    pairLists: true,
    decimatedFrom: 120,
  },
  3,
);

/** A run just launched: its seeds queued, no row and no event yet (every chart says what it waits for). */
export const QUEUED_RUN: RunSnapshot = {
  ...LOCKIN_RERUN,
  runId: '2026-03-04T07-00-00Z-0789',
  manifest: { ...(LOCKIN_RERUN.manifest as RunManifest), runId: '2026-03-04T07-00-00Z-0789', status: 'running' },
  status: 'running',
  seeds: LOCKIN_RERUN.seeds.map((seed) => ({ condition: seed.condition, seed: seed.seed, status: 'queued', epochs: EPOCHS, records: [] })),
  events: [],
};

/** Colours of VS Code's Dark Modern theme, as its webview variables give them. */
const DARK_VARIABLES: Record<string, string> = {
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': 'rgba(234, 92, 0, 0.33)',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-font-size': '13px',
  '--vscode-font-family': 'system-ui',
};

function dashboardTheme(kind: ThemeKind): ChartTheme {
  return chartTheme((name) => DARK_VARIABLES[name] ?? '', kind);
}

/** The runs as the dashboard's store holds them after the host's snapshot. */
function storedRuns(runs: RunSnapshot[]): RunState[] {
  const store = new DashboardStore();
  store.applySnapshot({ type: 'snapshot', protocolVersion: WEBVIEW_PROTOCOL_VERSION, runs: structuredClone(runs) });
  return [...store.runs];
}

/** The runs as the report's page reads them: the lean chart data, through JSON (src/webview/reportPage.ts). */
function reportRuns(run: RunSnapshot): RunState[] {
  const data = reportChartData({ runId: run.runId, manifest: run.manifest, status: run.status, seeds: run.seeds, events: run.events, summary: run.summary });
  return (JSON.parse(JSON.stringify(data)) as { runs: RunState[] }).runs;
}

/** The dashboard's figure context (src/webview/dashboardApp.ts) for runs under a view. */
function dashboardContext(runs: RunState[], view: Partial<DashboardViewState>, theme: ChartTheme, options: { focus?: SeedFocus; maxPointsPerTrace?: number } = {}): FigureContext {
  const state: DashboardViewState = { ...defaultViewState(), runIds: runs.map((run) => run.runId), ...view };
  return {
    runs,
    view: state,
    theme,
    styles: seriesStyles(runs, state, theme, options.focus),
    ...(options.maxPointsPerTrace !== undefined ? { maxPointsPerTrace: options.maxPointsPerTrace } : {}),
  };
}

/**
 * The dashboard's views (default; seeds one by one with every toggle set; median with smoothing and
 * thinning; nothing yet), the comparison of three runs, and the report, by name.
 */
function scenarios(): [string, FigureContext][] {
  const lockin = () => storedRuns([LOCKIN_RUN]);
  return [
    ['dashboard', dashboardContext(lockin(), {}, dashboardTheme('dark'))],
    [
      'dashboard-seeds',
      dashboardContext(
        lockin(),
        {
          seedView: 'seeds',
          smoothing: 0.8,
          logX: true,
          logY: { loss: false, accuracy: true, spectralEdge: true, gradientSed: false },
          hiddenSeeds: [seedToggleKey(LOCKIN_RUN.runId, 'control', 2)],
          couplingNormalized: true,
        },
        dashboardTheme('highContrast'),
        { focus: { runId: LOCKIN_RUN.runId, condition: 'grok', seed: 1 }, maxPointsPerTrace: 24 },
      ),
    ],
    ['dashboard-median', dashboardContext(lockin(), { seedView: 'median', smoothing: 0.6, logY: { eigenvalues: false } }, dashboardTheme('dark'), { maxPointsPerTrace: 30 })],
    ['dashboard-queued', dashboardContext(storedRuns([QUEUED_RUN]), {}, dashboardTheme('dark'))],
    ['compare', dashboardContext(storedRuns([LOCKIN_RUN, LOCKIN_RERUN, RELU_RUN]), {}, dashboardTheme('dark'))],
    ['report', reportFigureContext(reportRuns(LOCKIN_RUN))],
  ];
}

/** A JSON value in which -0, NaN and ±∞ stay visible (JSON would write them as 0 and null). */
function exactNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== 'number') return value;
  if (Object.is(value, -0)) return '-0';
  return Number.isFinite(value) ? value : String(value);
}

function serialisable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, exactNumbers)) as unknown;
}

/**
 * Every chart of every scenario, by `scenario/chart`: the figure (data, layout, notes, whether it
 * has data); and `export/chart`, the layout of the dashboard's exported image (its data is the
 * dashboard's).
 */
export function figureSnapshots(): Record<string, unknown> {
  const snapshots: Record<string, unknown> = {};
  for (const [name, context] of scenarios()) {
    for (const chart of CHART_IDS) {
      const figure = buildFigure(chart, context);
      snapshots[`${name}/${chart}`] = serialisable(figure);
      if (name === 'dashboard') snapshots[`export/${chart}`] = serialisable(exportFigure(chart, figure, 'lockin').layout);
    }
  }
  return snapshots;
}

/** The fixture file's text: one line per figure, so that a diff names the figure that changed. */
export function figureSnapshotsText(snapshots: Record<string, unknown>): string {
  const lines = Object.entries(snapshots).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}
