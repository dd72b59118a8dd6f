/**
 * One quantity (or several) drawn for every seed shown, in the seed view of the styles
 * (src/webview/seriesStyles.ts). Honest plots (docs/product.md §1 and §3.1–3.3):
 * - the raw curve is always drawn: under a smoothed overlay and under a median it stays, faint;
 * - log axes never hide values silently: points ≤ 0 (log-y) or at epoch 0 (log-x) are left out
 *   and a note says how many;
 * - long series are thinned for drawing with min/max buckets (src/shared/dashboard/decimate.ts),
 *   which keep every spike;
 * - a missing value is a gap (`connectgaps: false`), never a zero.
 */
import type { Dash, Data, Layout } from 'plotly.js-dist-min';
import { aggregateSeries } from '../aggregate';
import { decimateSeries, decimationIndices } from '../../shared/dashboard/decimate';
import type { Metric, Series } from '../../shared/dashboard/series';
import { forLogAxis, hasValues, metricSeries } from '../../shared/dashboard/series';
import { smoothSeries } from '../smoothing';
import type { RunState } from '../store';
import type { GroupStyle, SeedStyle } from '../seriesStyles';
import type { ChartId } from '../chartDefinitions';
import type { ChartFigure, FigureContext, Omissions, YAxisId } from './layout';
import { DEFAULT_MAX_POINTS_PER_TRACE, finish, noOmissions, notesOf, runOf, shownSeeds } from './layout';
import { bandPolygon, bandTrace, lineTrace, TraceMerger } from './traces';

/**
 * Points one seed's curve may keep when many seeds are drawn: the seeds share about
 * {@link SEED_POINT_BUDGET_FACTOR} × the per-curve budget (so 30 seeds of a long run do not draw
 * 60 000 points per quantity), but never fewer than {@link MINIMUM_POINTS_PER_SEED} each. Thinning
 * keeps every bucket's extremes, so no spike disappears.
 */
const SEED_POINT_BUDGET_FACTOR = 4;
const MINIMUM_POINTS_PER_SEED = 300;

