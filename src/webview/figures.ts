/**
 * The dashboard's store → Plotly figures (data + layout) of every chart. Pure: no DOM, no Plotly
 * runtime (only its types), so every rule below is tested in Node (test/unit/webviewFigures.test.ts)
 * and the webview only calls `Plotly.react` with the result.
 *
 * Honest plots (docs/product.md §1 and §3.1–3.3):
 * - the raw curve is always drawn: under a smoothed overlay and under a median it stays, faint;
 * - log axes never hide values silently: points ≤ 0 (log-y) or at epoch 0 (log-x) are left out
 *   and a note says how many;
 * - long series are thinned for drawing with min/max buckets (decimate.ts), which keep every spike;
 * - a missing value is a gap (`connectgaps: false`), never a zero.
 */
import type { Annotation, Dash, Data, Layout, LayoutAxis, ScatterData, Shape } from 'plotly.js-dist-min';
import { aggregateSeries } from './aggregate';
import { decimateSeries, decimationIndices } from '../shared/dashboard/decimate';
import type { Metric, RepulsionStatistic, Series } from '../shared/dashboard/series';
import { couplingDistribution, describeMetric, detectorMarkers, forLogAxis, metricSeries, repulsionSeries, sparseMetricSeries } from '../shared/dashboard/series';
import { smoothSeries } from './smoothing';
import type { RunState } from './store';
import { defaults } from '../shared/config/defaults';
import type { ChartId } from './chartDefinitions';
import { CHART_DEFINITIONS, EPOCH_AXIS_TITLE, isLogY } from './chartDefinitions';
import type { GroupStyle, SeedStyle, SeriesStyles } from './seriesStyles';
import type { ChartTheme } from './theme';
import { mixColors, withAlpha } from './theme';
import type { DashboardViewState } from './viewState';

/** Most points of one drawn curve; longer curves are thinned with spike-preserving min/max buckets. */
export const DEFAULT_MAX_POINTS_PER_TRACE = 2000;

/**
 * Points one seed's curve may keep when many seeds are drawn: the seeds share about
 * {@link SEED_POINT_BUDGET_FACTOR} × the per-curve budget (so 30 seeds of a long run do not draw
 * 60 000 points per quantity), but never fewer than {@link MINIMUM_POINTS_PER_SEED} each. Thinning
 * keeps every bucket's extremes, so no spike disappears.
 */
export const SEED_POINT_BUDGET_FACTOR = 4;
export const MINIMUM_POINTS_PER_SEED = 300;

