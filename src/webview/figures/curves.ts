/**
 * The training curves: accuracy and loss (train dashed, test solid), a multitask run's accuracy per
 * operation, and the weight norms.
 */
import type { LayoutAxis } from 'plotly.js-dist-min';
import type { Metric } from '../../shared/dashboard/series';
import { operationNames, operationSeries } from '../../shared/dashboard/series';
import { isLogY } from '../chartDefinitions';
import { mixColors } from '../theme';
import type { ChartFigure, FigureContext } from './layout';
import { epochAxis, timeWordsOf, valueAxis } from './layout';
import { lineFigure, metricSpec, type LineSpec } from './lines';

export function trainTestFigure(chart: 'accuracy' | 'loss', context: FigureContext): ChartFigure {
  const logY = isLogY(chart, context.view.logY);
  const [train, test]: Metric[] = chart === 'accuracy' ? ['trainAcc', 'testAcc'] : ['trainLoss', 'testLoss'];
  const lossName = context.runs[0]?.manifest?.conditions[0]?.config.loss;
  const yTitle = chart === 'accuracy' ? 'accuracy (share of pairs correct)' : `loss${lossName ? ` (${lossName === 'mse' ? 'class-centred MSE' : lossName})` : ''}`;
  const yExtra: Partial<LayoutAxis> = chart === 'accuracy' && !logY ? { range: [-0.02, 1.02] } : {};
  return lineFigure(chart, context, {
    specs: [metricSpec(test, 'test', 'solid', logY), metricSpec(train, 'train', 'dash', logY)],
    options: { quantityInLegend: true, xWord: timeWordsOf(context).singular },
    layout: { xaxis: epochAxis(context), yaxis: valueAxis(context, yTitle, logY, yExtra) },
    emptyText: `No ${timeWordsOf(context).plural} recorded yet.`,
  });
}

/**
 * A multitask Transformer's accuracy per operation (head): test in the operation's colour, train in
 * the same colour faded, conditions or runs told apart by dash (as the gradient-direction SED's
 * windows). The Accuracy chart draws the rows' accuracies, the smallest over the heads.
 */
export function operationsFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('operations', context.view.logY);
  const names = [...new Set(context.styles.seeds.flatMap((seed) => operationNames(seed.state.records)))];
  const color = (index: number) => context.theme.palette[index % context.theme.palette.length];
  const specs = names.flatMap((name, index): LineSpec[] =>
    (['testAcc', 'trainAcc'] as const).map((field) => ({
      key: `operation|${name}|${field}`,
      label: `${name} · ${field === 'testAcc' ? 'test' : 'train'}`,
      dash: 'solid',
      logY,
      color: field === 'testAcc' ? color(index) : mixColors(color(index), context.theme.background, 0.5),
      seriesOf: (seed) => operationSeries(seed.state.records, name, field),
    })),
  );
  const yExtra: Partial<LayoutAxis> = logY ? {} : { range: [-0.02, 1.02] };
  return lineFigure('operations', context, {
    specs,
    options: { quantityInLegend: true, colorByQuantity: true, xWord: timeWordsOf(context).singular },
    layout: { xaxis: epochAxis(context), yaxis: valueAxis(context, 'accuracy per operation<br>(share of its pairs correct)', logY, yExtra) },
    emptyText: 'No accuracy per operation: a multitask Transformer (task.operations with two or more) records one per head.',
  });
}

export function dynamicsFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('dynamics', context.view.logY);
  return lineFigure('dynamics', context, {
    specs: [metricSpec('weightNorm', '‖W‖_F', 'solid', logY), metricSpec('secondLayerNorm', '‖V‖_F', 'dash', logY)],
    options: { quantityInLegend: true, xWord: timeWordsOf(context).singular },
    layout: { xaxis: epochAxis(context), yaxis: valueAxis(context, 'Frobenius norm of the weights', logY) },
    emptyText: `No ${timeWordsOf(context).plural} recorded yet.`,
  });
}
