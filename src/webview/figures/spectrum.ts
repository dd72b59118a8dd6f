/**
 * The rolling spectrum of the first-layer updates and its lock-in detector (docs/science.md §5):
 * the eigenvalues λ₁…λ₅ with each seed's fire as a dotted line, the eigengap λ₂/λ₃ and the
 * detector slope s(t) with each fire marked, the threshold line and the warm-up.
 */
import type { Annotation, Data, Shape } from 'plotly.js-dist-min';
import { describeMetric, detectorMarkers } from '../../shared/dashboard/series';
import { eigengapSettings } from '../../shared/dashboard/summaryTable';
import { isLogY } from '../chartDefinitions';
import { withAlpha } from '../theme';
import type { ChartFigure, FigureContext } from './layout';
import { axis, epochAxis, runOf, shapeX, shownSeeds, timeWordsOf, valueAxis } from './layout';
import { lineFigure, metricSpec } from './lines';
import { traceUid } from './traces';
import type { RunTimeUnit } from '../../shared/timeUnit';

/** Vertical dotted lines at each shown seed's detector fire. */
function detectorLines(context: FigureContext): Partial<Shape>[] {
  const shapes: Partial<Shape>[] = [];
  for (const seed of shownSeeds(context)) {
    for (const marker of detectorMarkers(runOf(context, seed.runId).events)) {
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
  const time = timeWordsOf(context).singular;
  const x: number[] = [];
  const y: number[] = [];
  const colors: string[] = [];
  const text: string[] = [];
  for (const seed of shownSeeds(context)) {
    for (const marker of detectorMarkers(runOf(context, seed.runId).events)) {
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
      hovertemplate: `detector fired<br>%{text}<br>${time} %{x}<br>${value === 'gap23' ? 'λ₂/λ₃' : 's(t)'} %{y:.4~g}<extra></extra>`,
    },
  ];
}

export function eigenvaluesFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('eigenvalues', context.view.logY);
  const indices = [1, 2, 3, 4, 5] as const;
  return lineFigure('eigenvalues', context, {
    specs: indices.map((index) =>
      metricSpec(`eigenvalues[${index}]`, describeMetric(`eigenvalues[${index}]`).label, 'solid', logY, { color: context.theme.palette[(index - 1) % context.theme.palette.length] }),
    ),
    options: { quantityInLegend: true, colorByQuantity: true, xWord: timeWordsOf(context).singular },
    layout: {
      xaxis: epochAxis(context),
      yaxis: valueAxis(context, 'λ_k of the update Gram<br>(eigenvalues = squared singular values)', logY),
      shapes: detectorLines(context),
    },
    emptyText: 'No eigenvalues yet: the rolling window needs 3 updates.',
  });
}

export function gapFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('gap', context.view.logY);
  return lineFigure('gap', context, {
    specs: [metricSpec('gap23', 'λ₂/λ₃', 'solid', logY)],
    options: { quantityInLegend: false, xWord: timeWordsOf(context).singular },
    layout: { xaxis: epochAxis(context), yaxis: valueAxis(context, 'g(t) = λ₂/λ₃<br>(eigengap of the update Gram)', logY) },
    overlay: detectorPoints(context, 'gap23', logY),
    emptyText: 'No eigengap yet: the rolling window needs 3 updates.',
  });
}

/** One detector setting and the groups that use it. */
interface DetectorSetting {
  threshold: number;
  warmup: number;
  groups: string[];
}

/** Detector settings per condition of the runs shown, from their run.json (a condition it does not list draws no threshold). */
function detectorSettings(context: FigureContext): DetectorSetting[] {
  const settings = new Map<string, DetectorSetting>();
  for (const group of context.styles.groups) {
    const run = runOf(context, group.runId);
    const detector = eigengapSettings({ manifest: run.manifest }, group.condition)?.detector;
    if (!detector) continue;
    const key = `${detector.threshold}|${detector.warmup}`;
    const entry = settings.get(key) ?? { threshold: detector.threshold, warmup: detector.warmup, groups: [] };
    entry.groups.push(group.label);
    settings.set(key, entry);
  }
  return [...settings.values()];
}

/** The threshold line of a setting and, after a warm-up, its vertical line, each labelled (with its groups when settings differ). */
function detectorSettingMarks(context: FigureContext, setting: DetectorSetting, whose: string): { shapes: Partial<Shape>[]; annotations: Partial<Annotation>[] } {
  const { theme } = context;
  const shapes: Partial<Shape>[] = [
    { type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: setting.threshold, y1: setting.threshold, line: { color: theme.alertColor, width: 1.5, dash: 'dash' } },
  ];
  const annotations: Partial<Annotation>[] = [
    {
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
    },
  ];
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
  return { shapes, annotations };
}

/**
 * What the slope is per: an MLP's epoch; a Transformer's snapshot interval, since its detector counts
 * parameter snapshots (`diagnostics.snapshotEvery` steps apart; docs/science.md §12.4).
 */
const SLOPE_INTERVAL: Record<RunTimeUnit, string> = { epoch: 'epoch', step: 'snapshot interval', mixed: 'epoch (MLP) or snapshot interval (Transformer)' };

export function detectorSlopeFigure(context: FigureContext): ChartFigure {
  const settings = detectorSettings(context);
  const marks = settings.map((setting) => detectorSettingMarks(context, setting, settings.length > 1 ? ` (${setting.groups.join(', ')})` : ''));
  return lineFigure('detectorSlope', context, {
    specs: [metricSpec('gapSlope', 's(t)', 'solid', false)],
    options: { quantityInLegend: false, xWord: timeWordsOf(context).singular },
    layout: {
      xaxis: epochAxis(context),
      yaxis: axis(context.theme, `s(t): change of ln(λ₂/λ₃)<br>per ${SLOPE_INTERVAL[timeWordsOf(context).unit]} over the lag`, 'linear', { zeroline: true }),
      shapes: marks.flatMap((mark) => mark.shapes),
      annotations: marks.flatMap((mark) => mark.annotations),
    },
    overlay: detectorPoints(context, 'gapSlope', false),
    emptyText: 'No detector slope yet: it needs the lag’s worth of eigengaps.',
  });
}
