/**
 * The default of every experiment key, from docs/science.md (the specification of the numbers). The
 * schema (./schema.ts) shows them in the editor and the parser (./parse.ts) fills them in; both read
 * them from here, so a default is written once.
 *
 * Two defaults depend on other values and are functions: the number of epochs (on the activation,
 * docs/science.md §4) and the Li₂ checkpoints (on the repulsion checkpoints and the epochs).
 */
import type { Activation, EngineName, LossName, Operation, OptimizerName } from './types';

/** Defaults that do not depend on other keys. Arrays are copied by the parser before use. */
export const defaults = {
  task: {
    /** docs/science.md §1: modular addition. */
    operation: 'add' as Operation,
    /** docs/science.md §1: M = 71 (5041 pairs). */
    modulus: 71,
    /** docs/science.md §1: n_train = 2016 (40 % of 71²); the rest (3025) is the test set. */
    trainSize: 2016,
  },
  model: {
    /** docs/science.md §2: K = 2048 hidden units. */
    hidden: 2048,
    /** docs/science.md §2: σ(z) = z². */
    activation: 'square' as Activation,
  },
  /** docs/science.md §3: the class-centred MSE of Tian's and Xu's code. */
  loss: 'mse' as LossName,
  optimizer: {
    /** docs/science.md §4: torch.optim.Adam with coupled L2. */
    name: 'adam' as OptimizerName,
    lr: 1e-3,
    /** The papers' η for the grokking condition (the control uses 0). */
    weightDecay: 2e-4,
    betas: [0.9, 0.999] as readonly [number, number],
    eps: 1e-8,
    /** docs/science.md §4: SGD momentum 0.9 (used only by `sgd`). */
    momentum: 0.9,
  },
  /** `seeds: 1`, i.e. the single seed 0. */
  seedCount: 1,
  diagnostics: {
    eigengap: {
      /** docs/science.md §5: w = 20 updates. */
      window: 20,
      /** docs/science.md §5: s(t) with lag 25, fires at the first t ≥ 100 with s(t) > 0.04. */
      detector: { lag: 25, threshold: 0.04, warmup: 100 },
      /** docs/science.md §5: late-stage gap over epochs 200–400 (clipped to the run when used). */
      lateStage: [200, 400] as readonly [number, number],
    },
    repulsion: {
      /** docs/science.md §6; only those ≤ epochs are kept when they are the default. */
      checkpoints: [50, 100, 175, 250, 300] as readonly number[],
      /** docs/science.md §6: the top 200 pairs by |cos|. */
      pairs: 200,
    },
    /** docs/science.md §7: window 10. */
    spectralEdge: { enabled: true, window: 10 },
    li2: { enabled: true },
    /**
     * docs/science.md §8 (arXiv 2604.25143, adapted): window 20, top 3 right singular vectors, 20 random
     * directions, 1024 probes, ε = 0.005·‖W‖. Off by default (seconds per evaluation at the
     * defaults), and then every 10 epochs.
     */
    gradientSed: { enabled: false, window: 20, vectors: 3, directions: 20, probes: 1024, epsilonScale: 0.005, every: 10 },
  },
  engine: { name: 'wasm' as EngineName, threads: 1 as 1 | 2 },
} as const;

/** docs/science.md §4: 400 epochs for σ = x², 800 otherwise (the papers' ReLU schedule). */
export function defaultEpochs(activation: Activation): number {
  return activation === 'square' ? 400 : 800;
}

/**
 * The default repulsion checkpoints of a run of `epochs` steps: docs/science.md §6's list without the
 * epochs the run never reaches. Returns a new array.
 */
export function defaultRepulsionCheckpoints(epochs: number): number[] {
  return defaults.diagnostics.repulsion.checkpoints.filter((epoch) => epoch <= epochs);
}

/**
 * The default Li₂ checkpoints (docs/science.md §9): the repulsion checkpoints and the last epoch,
 * ascending, without duplicates. Returns a new array; does not mutate `repulsionCheckpoints`.
 */
export function defaultLi2Checkpoints(repulsionCheckpoints: readonly number[], epochs: number): number[] {
  return [...new Set([...repulsionCheckpoints, epochs])].sort((a, b) => a - b);
}
