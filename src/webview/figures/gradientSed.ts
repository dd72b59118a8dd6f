/** The gradient-direction SED (docs/science.md §8, adapted from arXiv 2604.25143). */
import type { Metric } from '../../shared/dashboard/series';
import { describeMetric, sparseMetricSeries } from '../../shared/dashboard/series';
import { isLogY } from '../chartDefinitions';
import type { SeedStyle } from '../seriesStyles';
import { mixColors } from '../theme';
import type { ChartFigure, FigureContext } from './layout';
import { epochAxis, timeWordsOf, valueAxis } from './layout';
import { lineFigure, metricSpec } from './lines';

/**
 * R₁…R₃ of the gradient window and, in the same colour faded toward the background, of the update
 * window, one hue per k, with R = 1 (as sensitive as a random direction) as a reference line. Points
 * exist only every `every` epochs of the runs that enable the diagnostic.
 */
export function gradientSedFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('gradientSed', context.view.logY);
  const indices = [1, 2, 3] as const;
  const color = (index: number) => context.theme.palette[(index - 1) % context.theme.palette.length];
  const specs = (['gradientSedRatios', 'updateSedRatios'] as const).flatMap((field) =>
    indices.map((index) => {
      const metric: Metric = `${field}[${index}]`;
      // One hue per k; the update window faded (the dash pattern tells the seeds or conditions apart).
      return metricSpec(metric, describeMetric(metric).label, 'solid', logY, {
        color: field === 'gradientSedRatios' ? color(index) : mixColors(color(index), context.theme.background, 0.5),
        markers: true,
        seriesOf: (seed: SeedStyle) => sparseMetricSeries(seed.state.records, metric),
      });
    }),
  );
  return lineFigure('gradientSed', context, {
    specs,
    options: { quantityInLegend: true, colorByQuantity: true, xWord: timeWordsOf(context).singular },
    layout: {
      xaxis: epochAxis(context),
      yaxis: valueAxis(context, 'R_k = A(v_k) / median A(r)<br>(sensitivity of μ_x along v_k)', logY),
      shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: 1, y1: 1, line: { color: context.theme.axisColor, width: 1, dash: 'dot' } }],
    },
    emptyText: `No gradient-direction SED values: it is opt-in (diagnostics.gradientSed.enabled) and computed every \`every\` ${timeWordsOf(context).plural} once its windows are full.`,
  });
}
