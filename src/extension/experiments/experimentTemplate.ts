/**
 * The commented example that "New Experiment File" writes: examples/quickstart.grok.yaml with a
 * comment on every key, so that a researcher can start from it without opening the docs. Kept
 * valid by test/unit/extensionTemplates.test.ts (it must parse without a problem).
 */

/** The file name "New Experiment File" proposes (a number is added when it exists). */
export const EXPERIMENT_TEMPLATE_FILE_NAME = 'experiment.grok.yaml';

/** The file name to write in a folder that already holds `existing` names: experiment.grok.yaml, experiment-2.grok.yaml, … */
export function uniqueExperimentFileName(existing: ReadonlySet<string>): string {
  if (!existing.has(EXPERIMENT_TEMPLATE_FILE_NAME)) return EXPERIMENT_TEMPLATE_FILE_NAME;
  for (let index = 2; ; index++) {
    const name = EXPERIMENT_TEMPLATE_FILE_NAME.replace(/\.grok\.yaml$/, `-${index}.grok.yaml`);
    if (!existing.has(name)) return name;
  }
}

/** The text of a new experiment file. */
export const EXPERIMENT_TEMPLATE = `# A Grokking Lab experiment file. Every *.grok.yaml file of the workspace shows in the
# Experiments view; run an experiment with its ▷ button or "Grokking Lab: Run Grokking Experiment".
# Runs are written to the runs folder (setting grokkingLab.runsFolder, default .grokking-lab/runs).
# Every key has a default (the papers' setup), so \`experiments: { quick: { epochs: 50 } }\` is a
# valid file; hover a key for its meaning when the YAML extension is installed.
#
# This one: the setting of arXiv 2605.08119, (a + b) mod 71 with the reference split, 2048 hidden
# units, σ = x², class-centred MSE, Adam lr 1e-3, 400 epochs, seed 0 in two conditions run side by
# side: with weight decay it groks and the lock-in detector fires; without, neither (about a minute).
experiments:
  quickstart:                       # the experiment's name: also its folder name in the runs folder
    description: The papers' setting, seed 0, weight decay vs none
    task:
      operation: add                # add | subtract | multiply, modulo \`modulus\`
      modulus: 71                   # M: inputs and outputs are 0…M−1 (M² pairs in all)
      trainSize: 2016               # training pairs (or trainFraction: 0.4); the rest is the test set
    model:
      hidden: 2048                  # K hidden units
      activation: square            # square (σ = x²) | relu | silu
    loss: mse                       # mse (class-centred) | crossEntropy
    optimizer:
      name: adam                    # adam | adamw | sgd
      lr: 1.0e-3
      weightDecay: 2.0e-4           # η; the grokking condition of the papers
    epochs: 400                     # optimiser steps (full batch); one record per epoch, 0…400
    seeds: [0]                      # a list of seeds, or a count: 15 means 0…14
    conditions:                     # named overrides of the keys above, run side by side
      grok: {}
      control: { optimizer: { weightDecay: 0 } }
    # grid:                         # a sweep: every combination of these values is a condition
    #   optimizer.lr: [5.0e-4, 1.0e-3]            #   (× each named condition: grok_lr-5e-4, …)
    diagnostics:
      eigengap:                     # rolling Gram of the last \`window\` first-layer updates
        window: 20
        detector: { lag: 25, threshold: 0.04, warmup: 100 }   # fires when the gap's slope > threshold
      repulsion: { checkpoints: [50, 100, 175, 250, 300] }     # feature-repulsion checks (Theorem 6)
      # gradientSed: { enabled: true, every: 10 }   # gradient-direction SED (arXiv 2604.25143), opt-in: costly
`;
