/**
 * What a figure is built from and what it is, and what every chart's layout shares: the themed axes,
 * the time axis (epochs, or steps for Transformer runs: the runs' words, src/shared/timeUnit.ts), the
 * notes under a chart, the "no data" text, the legend's place and the log-axis ticks. Pure (only
 * Plotly's types).
 */
import type { Annotation, Data, Layout, LayoutAxis } from 'plotly.js-dist-min';
import type { RunState } from '../store';
import type { ChartId } from '../chartDefinitions';
import { isLogY, timeAxisTitle } from '../chartDefinitions';
import type { SeedStyle, SeriesStyles } from '../seriesStyles';
import type { ChartTheme } from '../theme';
import type { DashboardViewState } from '../viewState';
import { plural } from '../../shared/text';
import { type TimeWords, combineTimeUnits, timeWords } from '../../shared/timeUnit';

/** Most points of one drawn curve; longer curves are thinned with spike-preserving min/max buckets. */
export const DEFAULT_MAX_POINTS_PER_TRACE = 2000;

/** What a figure is built from. */
export interface FigureContext {
  runs: readonly RunState[];
  view: DashboardViewState;
  theme: ChartTheme;
  /** From `seriesStyles` (src/webview/seriesStyles.ts) for the same runs, view and theme. */
  styles: SeriesStyles;
  maxPointsPerTrace?: number;
}

/** One chart, ready for `Plotly.react`. */
export interface ChartFigure {
  data: Data[];
  layout: Partial<Layout>;
  /** Plain sentences to show under the chart (points left out of a log axis, thinned series). */
  notes: string[];
  /** Whether anything is drawn (else the layout carries a "no data" annotation). */
  hasData: boolean;
}

/** Where a line is drawn in a multi-row chart. */
export type YAxisId = 'y' | 'y2' | 'y3' | 'y4';

/** Counts of what a log axis or thinning left out, for the notes. */
export interface Omissions {
  logYDropped: number;
  epochZeroDropped: boolean;
  thinned: boolean;
}

export function noOmissions(): Omissions {
  return { logYDropped: 0, epochZeroDropped: false, thinned: false };
}

/** The run a group or seed belongs to (the styles are made from the context's runs). */
export function runOf(context: FigureContext, runId: string): RunState {
  return context.runs.find((run) => run.runId === runId) as RunState;
}

/** The seeds toggled on, in group order. */
export function shownSeeds(context: FigureContext): SeedStyle[] {
  return context.styles.seeds.filter((seed) => seed.shown);
}

export function axis(theme: ChartTheme, title: string, type: 'linear' | 'log', extra: Partial<LayoutAxis> = {}): Partial<LayoutAxis> {
  return {
    title: { text: title, font: { size: theme.fontSize } },
    type,
    color: theme.foreground,
    gridcolor: theme.gridColor,
    linecolor: theme.axisColor,
    zerolinecolor: theme.axisColor,
    showline: true,
    zeroline: false,
    automargin: true,
    // Not 'power': Plotly draws 10ⁿ with a <tspan style="font-size:70%">, a style attribute the
    // strict CSP blocks (the exponent would show full size, reading as 10-6 for 10⁻⁶).
    exponentformat: 'e',
    ...extra,
  };
}

/** A y axis, log or linear. */
export function valueAxis(context: FigureContext, title: string, logY: boolean, extra: Partial<LayoutAxis> = {}): Partial<LayoutAxis> {
  return axis(context.theme, title, logY ? 'log' : 'linear', extra);
}

/**
 * The time words of the runs drawn: "epoch" for MLP runs, "step" for Transformer runs, "epoch/step"
 * when a comparison (or a run) holds both; "epoch" with no run.
 */
export function timeWordsOf(context: Pick<FigureContext, 'runs'>): TimeWords {
  return timeWords(combineTimeUnits(context.runs.map((run) => run.timeUnit)));
}

/** The time x axis: epochs, or steps (log when asked). */
export function epochAxis(context: FigureContext, extra: Partial<LayoutAxis> = {}): Partial<LayoutAxis> {
  const title = timeAxisTitle(timeWordsOf(context).unit);
  return axis(context.theme, context.view.logX ? `${title}, log scale` : title, context.view.logX ? 'log' : 'linear', extra);
}

/** Data x of a vertical line at an epoch: Plotly places shapes on a log axis by log10 of the value. */
export function shapeX(epoch: number, logX: boolean): number | null {
  if (!logX) return epoch;
  return epoch > 0 ? Math.log10(epoch) : null;
}