/** What a figure is built from. */
export interface FigureContext {
  runs: readonly RunState[];
  view: DashboardViewState;
  theme: ChartTheme;
  /** From {@link seriesStyles} for the same runs, view and theme. */
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
type YAxisId = 'y' | 'y2' | 'y3' | 'y4';

/** One quantity drawn for every seed (a metric of the records, or a checkpoint statistic). */
interface LineSpec {
  /** Stable id (metric or statistic name), used in legend groups and trace uids. */
  key: string;
  /** Name of the quantity in legends and hovers. */
  label: string;
  dash: Dash;
  /** The seed's values of the quantity. */
  seriesOf(seed: SeedStyle, run: RunState): Series;
  /** Checkpoint statistics are few points: drawn with markers. */
  markers?: boolean;
  yaxis?: YAxisId;
  /** Whether this line's y axis is logarithmic. */
  logY: boolean;
  /** A colour per quantity (λ₁…λ₅) instead of per seed or group. */
  color?: string;
}

interface LineOptions {
  /** Whether legend entries name the quantity ("grok · test") or only the seed or group ("grok"). */
  quantityInLegend: boolean;
  /** Colour by quantity (spec.color), with groups told apart by dash. */
  colorByQuantity?: boolean;
  /** Word for x in hovers: epoch or checkpoint. */
  xWord: string;
}

/** Counts of what a log axis or thinning left out, for the notes. */
interface Omissions {
  logYDropped: number;
  epochZeroDropped: boolean;
  thinned: boolean;
}

/** A hover text: the trace's name, the point's seed (`%{text}`), x and y. */
function hoverFor(name: string, detail: string, xWord: string): string {
  // Names come from experiment and condition names ([A-Za-z0-9._-]) and fixed labels: nothing Plotly would interpret.
  return `${name}<br>${detail}<br>${xWord} %{x}<br>%{y:.4~g}<extra></extra>`;
}

/** Applies the log axes and the drawing budget to one series. */
function prepareForAxes(series: Series, logX: boolean, logY: boolean, maxPoints: number, omissions: Omissions): Series {
  let result: Series = series;
  if (logX) {
    const onLogX = forLogAxis(result, 'x');
    if (onLogX.droppedCount > 0) omissions.epochZeroDropped = true;
    result = { x: onLogX.x, y: onLogX.y };
  }
  if (logY) {
    const onLogY = forLogAxis(result, 'y');
    omissions.logYDropped += onLogY.droppedCount;
    result = { x: onLogY.x, y: onLogY.y };
  }
  if (result.x.length > maxPoints) {
    omissions.thinned = true;
    const thinned = decimateSeries(result, maxPoints);
    result = { x: thinned.x, y: thinned.y };
  }
  return result;
}

function hasDrawableValue(series: Series): boolean {
  return series.y.some((value) => value !== null);
}

/**
 * The IQR band as one closed outline (Plotly `fill: 'toself'`): along the 75th percentile, back
 * along the 25th, one polygon per stretch of epochs where both exist, polygons separated by a
 * null. One trace instead of the usual pair (invisible lower edge + `tonexty`), which keeps the
 * redraw of a live chart cheaper. `lower` and `upper` share their x.
 */
export function bandPolygon(lower: Series, upper: Series): Points {
  const x: (number | null)[] = [];
  const y: (number | null)[] = [];
  let start = -1;
  const close = (end: number) => {
    if (start < 0) return;
    if (x.length > 0) {
      x.push(null);
      y.push(null);
    }
    for (let index = start; index < end; index++) {
      x.push(upper.x[index]);
      y.push(upper.y[index]);
    }
    for (let index = end - 1; index >= start; index--) {
      x.push(lower.x[index]);
      y.push(lower.y[index]);
    }
    start = -1;
  };
  for (let index = 0; index < upper.x.length; index++) {
    const present = upper.y[index] !== null && lower.y[index] !== null;
    if (present && start < 0) start = index;
    if (!present) close(index);
  }
  close(upper.x.length);
  return { x, y };
}

/** Legend identity of a seed's line: per colour (seed or group), and per quantity when asked. */
function legendOf(seed: SeedStyle, group: GroupStyle, spec: LineSpec, styles: SeriesStyles, options: LineOptions, groupCount: number): { key: string; name: string } {
  if (options.colorByQuantity) {
    return groupCount > 1 ? { key: `${spec.key}|${group.key}`, name: `${spec.label} · ${group.label}` } : { key: spec.key, name: spec.label };
  }
  const colorKey = styles.colorBy === 'seed' ? seed.key : group.key;
  const colorLabel = styles.colorBy === 'seed' ? seed.label : group.label;
  return options.quantityInLegend ? { key: `${colorKey}|${spec.key}`, name: `${colorLabel} · ${spec.label}` } : { key: colorKey, name: colorLabel };
}

/**
 * A trace uid Plotly can use: it builds CSS class selectors from uids (e.g. `.cb<uid>` when a trace
 * is removed), so every character outside [A-Za-z0-9-] is escaped as `_<hex>_`, keeping distinct
 * keys distinct and the same key stable across renders (which keeps legend toggles on their trace).
 */
export function traceUid(key: string): string {
  return key.replace(/[^A-Za-z0-9-]/g, (character) => `_${character.codePointAt(0)?.toString(16)}_`);
}

/** Points of a drawn curve, where a null x (and y) separates pieces. */
export interface Points {
  x: (number | null)[];
  y: (number | null)[];
}

/** Curves drawn with one style: merged into one trace, separated by gaps. */
interface MergedTrace {
  /** Everything but the points. */
  base: Partial<ScatterData>;
  segments: { series: Points; label: string }[];
}

/**
 * Seeds drawn alike (same colour, dash, width and legend entry) become one trace whose curves are
 * separated by null gaps, with each point's seed in its hover text: 30 seeds of two conditions cost
 * a handful of traces instead of sixty, which keeps `Plotly.react` of a live append fast.
 */
class TraceMerger {
  private readonly traces = new Map<string, MergedTrace>();

  add(uid: string, base: Partial<ScatterData>, series: Points, label: string): void {
    let trace = this.traces.get(uid);
    if (!trace) {
      trace = { base: { ...base, uid: traceUid(uid) }, segments: [] };
      this.traces.set(uid, trace);
    }
    trace.segments.push({ series, label });
  }

