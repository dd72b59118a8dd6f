/**
 * What differs between the two model families for every reader of a configuration (docs/science.md
 * §12): which one a config is, how its rows are keyed (epochs of full-batch training for the MLP,
 * steps of minibatch training for the Transformer, docs/run-format.md), and its last row.
 */
import type { MlpRunConfig, RunConfig, TransformerRunConfig } from './types';

// `model?.`: a config may come from a run folder written by hand or by an older producer (the
// readers fill in what they can, src/shared/runFormatUpgrade.ts); without a model it is an MLP's.
export function isTransformerConfig(config: RunConfig): config is TransformerRunConfig {
  return config.model?.kind === 'transformer';
}

export function isMlpConfig(config: RunConfig): config is MlpRunConfig {
  return config.model?.kind !== 'transformer';
}

/** The key of a run's records and the unit of its time axis. */
export type TimeUnit = 'epoch' | 'step';

export function timeUnitOf(config: RunConfig): TimeUnit {
  return isTransformerConfig(config) ? 'step' : 'epoch';
}

/** The time of the last row a run may write: its epochs, or its steps (an early stop may end it sooner). */
export function lastRowOf(config: RunConfig): number {
  return isTransformerConfig(config) ? config.steps : config.epochs;
}

/** `config` as an MLP config; throws when it is a Transformer's (for code and tests that handle MLP runs only). */
export function mlpConfigOf(config: RunConfig): MlpRunConfig {
  if (!isMlpConfig(config)) throw new Error(`expected an MLP configuration, got model.kind ${config.model.kind}`);
  return config;
}
