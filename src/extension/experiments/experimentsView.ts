/**
 * What the Experiments view says about experiments and conditions: the size of an experiment
 * ("2 conditions × 4 grid points × 3 seeds"), a condition's configuration in one line, a grid
 * point's values ("weightDecay = 1e-5 · window = 5"). Pure, so the tree
 * (src/extension/experiments/experimentsTree.ts) only maps these to VS Code objects.
 */
import { describeGridPoint, gridPointCount } from '../../shared/config/grid';
import type { ResolvedCondition, ResolvedExperiment } from '../../shared/config/types';
import { plural } from '../../shared/text';
import { isTransformerConfig } from '../../shared/config/modelKind';


/**
 * An experiment's size: `2 conditions × 15 seeds`; with a grid, `20 grid points × 5 seeds` or
 * `2 conditions × 4 grid points × 3 seeds`.
 */
export function describeExperimentSize(experiment: Pick<ResolvedExperiment, 'conditions' | 'grid' | 'seeds'>): string {
  const seeds = plural(experiment.seeds.length, 'seed');
  if (!experiment.grid) return `${plural(experiment.conditions.length, 'condition')} × ${seeds}`;
  const pointCount = gridPointCount(experiment.grid);
  const points = plural(pointCount, 'grid point');
  const hasNamedConditions = experiment.conditions.some((condition) => condition.baseCondition !== undefined);
  return hasNamedConditions ? `${plural(experiment.conditions.length / pointCount, 'condition')} × ${points} × ${seeds}` : `${points} × ${seeds}`;
}

/** The grid's keys and value counts: `weightDecay (5 values) × window (4 values)`; undefined without a grid. */
export function describeGrid(experiment: Pick<ResolvedExperiment, 'grid'>): string | undefined {
  return experiment.grid?.map((axis) => `${axis.label} (${plural(axis.values.length, 'value')})`).join(' × ');
}

/** A condition's configuration in one line: what people compare between conditions. */
export function describeConditionConfig(condition: Pick<ResolvedCondition, 'config'>): string {
  const { config } = condition;
  if (isTransformerConfig(config)) {
    const { model, task } = config;
    return [
      `${task.operations.join(' + ')} mod ${task.modulus}`,
      `Transformer ${model.layers}×${model.width} ${model.heads} heads`,
      `${config.optimizer.name} wd ${config.optimizer.weightDecay}`,
      `${config.steps} steps`,
    ].join(' · ');
  }
  return [
    `${config.task.operation} mod ${config.task.modulus}`,
    `K ${config.model.hidden} ${config.model.activation}`,
    `${config.optimizer.name} wd ${config.optimizer.weightDecay}`,
    `${config.epochs} epochs`,
  ].join(' · ');
}

/**
 * The description of a condition in the tree: its grid values with the grid's short labels
 * (`weightDecay = 1e-5 · window = 5`) for a grid point, else its configuration in one line.
 */
export function describeConditionItem(experiment: Pick<ResolvedExperiment, 'grid'>, condition: ResolvedCondition): string {
  if (!condition.gridPoint) return describeConditionConfig(condition);
  const labels = new Map(experiment.grid?.map((axis) => [axis.path, axis.label]));
  return describeGridPoint(condition.gridPoint, labels);
}

/** The tooltip of a condition: its place, its condition and grid values by full key, its configuration and hash. */
export function conditionTooltip(experiment: Pick<ResolvedExperiment, 'name'>, condition: ResolvedCondition): string {
  return [
    `${experiment.name} / ${condition.name}`,
    ...(condition.baseCondition !== undefined ? [`condition ${condition.baseCondition}`] : []),
    ...(condition.gridPoint ? [`grid: ${describeGridPoint(condition.gridPoint)}`] : []),
    describeConditionConfig(condition),
    `config hash ${condition.configHash.slice(0, 12)}`,
  ].join('\n');
}
