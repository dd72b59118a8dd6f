/**
 * The Theorem-6 checkpoints (docs/science.md §6): the repulsion statistics over checkpoints, and the
 * coupling B_jl distribution at each seed's latest applicable checkpoint.
 */
import type { Dash, Data } from 'plotly.js-dist-min';
import type { RepulsionStatistic } from '../../shared/dashboard/series';
import { couplingDistribution, repulsionSeries } from '../../shared/dashboard/series';
import { withAlpha } from '../theme';
import type { ChartFigure, FigureContext } from './layout';
import { axis, finish, runOf, shownSeeds, timeWordsOf } from './layout';
import type { LineSpec } from './lines';
import { lineFigure } from './lines';
import { traceUid } from './traces';

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
  const groups: string[] = [];
  let reason: string | undefined;
  for (const group of context.styles.groups) {
    const events = runOf(context, group.runId).events.filter((event) => event.type === 'repulsion' && event.condition === group.condition);
    if (events.length === 0 || events.some((event) => event.type === 'repulsion' && event.applicable)) continue;
    groups.push(group.label);
    const first = events[0];
    reason ??= first.type === 'repulsion' ? first.reason : undefined;
  }
  if (groups.length === 0) return [];
  return [`Theorem 6 does not apply to ${groups.join(', ')}${reason ? `: ${reason}` : ' (weight decay η = 0)'}.`];
}

export function repulsionFigure(context: FigureContext): ChartFigure {
  const specs: LineSpec[] = REPULSION_LINES.map(({ statistic, label, dash }) => ({
    key: statistic,
    label,
    dash,
    logY: false,
    markers: true,
    seriesOf: (seed, run) => repulsionSeries(run.events, seed.condition, seed.seed, statistic),
  }));
  const xTitle = `checkpoint ${timeWordsOf(context).singular}${context.view.logX ? ', log scale' : ''}`;
  return lineFigure('repulsion', context, {
    specs,
    options: { quantityInLegend: true, xWord: 'checkpoint' },
    layout: { xaxis: axis(context.theme, xTitle, context.view.logX ? 'log' : 'linear'), yaxis: axis(context.theme, 'share of examined pairs', 'linear', { range: [-0.02, 1.05] }) },
    notes: inapplicableNote(context),
    emptyText: 'No repulsion checkpoint yet (diagnostics.repulsion.checkpoints), or weight decay is 0 (Theorem 6 needs η > 0).',
  });
}

/** One box per seed shown: its pairs' B_jl as points when listed, else the recorded quantiles. */
export function couplingFigure(context: FigureContext): ChartFigure {
  const normalized = context.view.couplingNormalized;
  const { theme } = context;
  const data: Data[] = [];
  for (const seed of shownSeeds(context)) {
    const distribution = couplingDistribution(runOf(context, seed.runId).events, seed.condition, seed.seed, { normalized });
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
  return finish('coupling', context, {
    data,
    hasData: data.length > 0,
    layout: {
      xaxis: axis(theme, `seed @ checkpoint ${timeWordsOf(context).singular}`, 'linear', { type: 'category' }),
      yaxis: axis(theme, yTitle, 'linear', { zeroline: true }),
      showlegend: false,
    },
    notes: inapplicableNote(context),
    emptyText: 'No applicable repulsion checkpoint yet (Theorem 6 needs weight decay η > 0).',
  });
}