function baseLayout(chart: ChartId, context: FigureContext, extra: Partial<Layout>): Partial<Layout> {
  const { theme, view } = context;
  return {
    autosize: true,
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    font: { family: theme.fontFamily, size: theme.fontSize - 1, color: theme.foreground },
    margin: { l: 56, r: 16, t: 12, b: 40 },
    hovermode: 'closest',
    hoverlabel: { bgcolor: theme.hoverBackground, bordercolor: theme.hoverBorder, font: { color: theme.hoverForeground, family: theme.fontFamily } },
    // At the bottom of the figure (not a fraction below the plot), so that it never covers the x-axis title.
    legend: { orientation: 'h', x: 0, xanchor: 'left', y: 0, yref: 'container', yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)', font: { color: theme.foreground } },
    showlegend: true,
    // Zoom and legend toggles survive live updates; a change of the runs or of an axis type resets them.
    uirevision: `${chart}|${context.runs.map((run) => run.runId).join(',')}|${view.logX}|${isLogY(chart, view.logY)}|${view.couplingNormalized}`,
    ...extra,
  };
}

function noDataAnnotation(theme: ChartTheme, text: string): Partial<Annotation> {
  return { text, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, showarrow: false, font: { color: theme.mutedForeground, size: theme.fontSize } };
}

/** The notes under a chart: what a log axis or thinning left out, and a run held as a thinned subset of its rows. */
export function notesOf(omissions: Omissions, context: FigureContext): string[] {
  const notes: string[] = [];
  if (omissions.logYDropped > 0) notes.push(`${plural(omissions.logYDropped, 'point')} ≤ 0 not shown on the log-y axis.`);
  if (omissions.epochZeroDropped) notes.push(`${timeWordsOf(context).title} 0 is not shown on the log-x axis.`);
  if (omissions.thinned) notes.push(`Curves longer than ${context.maxPointsPerTrace ?? DEFAULT_MAX_POINTS_PER_TRACE} points are thinned for drawing; every bucket's minimum and maximum are kept, so no spike is hidden.`);
  const decimated = context.runs.flatMap((run) => run.seeds.filter((seed) => seed.decimation));
  if (decimated.length > 0) {
    const kept = Math.max(...decimated.map((seed) => seed.records.length));
    const total = Math.max(...decimated.map((seed) => seed.decimation?.sourceRecordCount ?? 0));
    notes.push(`Long run: up to ${kept} of ${total} rows per seed are held (min/max per bucket, spikes and gaps kept).`);
  }
  return notes;
}

/**
 * Tick spacing of a log axis spanning few decades: Plotly labels every digit there (1, 2, 3 … 9,
 * 10), which crowds a 360-pixel chart; 'D2' labels 1, 2 and 5 of each decade. Over more than three
 * decades Plotly's own choice (decades only) is kept: undefined.
 */
function logTickSpacing(data: readonly Data[], yaxis: YAxisId): 'D2' | undefined {
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  for (const trace of data) {
    if (trace.type !== 'scatter' || (trace.yaxis ?? 'y') !== yaxis) continue;
    for (const value of (trace.y ?? []) as (number | null)[]) {
      if (value === null || !(value > 0)) continue;
      if (value < low) low = value;
      if (value > high) high = value;
    }
  }
  if (!(high > 0) || !Number.isFinite(low)) return undefined;
  return Math.log10(high / low) <= 3 ? 'D2' : undefined;
}

/** Legends with more entries than this go to the right of the plot, in a column, instead of under it (where they would squeeze the plot). */
const MAXIMUM_LEGEND_ENTRIES_BELOW = 6;

/** What a chart draws, before the layout every chart shares. */
export interface ChartParts {
  data: Data[];
  hasData: boolean;
  /** The chart's own axes, shapes and annotations. */
  layout: Partial<Layout>;
  notes: string[];
  /** What the chart says when it has nothing to draw. */
  emptyText: string;
}

/** The figure of a chart: its parts in the shared layout, with the "no data" text, log ticks and the legend's place. */
export function finish(chart: ChartId, context: FigureContext, parts: ChartParts): ChartFigure {
  const { data, hasData, layout } = parts;
  const annotations = [...(layout.annotations ?? [])];
  if (!hasData) annotations.push(noDataAnnotation(context.theme, parts.emptyText));
  const entries = data.filter((trace) => !('showlegend' in trace) || trace.showlegend !== false).length;
  const extra: Partial<Layout> = { ...layout, annotations };
  for (const [name, id] of [['yaxis', 'y'], ['yaxis2', 'y2'], ['yaxis3', 'y3'], ['yaxis4', 'y4']] as const) {
    const yAxis = extra[name];
    if (yAxis?.type !== 'log') continue;
    const ticks = logTickSpacing(data, id);
    if (ticks) extra[name] = { ...yAxis, dtick: ticks };
  }
  if (entries > MAXIMUM_LEGEND_ENTRIES_BELOW) {
    extra.legend = { orientation: 'v', x: 1.02, xanchor: 'left', y: 1, yanchor: 'top', bgcolor: 'rgba(0,0,0,0)', font: { color: context.theme.foreground }, ...(layout.legend ?? {}) };
  }
  return { data, layout: baseLayout(chart, context, extra), notes: parts.notes, hasData };
}
