/**
 * The dashboard's store → Plotly figures (data + layout) of every chart, for the dashboard
 * (src/webview/dashboardApp.ts) and the HTML report's page (src/webview/reportPage.ts). Pure: no DOM,
 * no Plotly runtime (only its types), so every rule is tested in Node (test/unit/webviewFigures.test.ts,
 * test/unit/webviewFigureSnapshots.test.ts) and the pages only call Plotly with the result.
 *
 * One file per family of charts: curves.ts (accuracy, loss, weight norms), spectrum.ts (eigenvalues,
 * eigengap, detector slope), spectralEdge.ts, gradientSed.ts, repulsion.ts (repulsion, coupling);
 * their lines come from lines.ts (seeds, medians, bands, smoothing, log axes, thinning), whose
 * traces come from one factory (traces.ts); layout.ts holds what every chart's layout shares.
 */
import type { ChartId } from '../chartDefinitions';
import { CHART_DEFINITIONS } from '../chartDefinitions';
import { dynamicsFigure, trainTestFigure } from './curves';
import type { ChartFigure, FigureContext } from './layout';
import { couplingFigure, repulsionFigure } from './repulsion';
import { gradientSedFigure } from './gradientSed';
import { spectralEdgeFigure } from './spectralEdge';
import { detectorSlopeFigure, eigenvaluesFigure, gapFigure } from './spectrum';

export type { ChartFigure, FigureContext } from './layout';

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
