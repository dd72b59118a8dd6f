/**
 * The trace factory: every line of every chart (a seed's raw curve, its smoothed overlay, a group's
 * median and the median's smoothed overlay) is one `lineTrace` of a {@link LineStyle}, and a group's
 * IQR band one `bandTrace`; seeds drawn alike are merged into one trace ({@link TraceMerger}). Pure.
 */
import type { Dash, Data, ScatterData } from 'plotly.js-dist-min';
import type { Series } from '../../shared/dashboard/series';
import { withAlpha } from '../theme';
import type { YAxisId } from './layout';

/** What sets one line apart; everything else is the same for every line of every chart. */
export interface LineStyle {
  /** Legend entry, and the hover's first line. */
  name: string;
  legendGroup: string;
  showLegend: boolean;
  yaxis: YAxisId;
  color: string;
  width: number;
  dash: Dash;
  /** Drawn with markers of this size (checkpoint statistics and sparse metrics are few points). */
  markerSize?: number;
  /** Set on the curves that may be faint (raw curves, medians); an overlay leaves it to Plotly (opaque). */
  opacity?: number;
  /** Word for x in hovers: epoch or checkpoint. */
  xWord: string;
  /** Hover title when it is not the name (an overlay names its smoothing). */
  hoverName?: string;
}

/** A hover text: the trace's name, the point's seed (`%{text}`), x and y. */
function hoverTemplate(name: string, xWord: string): string {
  // Names come from experiment and condition names ([A-Za-z0-9._-]) and fixed labels: nothing Plotly would interpret.
  return `${name}<br>%{text}<br>${xWord} %{x}<br>%{y:.4~g}<extra></extra>`;
}

/** A line trace without its points (a missing value is a gap, never a zero: `connectgaps: false`). */
export function lineTrace(style: LineStyle): Partial<ScatterData> {
  const { color } = style;
  return {
    type: 'scatter',
    mode: style.markerSize === undefined ? 'lines' : 'lines+markers',
    name: style.name,
    legendgroup: style.legendGroup,
    showlegend: style.showLegend,
    xaxis: 'x',
    yaxis: style.yaxis,
    connectgaps: false,
    ...(style.opacity === undefined ? {} : { opacity: style.opacity }),
    line: { color, width: style.width, dash: style.dash },
    ...(style.markerSize === undefined ? {} : { marker: { color, size: style.markerSize } }),
    hovertemplate: hoverTemplate(style.hoverName ?? style.name, style.xWord),
  };
}

/** An IQR band without its outline ({@link bandPolygon}): filled, no line, no hover, no legend entry of its own. */
export function bandTrace(name: string, legendGroup: string, yaxis: YAxisId, color: string, fillOpacity: number): Partial<ScatterData> {
  return {
    type: 'scatter',
    mode: 'lines',
    name,
    legendgroup: legendGroup,
    showlegend: false,
    xaxis: 'x',
    yaxis,
    fill: 'toself',
    fillcolor: withAlpha(color, fillOpacity),
    line: { width: 0, color },
    hoverinfo: 'skip',
  };
}

/** Points of a drawn curve, where a null x (and y) separates pieces. */
export interface Points {
  x: (number | null)[];
  y: (number | null)[];
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

/**
 * A trace uid Plotly can use: it builds CSS class selectors from uids (e.g. `.cb<uid>` when a trace
 * is removed), so every character outside [A-Za-z0-9-] is escaped as `_<hex>_`, keeping distinct
 * keys distinct and the same key stable across renders (which keeps legend toggles on their trace).
 */
export function traceUid(key: string): string {
  return key.replace(/[^A-Za-z0-9-]/g, (character) => `_${character.codePointAt(0)?.toString(16)}_`);
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
export class TraceMerger {
  private readonly traces = new Map<string, MergedTrace>();

  /** Adds a curve to the trace of `key` (the first curve of a key sets its style and its place in the order). */
  add(key: string, base: Partial<ScatterData>, series: Points, label: string): void {
    let trace = this.traces.get(key);
    if (!trace) {
      trace = { base: { ...base, uid: traceUid(key) }, segments: [] };
      this.traces.set(key, trace);
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