  data(): Data[] {
    return [...this.traces.values()].map(({ base, segments }) => {
      const x: (number | null)[] = [];
      const y: (number | null)[] = [];
      const text: string[] = [];
      segments.forEach(({ series, label }, index) => {
        if (index > 0) {
          x.push(null);
          y.push(null);
          text.push('');
        }
        x.push(...series.x);
        y.push(...series.y);
        for (let point = 0; point < series.x.length; point++) text.push(label);
      });
      return { ...base, x, y, text };
    });
  }
}

/** Traces of line specs for every seed shown, in the seed view of the styles (see the module comment). */
function lineTraces(specs: readonly LineSpec[], context: FigureContext, options: LineOptions, omissions: Omissions): { data: Data[]; hasData: boolean } {
  const { styles, theme, view } = context;
  const maxPoints = context.maxPointsPerTrace ?? DEFAULT_MAX_POINTS_PER_TRACE;
  const runById = new Map(context.runs.map((run) => [run.runId, run]));
  const shown = styles.seeds.filter((seed) => seed.shown);
  const perSeedPoints = Math.min(maxPoints, Math.max(MINIMUM_POINTS_PER_SEED, Math.floor((SEED_POINT_BUDGET_FACTOR * maxPoints) / Math.max(1, shown.length))));
  const legendShown = new Set<string>();
  const merger = new TraceMerger();
  let hasData = false;
  const smoothing = view.smoothing;
  const quiet = (): Omissions => ({ logYDropped: 0, epochZeroDropped: false, thinned: false });

  const firstInLegend = (key: string) => {
    if (legendShown.has(key)) return false;
    legendShown.add(key);
    return true;
  };

  for (const spec of specs) {
    const mode = spec.markers ? 'lines+markers' : 'lines';
    const yaxis = spec.yaxis ?? 'y';
    const rawSeries = new Map(shown.map((seed) => [seed.key, spec.seriesOf(seed, runById.get(seed.runId) as RunState)]));
    const colorOf = (seed: SeedStyle) => (options.colorByQuantity ? (spec.color ?? seed.color) : seed.color);
    const dashOf = (group: GroupStyle) => (options.colorByQuantity ? group.dash : spec.dash);
    const seedDetail = (seed: SeedStyle) => (styles.colorBy === 'seed' && !options.colorByQuantity ? seed.group.label : `seed ${seed.seed}`);
    const faint = styles.seedView === 'median' || smoothing > 0;

    // Every seed's raw curve: in full in the seed view without smoothing, faint otherwise.
    for (const seed of shown) {
      const raw = rawSeries.get(seed.key) as Series;
      const legend = legendOf(seed, seed.group, spec, styles, options, styles.groups.length);
      const prepared = prepareForAxes(raw, view.logX, spec.logY, perSeedPoints, omissions);
      if (!hasDrawableValue(prepared)) continue;
      hasData = true;
      const width = seed.focused ? theme.lineWidth * 2 : faint ? Math.max(1, theme.lineWidth - 0.5) : theme.lineWidth;
      const uid = `raw|${spec.key}|${legend.key}|${seed.focused ? seed.key : ''}`;
      merger.add(
        uid,
        {
          type: 'scatter',
          mode,
          name: legend.name,
          legendgroup: legend.key,
          showlegend: !faint && firstInLegend(legend.key),
          xaxis: 'x',
          yaxis,
          connectgaps: false,
          opacity: faint ? theme.faintOpacity : 1,
          line: { color: colorOf(seed), width, dash: dashOf(seed.group) },
          ...(spec.markers ? { marker: { color: colorOf(seed), size: 5 } } : {}),
          hovertemplate: hoverFor(legend.name, '%{text}', options.xWord),
        },
        prepared,
        seedDetail(seed),
      );
      if (styles.seedView === 'seeds' && smoothing > 0) {
        const smoothed = prepareForAxes(smoothSeries(raw, smoothing), view.logX, spec.logY, perSeedPoints, quiet());
        merger.add(
          `smooth|${spec.key}|${legend.key}|${seed.focused ? seed.key : ''}`,
          {
            type: 'scatter',
            mode: 'lines',
            name: legend.name,
            legendgroup: legend.key,
            showlegend: firstInLegend(legend.key),
            xaxis: 'x',
            yaxis,
            connectgaps: false,
            line: { color: colorOf(seed), width: seed.focused ? theme.lineWidth * 2 : theme.lineWidth, dash: dashOf(seed.group) },
            hovertemplate: hoverFor(`${legend.name} (smoothed ${smoothing})`, '%{text}', options.xWord),
          },
          smoothed,
          seedDetail(seed),
        );
      }
    }

    if (styles.seedView !== 'median') continue;
    // Median and IQR band per group, over the seeds toggled on.
    for (const group of styles.groups) {
      const members = group.seeds.filter((seed) => seed.shown);
      if (members.length === 0) continue;
      const aggregate = aggregateSeries(members.map((seed) => rawSeries.get(seed.key) as Series));
      const legend = legendOf(members[0], group, spec, styles, options, styles.groups.length);
      const color = options.colorByQuantity ? (spec.color ?? group.color) : group.color;
      const along = (y: (number | null)[]) => prepareForAxes({ x: aggregate.x, y }, view.logX, spec.logY, Number.POSITIVE_INFINITY, quiet());
      let lower = along(aggregate.lower);
      let upper = along(aggregate.upper);
      let median = along(aggregate.median);
      // The band and its median are thinned on the same x, so the band's edges stay around the median.
      if (median.x.length > maxPoints) {
        omissions.thinned = true;
        const indices = decimationIndices(median.x, [median.y, lower.y, upper.y], maxPoints);
        const pick = (series: Series): Series => ({ x: indices.map((index) => series.x[index]), y: indices.map((index) => series.y[index]) });
        lower = pick(lower);
        upper = pick(upper);
        median = pick(median);
      }
      if (!hasDrawableValue(median)) continue;
      hasData = true;
      const medianName = members.length > 1 ? `${legend.name} median` : legend.name;
      const detail = members.length > 1 ? `median of ${members.length} seeds` : `seed ${members[0].seed}`;
      if (members.length > 1) {
        merger.add(
          `band|${spec.key}|${group.key}`,
          {
            type: 'scatter',
            mode: 'lines',
            name: `${legend.name} IQR`,
            legendgroup: legend.key,
            showlegend: false,
            xaxis: 'x',
            yaxis,
            fill: 'toself',
            fillcolor: withAlpha(color, theme.bandOpacity),
            line: { width: 0, color },
            hoverinfo: 'skip',
          },
          bandPolygon(lower, upper),
          '',
        );
      }
      const smoothedMedian = smoothing > 0 ? along(smoothSeries({ x: aggregate.x, y: aggregate.median }, smoothing).y) : null;
      merger.add(
        `median|${spec.key}|${group.key}`,
        {
          type: 'scatter',
          mode,
          name: medianName,
          legendgroup: legend.key,
          showlegend: smoothedMedian === null && firstInLegend(legend.key),
          xaxis: 'x',
          yaxis,
          connectgaps: false,
          opacity: smoothedMedian ? theme.faintOpacity : 1,
          line: { color, width: theme.lineWidth + 0.5, dash: dashOf(group) },
          ...(spec.markers ? { marker: { color, size: 6 } } : {}),
          hovertemplate: hoverFor(medianName, '%{text}', options.xWord),
        },
        median,
        detail,
      );
      if (smoothedMedian) {
        const thinned = smoothedMedian.x.length > maxPoints ? decimateSeries(smoothedMedian, maxPoints) : smoothedMedian;
        merger.add(
          `smoothMedian|${spec.key}|${group.key}`,
          {
            type: 'scatter',
            mode: 'lines',
            name: medianName,
            legendgroup: legend.key,
            showlegend: firstInLegend(legend.key),
            xaxis: 'x',
            yaxis,
            connectgaps: false,
            line: { color, width: theme.lineWidth + 0.5, dash: dashOf(group) },
            hovertemplate: hoverFor(`${medianName} (smoothed ${smoothing})`, '%{text}', options.xWord),
          },
          { x: thinned.x, y: thinned.y },
          detail,
        );
      }
    }
  }
  return { data: merger.data(), hasData };
}

// ─── Axes and layout ─────────────────────────────────────────────────────────────────────────────

function axis(theme: ChartTheme, title: string, type: 'linear' | 'log', extra: Partial<LayoutAxis> = {}): Partial<LayoutAxis> {
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

/** The epoch x axis (log when asked). */
function epochAxis(context: FigureContext, extra: Partial<LayoutAxis> = {}): Partial<LayoutAxis> {
  return axis(context.theme, context.view.logX ? `${EPOCH_AXIS_TITLE}, log scale` : EPOCH_AXIS_TITLE, context.view.logX ? 'log' : 'linear', extra);
}

/** Data x of a vertical line at an epoch: Plotly places shapes on a log axis by log10 of the value. */
function shapeX(epoch: number, logX: boolean): number | null {
  if (!logX) return epoch;
  return epoch > 0 ? Math.log10(epoch) : null;
}

function noDataAnnotation(theme: ChartTheme, text: string): Partial<Annotation> {
  return { text, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, showarrow: false, font: { color: theme.mutedForeground, size: theme.fontSize } };
}

function notesOf(omissions: Omissions, context: FigureContext, axisWord = 'log-y'): string[] {
  const notes: string[] = [];
  if (omissions.logYDropped > 0) notes.push(`${omissions.logYDropped} point${omissions.logYDropped === 1 ? '' : 's'} ≤ 0 not shown on the ${axisWord} axis.`);
  if (omissions.epochZeroDropped) notes.push('Epoch 0 is not shown on the log-x axis.');
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
export const MAXIMUM_LEGEND_ENTRIES_BELOW = 6;

function finish(chart: ChartId, context: FigureContext, data: Data[], hasData: boolean, layout: Partial<Layout>, notes: string[], emptyText: string): ChartFigure {
  const annotations = [...(layout.annotations ?? [])];
  if (!hasData) annotations.push(noDataAnnotation(context.theme, emptyText));
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
  return { data, layout: baseLayout(chart, context, extra), notes, hasData };
}

// ─── Record charts ───────────────────────────────────────────────────────────────────────────────

function metricSpec(metric: Metric, label: string, dash: Dash, logY: boolean, extra: Partial<LineSpec> = {}): LineSpec {
  return { key: metric, label, dash, logY, seriesOf: (seed) => metricSeries(seed.state.records, metric), ...extra };
}

function trainTestFigure(chart: 'accuracy' | 'loss', context: FigureContext): ChartFigure {
  const logY = isLogY(chart, context.view.logY);
  const omissions: Omissions = { logYDropped: 0, epochZeroDropped: false, thinned: false };
  const [train, test]: Metric[] = chart === 'accuracy' ? ['trainAcc', 'testAcc'] : ['trainLoss', 'testLoss'];
  const specs = [metricSpec(test, 'test', 'solid', logY), metricSpec(train, 'train', 'dash', logY)];
  const { data, hasData } = lineTraces(specs, context, { quantityInLegend: true, xWord: 'epoch' }, omissions);
  const lossName = context.runs[0]?.manifest?.conditions[0]?.config?.loss;
  const yTitle = chart === 'accuracy' ? 'accuracy (share of pairs correct)' : `loss${lossName ? ` (${lossName === 'mse' ? 'class-centred MSE' : lossName})` : ''}`;
  const yExtra: Partial<LayoutAxis> = chart === 'accuracy' && !logY ? { range: [-0.02, 1.02] } : {};
  return finish(chart, context, data, hasData, { xaxis: epochAxis(context), yaxis: axis(context.theme, yTitle, logY ? 'log' : 'linear', yExtra) }, notesOf(omissions, context), 'No epochs recorded yet.');
}

/** Vertical dotted lines at each shown seed's detector fire. */
function detectorLines(context: FigureContext): Partial<Shape>[] {
  const runById = new Map(context.runs.map((run) => [run.runId, run]));
  const shapes: Partial<Shape>[] = [];
  for (const seed of context.styles.seeds.filter((candidate) => candidate.shown)) {
    const run = runById.get(seed.runId) as RunState;
    for (const marker of detectorMarkers(run.events)) {
      if (marker.condition !== seed.condition || marker.seed !== seed.seed) continue;
      const x = shapeX(marker.epoch, context.view.logX);
      if (x === null) continue;
      shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: x, x1: x, y0: 0, y1: 1, line: { color: seed.color, width: 1, dash: 'dot' }, layer: 'below' });
    }
  }
  return shapes;
}

/** Marker points at each shown seed's detector fire, at its g(t) or s(t). */
function detectorPoints(context: FigureContext, value: 'gap23' | 'gapSlope', logY: boolean): Data[] {
  const runById = new Map(context.runs.map((run) => [run.runId, run]));
  const x: number[] = [];
  const y: number[] = [];
  const colors: string[] = [];
  const text: string[] = [];
  for (const seed of context.styles.seeds.filter((candidate) => candidate.shown)) {
    const run = runById.get(seed.runId) as RunState;
    for (const marker of detectorMarkers(run.events)) {
      if (marker.condition !== seed.condition || marker.seed !== seed.seed) continue;
      if (context.view.logX && marker.epoch <= 0) continue;
      if (logY && !(marker[value] > 0)) continue;
      x.push(marker.epoch);
      y.push(marker[value]);
      colors.push(seed.color);
      text.push(seed.label);
    }
  }
  if (x.length === 0) return [];
  return [
    {
      type: 'scatter',
      mode: 'markers',
      uid: traceUid(`detector|${value}`),
      name: 'detector fired',
      legendgroup: 'detector',
      x,
      y,
      text,
      marker: { symbol: 'x-thin', size: 12, color: colors, line: { width: 2.5, color: colors } },
      hovertemplate: `detector fired<br>%{text}<br>epoch %{x}<br>${value === 'gap23' ? 'λ₂/λ₃' : 's(t)'} %{y:.4~g}<extra></extra>`,
    },
  ];
}

function eigenvaluesFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('eigenvalues', context.view.logY);
  const omissions: Omissions = { logYDropped: 0, epochZeroDropped: false, thinned: false };
  const indices = [1, 2, 3, 4, 5] as const;
  const specs = indices.map((index) =>
    metricSpec(`eigenvalues[${index}]`, describeMetric(`eigenvalues[${index}]`).label, 'solid', logY, { color: context.theme.palette[(index - 1) % context.theme.palette.length] }),
  );
  const { data, hasData } = lineTraces(specs, context, { quantityInLegend: true, colorByQuantity: true, xWord: 'epoch' }, omissions);
  return finish(
    'eigenvalues',
    context,
    data,
    hasData,
    {
      xaxis: epochAxis(context),
      yaxis: axis(context.theme, 'λ_k of the update Gram<br>(eigenvalues = squared singular values)', logY ? 'log' : 'linear'),
      shapes: detectorLines(context),
    },
    notesOf(omissions, context),
    'No eigenvalues yet: the rolling window needs 3 updates.',
  );
}

function gapFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('gap', context.view.logY);
  const omissions: Omissions = { logYDropped: 0, epochZeroDropped: false, thinned: false };
  const specs = [metricSpec('gap23', 'λ₂/λ₃', 'solid', logY)];
  const { data, hasData } = lineTraces(specs, context, { quantityInLegend: false, xWord: 'epoch' }, omissions);
  return finish(
    'gap',
    context,
    [...data, ...detectorPoints(context, 'gap23', logY)],
    hasData,
    { xaxis: epochAxis(context), yaxis: axis(context.theme, 'g(t) = λ₂/λ₃<br>(eigengap of the update Gram)', logY ? 'log' : 'linear') },
    notesOf(omissions, context),
    'No eigengap yet: the rolling window needs 3 updates.',
  );
}

/** Detector settings per condition of the runs shown (the manifest's, else docs/science.md's defaults). */
function detectorSettings(context: FigureContext): { threshold: number; warmup: number; groups: string[] }[] {
  const settings = new Map<string, { threshold: number; warmup: number; groups: string[] }>();
  const runById = new Map(context.runs.map((run) => [run.runId, run]));
  for (const group of context.styles.groups) {
    const run = runById.get(group.runId) as RunState;
    const detector = run.manifest?.conditions.find((condition) => condition.name === group.condition)?.config?.diagnostics?.eigengap?.detector ?? defaults.diagnostics.eigengap.detector;
    const key = `${detector.threshold}|${detector.warmup}`;
    const entry = settings.get(key) ?? { threshold: detector.threshold, warmup: detector.warmup, groups: [] };
    entry.groups.push(group.label);
    settings.set(key, entry);
  }
  return [...settings.values()];
}

