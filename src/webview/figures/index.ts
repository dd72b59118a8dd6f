/**
 * The dashboard's store → Plotly figures (data + layout) of every chart, for the dashboard
 * (src/webview/dashboardApp.ts) and the HTML report's page (src/webview/reportPage.ts). Pure: no DOM,
 * no Plotly runtime (only its types), so every rule is tested in Node (test/unit/webviewFigures.test.ts,
 * test/unit/webviewFigureSnapshots.test.ts) and the pages only call Plotly with the result.
 *
 * One file per family of charts: curves.ts (accuracy, loss, accuracy per operation, weight norms), spectrum.ts (eigenvalues,
 * eigengap, detector slope), spectralEdge.ts, gradientSed.ts, repulsion.ts (repulsion, coupling);
 * a chart of lines is a lineFigure of lines.ts (seeds, medians, bands, smoothing, log axes, thinning), whose
 * traces come from one factory (traces.ts); layout.ts holds what every chart's layout shares.
 */
import type { ChartId } from '../chartDefinitions';
import { CHART_DEFINITIONS } from '../chartDefinitions';
import { dynamicsFigure, operationsFigure, trainTestFigure } from './curves';
import type { ChartFigure, FigureContext } from './layout';
import { couplingFigure, repulsionFigure } from './repulsion';
import { gradientSedFigure } from './gradientSed';
import { spectralEdgeFigure } from './spectralEdge';
import { detectorSlopeFigure, eigenvaluesFigure, gapFigure } from './spectrum';

export type { ChartFigure, FigureContext } from './layout';

/** Each chart's figure builder (a Record, so a chart added to CHART_IDS does not compile until it has one). */
const FIGURE_BUILDERS: Record<ChartId, (context: FigureContext) => ChartFigure> = {
  accuracy: (context) => trainTestFigure('accuracy', context),
  loss: (context) => trainTestFigure('loss', context),
  eigenvalues: eigenvaluesFigure,
  gap: gapFigure,
  detectorSlope: detectorSlopeFigure,
  spectralEdge: spectralEdgeFigure,
  gradientSed: gradientSedFigure,
  operations: operationsFigure,
  repulsion: repulsionFigure,
  coupling: couplingFigure,
  dynamics: dynamicsFigure,
};

/** The figure of one chart. */
export function buildFigure(chart: ChartId, context: FigureContext): ChartFigure {
  return FIGURE_BUILDERS[chart](context);
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
