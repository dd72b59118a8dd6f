/** The spectral edge of the update window (docs/science.md §7) in four rows on one epoch axis: k*, R, g₂₃ and 𝒜. */
import type { Layout } from 'plotly.js-dist-min';
import type { Metric } from '../../shared/dashboard/series';
import { describeMetric } from '../../shared/dashboard/series';
import { isLogY } from '../chartDefinitions';
import type { ChartFigure, FigureContext, YAxisId } from './layout';
import { epochAxis, timeWordsOf, valueAxis } from './layout';
import { lineFigure, metricSpec } from './lines';

/** The four rows, top to bottom; k* is a small integer, so its row stays linear. */
const SPECTRAL_EDGE_ROWS: { metric: Metric; axisTitle: string; logAllowed: boolean; yaxis: YAxisId }[] = [
  { metric: 'kStar', axisTitle: 'k*', logAllowed: false, yaxis: 'y' },
  { metric: 'edgeRatio', axisTitle: 'R = σ_k*/σ_k*+1', logAllowed: true, yaxis: 'y2' },
  { metric: 'g23', axisTitle: 'g₂₃ = σ₂² − σ₃²', logAllowed: true, yaxis: 'y3' },
  { metric: 'adiabatic', axisTitle: '𝒜 (adiabatic)', logAllowed: true, yaxis: 'y4' },
];

export function spectralEdgeFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('spectralEdge', context.view.logY);
  const rowHeight = 0.22;
  const gapHeight = (1 - rowHeight * 4) / 3;
  const layout: Partial<Layout> = { xaxis: epochAxis(context, { anchor: 'y4' }) };
  SPECTRAL_EDGE_ROWS.forEach((row, index) => {
    const top = 1 - index * (rowHeight + gapHeight);
    const yAxis = valueAxis(context, row.axisTitle, logY && row.logAllowed, { domain: [top - rowHeight, top], anchor: 'x' });
    if (index === 0) layout.yaxis = yAxis;
    else layout[`yaxis${index + 1}` as 'yaxis2' | 'yaxis3' | 'yaxis4'] = yAxis;
  });
  return lineFigure('spectralEdge', context, {
    specs: SPECTRAL_EDGE_ROWS.map((row) => metricSpec(row.metric, describeMetric(row.metric).label, 'solid', logY && row.logAllowed, { yaxis: row.yaxis })),
    options: { quantityInLegend: false, xWord: timeWordsOf(context).singular },
    layout,
    emptyText: 'No spectral-edge values: diagnostics.spectralEdge is off or its window is not full yet.',
  });
}