function detectorSlopeFigure(context: FigureContext): ChartFigure {
  const omissions: Omissions = { logYDropped: 0, epochZeroDropped: false, thinned: false };
  const specs = [metricSpec('gapSlope', 's(t)', 'solid', false)];
  const { data, hasData } = lineTraces(specs, context, { quantityInLegend: false, xWord: 'epoch' }, omissions);
  const settings = detectorSettings(context);
  const shapes: Partial<Shape>[] = [];
  const annotations: Partial<Annotation>[] = [];
  const { theme } = context;
  for (const setting of settings) {
    const whose = settings.length > 1 ? ` (${setting.groups.join(', ')})` : '';
    shapes.push({ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: setting.threshold, y1: setting.threshold, line: { color: theme.alertColor, width: 1.5, dash: 'dash' } });
    annotations.push({
      xref: 'paper',
      x: 1,
      xanchor: 'right',
      yref: 'y',
      y: setting.threshold,
      yanchor: 'bottom',
      showarrow: false,
      text: `threshold ${setting.threshold}${whose}`,
      font: { color: theme.alertColor, size: theme.fontSize - 2 },
      bgcolor: withAlpha(theme.background, 0.85),
    });
    const warmupX = shapeX(setting.warmup, context.view.logX);
    if (warmupX !== null && setting.warmup > 0) {
      shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: warmupX, x1: warmupX, y0: 0, y1: 1, line: { color: theme.mutedForeground, width: 1, dash: 'dot' }, layer: 'below' });
      annotations.push({
        xref: 'x',
        x: warmupX,
        xanchor: 'left',
        yref: 'paper',
        y: 1,
        yanchor: 'top',
        showarrow: false,
        text: `warm-up ${setting.warmup}${whose}`,
        font: { color: theme.mutedForeground, size: theme.fontSize - 2 },
      });
    }
  }
  return finish(
    'detectorSlope',
    context,
    [...data, ...detectorPoints(context, 'gapSlope', false)],
    hasData,
    { xaxis: epochAxis(context), yaxis: axis(theme, 's(t): change of ln(λ₂/λ₃)<br>per epoch over the lag', 'linear', { zeroline: true }), shapes, annotations },
    notesOf(omissions, context),
    'No detector slope yet: it needs the lag’s worth of eigengaps.',
  );
}

