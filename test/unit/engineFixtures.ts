// Shared set-up of the engine tests: a small MlpRunConfig with the diagnostics off, and the split and
// initial parameters of a seed, so every engine test builds its problem the same way.
import type { Activation, LossName, OptimizerConfig, OptimizerName, MlpRunConfig } from '../../src/shared/config/types';
import { makeDataset, type Dataset } from '../../src/training/data';
import { initialParameters, type Parameters } from '../../src/training/parameters';

export interface EngineProblem {
  modulus: number;
  hidden: number;
  trainSize: number;
  activation: Activation;
  loss: LossName;
  optimizer: Partial<OptimizerConfig> & { name: OptimizerName };
  epochs: number;
  threads?: 1 | 2;
}

/** A MlpRunConfig for engine tests: the problem's sizes and optimiser (torch defaults elsewhere), no diagnostics. */
export function engineTestConfig(problem: EngineProblem): MlpRunConfig {
  return {
    task: { operation: 'add', modulus: problem.modulus, trainSize: problem.trainSize },
    model: { kind: 'mlp', hidden: problem.hidden, activation: problem.activation },
    loss: problem.loss,
    optimizer: { lr: 1e-3, weightDecay: 2e-4, betas: [0.9, 0.999], eps: 1e-8, momentum: 0.9, ...problem.optimizer },
    epochs: problem.epochs,
    diagnostics: {
      eigengap: { window: 20, detector: { lag: 25, threshold: 0.04, warmup: 100 }, lateStage: [200, 400] },
      repulsion: { checkpoints: [], pairs: 200 },
      spectralEdge: { enabled: false, window: 10 },
      li2: { enabled: false, checkpoints: [] },
      gradientSed: { enabled: false, window: 20, vectors: 3, directions: 20, probes: 1024, epsilonScale: 0.005, every: 10 },
    },
    engine: { name: 'wasm', threads: problem.threads ?? 1 },
  };
}

/** The engine options of a problem for a seed: config, split and initial parameters. */
export function engineTestOptions(problem: EngineProblem, seed: number): { config: MlpRunConfig; dataset: Dataset; initial: Parameters } {
  const config = engineTestConfig(problem);
  return {
    config,
    dataset: makeDataset('add', problem.modulus, problem.trainSize, seed),
    initial: initialParameters(problem.modulus, problem.hidden, seed),
  };
}
