/** The training curves: accuracy and loss (train dashed, test solid) and the weight norms. */
import type { LayoutAxis } from 'plotly.js-dist-min';
import type { Metric } from '../../shared/dashboard/series';
import { isLogY } from '../chartDefinitions';
import type { ChartFigure, FigureContext } from './layout';
import { epochAxis, valueAxis } from './layout';
import { lineFigure, metricSpec } from './lines';

export function trainTestFigure(chart: 'accuracy' | 'loss', context: FigureContext): ChartFigure {
  const logY = isLogY(chart, context.view.logY);
  const [train, test]: Metric[] = chart === 'accuracy' ? ['trainAcc', 'testAcc'] : ['trainLoss', 'testLoss'];
  const lossName = context.runs[0]?.manifest?.conditions[0]?.config?.loss;
  const yTitle = chart === 'accuracy' ? 'accuracy (share of pairs correct)' : `loss${lossName ? ` (${lossName === 'mse' ? 'class-centred MSE' : lossName})` : ''}`;
  const yExtra: Partial<LayoutAxis> = chart === 'accuracy' && !logY ? { range: [-0.02, 1.02] } : {};
  return lineFigure(chart, context, {
    specs: [metricSpec(test, 'test', 'solid', logY), metricSpec(train, 'train', 'dash', logY)],
    options: { quantityInLegend: true, xWord: 'epoch' },
    layout: { xaxis: epochAxis(context), yaxis: valueAxis(context, yTitle, logY, yExtra) },
    emptyText: 'No epochs recorded yet.',
  });
}

export function dynamicsFigure(context: FigureContext): ChartFigure {
  const logY = isLogY('dynamics', context.view.logY);
  return lineFigure('dynamics', context, {
    specs: [metricSpec('weightNorm', '‖W‖_F', 'solid', logY), metricSpec('secondLayerNorm', '‖V‖_F', 'dash', logY)],
    options: { quantityInLegend: true, xWord: 'epoch' },
    layout: { xaxis: epochAxis(context), yaxis: valueAxis(context, 'Frobenius norm of the weights', logY) },
    emptyText: 'No epochs recorded yet.',
  });
}