/** The four spectral-edge rows, top to bottom. */
const SPECTRAL_EDGE_ROWS: { metric: Metric; axisTitle: string; logAllowed: boolean; yaxis: YAxisId }[] = [
  { metric: 'kStar', axisTitle: 'k*', logAllowed: false, yaxis: 'y' },
  { metric: 'edgeRatio', axisTitle: 'R = σ_k*/σ_k*+1', logAllowed: true, yaxis: 'y2' },
  { metric: 'g23', axisTitle: 'g₂₃ = σ₂² − σ₃²', logAllowed: true, yaxis: 'y3' },
  { metric: 'adiabatic', axisTitle: '𝒜 (adiabatic)', logAllowed: true, yaxis: 'y4' },
];

function spectralEdgeFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('spectralEdge', context.view.logY);
  const omissions: Omissions = { logYDropped: 0, epochZeroDropped: false, thinned: false };
  const specs = SPECTRAL_EDGE_ROWS.map((row) => metricSpec(row.metric, describeMetric(row.metric).label, 'solid', logY && row.logAllowed, { yaxis: row.yaxis }));
  const { data, hasData } = lineTraces(specs, context, { quantityInLegend: false, xWord: 'epoch' }, omissions);
  const rowHeight = 0.22;
  const gapHeight = (1 - rowHeight * 4) / 3;
  const layout: Partial<Layout> = { xaxis: epochAxis(context, { anchor: 'y4' }) };
  SPECTRAL_EDGE_ROWS.forEach((row, index) => {
    const top = 1 - index * (rowHeight + gapHeight);
    const yAxis = axis(context.theme, row.axisTitle, logY && row.logAllowed ? 'log' : 'linear', { domain: [top - rowHeight, top], anchor: 'x' });
    if (index === 0) layout.yaxis = yAxis;
    else layout[`yaxis${index + 1}` as 'yaxis2' | 'yaxis3' | 'yaxis4'] = yAxis;
  });
  return finish('spectralEdge', context, data, hasData, layout, notesOf(omissions, context), 'No spectral-edge values: diagnostics.spectralEdge is off or its window is not full yet.');
}

function dynamicsFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('dynamics', context.view.logY);
  const omissions: Omissions = { logYDropped: 0, epochZeroDropped: false, thinned: false };
  const specs = [metricSpec('weightNorm', '‖W‖_F', 'solid', logY), metricSpec('secondLayerNorm', '‖V‖_F', 'dash', logY)];
  const { data, hasData } = lineTraces(specs, context, { quantityInLegend: true, xWord: 'epoch' }, omissions);
  return finish(
    'dynamics',
    context,
    data,
    hasData,
    { xaxis: epochAxis(context), yaxis: axis(context.theme, 'Frobenius norm of the weights', logY ? 'log' : 'linear') },
    notesOf(omissions, context),
    'No epochs recorded yet.',
  );
}

/**
 * docs/science.md §8: R₁…R₃ of the gradient window and, in the same colour faded toward the background, of the
 * update window, one hue per k, with R = 1 (as sensitive as a random direction) as a reference line. Points exist only
 * every `every` epochs of the runs that enable the diagnostic.
 */
function gradientSedFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('gradientSed', context.view.logY);
  const omissions: Omissions = { logYDropped: 0, epochZeroDropped: false, thinned: false };
  const indices = [1, 2, 3] as const;
  const color = (index: number) => context.theme.palette[(index - 1) % context.theme.palette.length];
  const specs = [
    ...(['gradientSedRatios', 'updateSedRatios'] as const).flatMap((field) =>
      indices.map((index) => {
        const metric: Metric = `${field}[${index}]`;
        // One hue per k; the update window faded (the dash pattern tells the seeds or conditions apart).
        return metricSpec(metric, describeMetric(metric).label, 'solid', logY, {
          color: field === 'gradientSedRatios' ? color(index) : mixColors(color(index), context.theme.background, 0.5),
          markers: true,
          seriesOf: (seed: SeedStyle) => sparseMetricSeries(seed.state.records, metric),
        });
      }),
    ),
  ];
  const { data, hasData } = lineTraces(specs, context, { quantityInLegend: true, colorByQuantity: true, xWord: 'epoch' }, omissions);
  return finish(
    'gradientSed',
    context,
    data,
    hasData,
    {
      xaxis: epochAxis(context),
      yaxis: axis(context.theme, 'R_k = A(v_k) / median A(r)<br>(sensitivity of μ_x along v_k)', logY ? 'log' : 'linear'),
      shapes: [
        {
          type: 'line',
          xref: 'paper',
          x0: 0,
          x1: 1,
          yref: 'y',
          y0: 1,
          y1: 1,
          line: { color: context.theme.axisColor, width: 1, dash: 'dot' },
        },
      ],
    },
    notesOf(omissions, context),
    'No gradient-direction SED values: it is opt-in (diagnostics.gradientSed.enabled) and computed every `every` epochs once its windows are full.',
  );
}

// ─── Checkpoint charts ───────────────────────────────────────────────────────────────────────────

const REPULSION_LINES: { statistic: RepulsionStatistic; label: string; dash: Dash }[] = [
  { statistic: 'fractionNegative', label: 'B_jl < 0 share', dash: 'solid' },
  { statistic: 'signMatch', label: 'sign-match', dash: 'dash' },
  { statistic: 'publishedSignMatch', label: 'sign-match (published)', dash: 'dot' },
];

/**
 * A note naming the groups whose checkpoints all say the check does not apply (η = 0: B is
 * singular), with the recorded reason, so that an empty chart for them is explained.
 */
function inapplicableNote(context: FigureContext): string[] {
  const runById = new Map(context.runs.map((run) => [run.runId, run]));
  const groups: string[] = [];
  let reason: string | undefined;
  for (const group of context.styles.groups) {
    const events = (runById.get(group.runId) as RunState).events.filter((event) => event.type === 'repulsion' && event.condition === group.condition);
    if (events.length === 0 || events.some((event) => event.type === 'repulsion' && event.applicable)) continue;
    groups.push(group.label);
    const first = events[0];
    reason ??= first.type === 'repulsion' ? first.reason : undefined;
  }
  if (groups.length === 0) return [];
  return [`Theorem 6 does not apply to ${groups.join(', ')}${reason ? `: ${reason}` : ' (weight decay η = 0)'}.`];
}