/** One quantity drawn for every seed (a metric of the records, or a checkpoint statistic). */
export interface LineSpec {
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

export interface LineOptions {
  /** Whether legend entries name the quantity ("grok · test") or only the seed or group ("grok"). */
  quantityInLegend: boolean;
  /** Colour by quantity (spec.color), with groups told apart by dash. */
  colorByQuantity?: boolean;
  /** Word for x in hovers: epoch or checkpoint. */
  xWord: string;
}

/** A metric of the records, drawn for every seed. */
export function metricSpec(metric: Metric, label: string, dash: Dash, logY: boolean, extra: Partial<LineSpec> = {}): LineSpec {
  return { key: metric, label, dash, logY, seriesOf: (seed) => metricSeries(seed.state.records, metric), ...extra };
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

/** The traces of a chart's lines as they are built: merged by style, each legend entry shown once. */
class LineDrawing {
  readonly merger = new TraceMerger();
  hasData = false;
  readonly maxPoints: number;
  readonly perSeedPoints: number;
  private readonly legendShown = new Set<string>();

  constructor(
    readonly context: FigureContext,
    readonly options: LineOptions,
    readonly omissions: Omissions,
    shownCount: number,
  ) {
    this.maxPoints = context.maxPointsPerTrace ?? DEFAULT_MAX_POINTS_PER_TRACE;
    this.perSeedPoints = Math.min(this.maxPoints, Math.max(MINIMUM_POINTS_PER_SEED, Math.floor((SEED_POINT_BUDGET_FACTOR * this.maxPoints) / Math.max(1, shownCount))));
  }

  /** Whether a legend entry is still to be shown (true once per key). */
  firstInLegend(key: string): boolean {
    if (this.legendShown.has(key)) return false;
    this.legendShown.add(key);
    return true;
  }

  /** A series on the chart's axes, within a budget; `omissions` collects what was left out (overlays pass their own, not noted). */
  prepare(series: Series, spec: LineSpec, maxPoints: number, omissions = this.omissions): Series {
    return prepareForAxes(series, this.context.view.logX, spec.logY, maxPoints, omissions);
  }

  /** A line's colour: the quantity's on colour-by-quantity charts, else the seed's or group's (`fallback`). */
  color(spec: LineSpec, fallback: string): string {
    return this.options.colorByQuantity ? (spec.color ?? fallback) : fallback;
  }

  /** A line's dash: the group's on colour-by-quantity charts (the colour is taken), else the quantity's. */
  dash(spec: LineSpec, group: GroupStyle): Dash {
    return this.options.colorByQuantity ? group.dash : spec.dash;
  }

  /** Legend identity of a seed's line: per colour (seed or group), and per quantity when asked. */
  legend(seed: SeedStyle, group: GroupStyle, spec: LineSpec): { key: string; name: string } {
    const { styles } = this.context;
    if (this.options.colorByQuantity) {
      return styles.groups.length > 1 ? { key: `${spec.key}|${group.key}`, name: `${spec.label} · ${group.label}` } : { key: spec.key, name: spec.label };
    }
    const colorKey = styles.colorBy === 'seed' ? seed.key : group.key;
    const colorLabel = styles.colorBy === 'seed' ? seed.label : group.label;
    return this.options.quantityInLegend ? { key: `${colorKey}|${spec.key}`, name: `${colorLabel} · ${spec.label}` } : { key: colorKey, name: colorLabel };
  }
}

/** A seed's raw curve: in full in the seed view without smoothing, faint otherwise; and its smoothed overlay in the seed view. */
function addSeed(drawing: LineDrawing, spec: LineSpec, seed: SeedStyle, raw: Series): void {
  const { styles, theme, view } = drawing.context;
  const { smoothing } = view;
  const legend = drawing.legend(seed, seed.group, spec);
  const prepared = drawing.prepare(raw, spec, drawing.perSeedPoints);
  if (!hasValues(prepared)) return;
  drawing.hasData = true;
  const faint = styles.seedView === 'median' || smoothing > 0;
  const focusKey = seed.focused ? seed.key : '';
  // The hover names the seed, or the condition when seeds have their own colours.
  const detail = styles.colorBy === 'seed' && !drawing.options.colorByQuantity ? seed.group.label : `seed ${seed.seed}`;
  const common = { legendGroup: legend.key, yaxis: spec.yaxis ?? 'y', color: drawing.color(spec, seed.color), dash: drawing.dash(spec, seed.group), xWord: drawing.options.xWord } as const;
  drawing.merger.add(
    `raw|${spec.key}|${legend.key}|${focusKey}`,
    lineTrace({
      ...common,
      name: legend.name,
      showLegend: !faint && drawing.firstInLegend(legend.key),
      width: seed.focused ? theme.lineWidth * 2 : faint ? Math.max(1, theme.lineWidth - 0.5) : theme.lineWidth,
      opacity: faint ? theme.faintOpacity : 1,
      ...(spec.markers ? { markerSize: 5 } : {}),
    }),
    prepared,
    detail,
  );
  if (styles.seedView !== 'seeds' || smoothing <= 0) return;
  const smoothed = drawing.prepare(smoothSeries(raw, smoothing), spec, drawing.perSeedPoints, noOmissions());
  drawing.merger.add(
    `smooth|${spec.key}|${legend.key}|${focusKey}`,
    lineTrace({
      ...common,
      name: legend.name,
      showLegend: drawing.firstInLegend(legend.key),
      width: seed.focused ? theme.lineWidth * 2 : theme.lineWidth,
      hoverName: `${legend.name} (smoothed ${smoothing})`,
    }),
    smoothed,
    detail,
  );
}

/** A group's median over its seeds shown, its IQR band (two seeds or more), and the median's smoothed overlay. */
function addGroup(drawing: LineDrawing, spec: LineSpec, group: GroupStyle, rawSeries: ReadonlyMap<string, Series>): void {
  const { theme, view } = drawing.context;
  const { smoothing } = view;
  const { maxPoints } = drawing;
  const members = group.seeds.filter((seed) => seed.shown);
  if (members.length === 0) return;
  const aggregate = aggregateSeries(members.map((seed) => rawSeries.get(seed.key) as Series));
  const legend = drawing.legend(members[0], group, spec);
  const color = drawing.color(spec, group.color);
  const along = (y: (number | null)[]) => drawing.prepare({ x: aggregate.x, y }, spec, Number.POSITIVE_INFINITY, noOmissions());
  let lower = along(aggregate.lower);
  let upper = along(aggregate.upper);
  let median = along(aggregate.median);
  // The band and its median are thinned on the same x, so the band's edges stay around the median.
  if (median.x.length > maxPoints) {
    drawing.omissions.thinned = true;
    const indices = decimationIndices(median.x, [median.y, lower.y, upper.y], maxPoints);
    const pick = (series: Series): Series => ({ x: indices.map((index) => series.x[index]), y: indices.map((index) => series.y[index]) });
    lower = pick(lower);
    upper = pick(upper);
    median = pick(median);
  }
  if (!hasValues(median)) return;
  drawing.hasData = true;
  const yaxis = spec.yaxis ?? 'y';
  const medianName = members.length > 1 ? `${legend.name} median` : legend.name;
  const detail = members.length > 1 ? `median of ${members.length} seeds` : `seed ${members[0].seed}`;
  if (members.length > 1) drawing.merger.add(`band|${spec.key}|${group.key}`, bandTrace(`${legend.name} IQR`, legend.key, yaxis, color, theme.bandOpacity), bandPolygon(lower, upper), '');
  const smoothedMedian = smoothing > 0 ? along(smoothSeries({ x: aggregate.x, y: aggregate.median }, smoothing).y) : null;
  const common = { name: medianName, legendGroup: legend.key, yaxis, color, width: theme.lineWidth + 0.5, dash: drawing.dash(spec, group), xWord: drawing.options.xWord } as const;
  drawing.merger.add(
    `median|${spec.key}|${group.key}`,
    lineTrace({
      ...common,
      showLegend: smoothedMedian === null && drawing.firstInLegend(legend.key),
      opacity: smoothedMedian ? theme.faintOpacity : 1,
      ...(spec.markers ? { markerSize: 6 } : {}),
    }),
    median,
    detail,
  );
  if (!smoothedMedian) return;
  const thinned = smoothedMedian.x.length > maxPoints ? decimateSeries(smoothedMedian, maxPoints) : smoothedMedian;
  drawing.merger.add(
    `smoothMedian|${spec.key}|${group.key}`,
    lineTrace({ ...common, showLegend: drawing.firstInLegend(legend.key), hoverName: `${medianName} (smoothed ${smoothing})` }),
    { x: thinned.x, y: thinned.y },
    detail,
  );
}

/** Traces of line specs for every seed shown, in the seed view of the styles (see the module comment). */
function lineTraces(specs: readonly LineSpec[], context: FigureContext, options: LineOptions, omissions: Omissions): { data: Data[]; hasData: boolean } {
  const shown = shownSeeds(context);
  const drawing = new LineDrawing(context, options, omissions, shown.length);
  for (const spec of specs) {
    const rawSeries = new Map(shown.map((seed) => [seed.key, spec.seriesOf(seed, runOf(context, seed.runId))]));
    for (const seed of shown) addSeed(drawing, spec, seed, rawSeries.get(seed.key) as Series);
    if (context.styles.seedView !== 'median') continue;
    // Median and IQR band per group, over the seeds toggled on.
    for (const group of context.styles.groups) addGroup(drawing, spec, group, rawSeries);
  }
  return { data: drawing.merger.data(), hasData: drawing.hasData };
}

/** A chart of lines: its quantities, how they are told apart, and what the chart adds to them. */
export interface LineChart {
  specs: readonly LineSpec[];
  options: LineOptions;
  /** The chart's own axes, shapes and annotations. */
  layout: Partial<Layout>;
  /** What the chart says while none of its lines has a value. */
  emptyText: string;
  /** Traces drawn over the lines (the detector's fires). */
  overlay?: Data[];
  /** Notes after those about the lines. */
  notes?: string[];
}

/** The figure of a chart of lines. */
export function lineFigure(chart: ChartId, context: FigureContext, lines: LineChart): ChartFigure {
  const omissions = noOmissions();
  const { data, hasData } = lineTraces(lines.specs, context, lines.options, omissions);
  return finish(chart, context, {
    data: [...data, ...(lines.overlay ?? [])],
    hasData,
    layout: lines.layout,
    notes: [...notesOf(omissions, context), ...(lines.notes ?? [])],
    emptyText: lines.emptyText,
  });
}