function repulsionFigure(context: FigureContext): ChartFigure {
  const omissions: Omissions = { logYDropped: 0, epochZeroDropped: false, thinned: false };
  const specs: LineSpec[] = REPULSION_LINES.map(({ statistic, label, dash }) => ({
    key: statistic,
    label,
    dash,
    logY: false,
    markers: true,
    seriesOf: (seed, run) => repulsionSeries(run.events, seed.condition, seed.seed, statistic),
  }));
  const { data, hasData } = lineTraces(specs, context, { quantityInLegend: true, xWord: 'checkpoint' }, omissions);
  const xTitle = context.view.logX ? 'checkpoint epoch, log scale' : 'checkpoint epoch';
  return finish(
    'repulsion',
    context,
    data,
    hasData,
    { xaxis: axis(context.theme, xTitle, context.view.logX ? 'log' : 'linear'), yaxis: axis(context.theme, 'share of examined pairs', 'linear', { range: [-0.02, 1.05] }) },
    [...notesOf(omissions, context), ...inapplicableNote(context)],
    'No repulsion checkpoint yet (diagnostics.repulsion.checkpoints), or weight decay is 0 (Theorem 6 needs η > 0).',
  );
}

function couplingFigure(context: FigureContext): ChartFigure {
  const runById = new Map(context.runs.map((run) => [run.runId, run]));
  const normalized = context.view.couplingNormalized;
  const { theme } = context;
  const data: Data[] = [];
  for (const seed of context.styles.seeds.filter((candidate) => candidate.shown)) {
    const run = runById.get(seed.runId) as RunState;
    const distribution = couplingDistribution(run.events, seed.condition, seed.seed, { normalized });
    if (!distribution) continue;
    const category = `${seed.label} @${distribution.epoch}`;
    const common = {
      type: 'box' as const,
      uid: traceUid(`coupling|${seed.key}`),
      name: category,
      legendgroup: context.styles.colorBy === 'seed' ? seed.key : seed.group.key,
      showlegend: false,
      line: { color: seed.color, width: 1.5 },
      fillcolor: withAlpha(seed.color, theme.bandOpacity),
      marker: { color: seed.color, size: 3, opacity: 0.7 },
      hoverinfo: 'y+name' as const,
    };
    if (distribution.values.length > 0) {
      data.push({ ...common, y: distribution.values, x: distribution.values.map(() => category), boxpoints: 'all', jitter: 0.4, pointpos: 0 });
    } else if (distribution.quantiles.length === 5) {
      const [minimum, q1, median, q3, maximum] = distribution.quantiles;
      data.push({ ...common, x: [category], lowerfence: [minimum], q1: [q1], median: [median], q3: [q3], upperfence: [maximum] });
    }
  }
  const yTitle = normalized ? 'B_jl / √(B_jj B_ll) (normalised coupling)' : 'B_jl (pair coupling, Theorem 6)';
  return finish(
    'coupling',
    context,
    data,
    data.length > 0,
    {
      xaxis: axis(theme, 'seed @ checkpoint epoch', 'linear', { type: 'category' }),
      yaxis: axis(theme, yTitle, 'linear', { zeroline: true }),
      showlegend: false,
    },
    inapplicableNote(context),
    'No applicable repulsion checkpoint yet (Theorem 6 needs weight decay η > 0).',
  );
}

/** The figure of one chart. */
export function buildFigure(chart: ChartId, context: FigureContext): ChartFigure {
  switch (chart) {
    case 'accuracy':
    case 'loss':
      return trainTestFigure(chart, context);
    case 'eigenvalues':
      return eigenvaluesFigure(context);
    case 'gap':
      return gapFigure(context);
    case 'detectorSlope':
      return detectorSlopeFigure(context);
    case 'spectralEdge':
      return spectralEdgeFigure(context);
    case 'gradientSed':
      return gradientSedFigure(context);
    case 'repulsion':
      return repulsionFigure(context);
    case 'coupling':
      return couplingFigure(context);
    case 'dynamics':
      return dynamicsFigure(context);
    default: {
      const unknown: never = chart;
      throw new Error(`Unknown chart ${String(unknown)}`);
    }
  }
}

/**
 * The figure as exported (PNG/SVG): the chart's title and the runs in the image, since a file has
 * no card around it; same colours as on screen, on the theme's background.
 */
export function exportFigure(chart: ChartId, figure: ChartFigure, runLabel: string): ChartFigure {
  const { layout } = figure;
  const margin = { ...(layout.margin ?? {}), t: 48 };
  return {
    ...figure,
    layout: {
      ...layout,
      margin,
      title: { text: `${CHART_DEFINITIONS[chart].title} · ${runLabel}`, x: 0, xanchor: 'left', font: { size: (layout.font?.size ?? 12) + 3 } },
    },
  };
}
