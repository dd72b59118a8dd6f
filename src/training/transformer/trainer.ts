/**
 * One seed of a Transformer run (docs/science.md §12): minibatch steps 1 … S as the reference trains
 * them (docs/science.md §12.3: forward, summed cross-entropy, backward, global clip, AdamW),
 * a record at step 0 and every `training.evalEvery` steps (full train and test evaluation, per
 * operation in a multitask model), the rolling Gram of the chosen parameter group's updates between
 * snapshots every `diagnostics.snapshotEvery` steps (the eigengap, the detector and the spectral edge
 * of §5 and §7, the same EigengapTracker as the MLP's: it takes flat vectors, not a model), and the
 * reference's early stop; optionally the rank-k gradient projection between the clip and AdamW
 * (./intervention.ts, §12.5) and the update-/gradient-SED of the attention weights (./sed.ts, §12.6).
 * Records are keyed by step (in memory their `epoch` field holds the step;
 * the run folder writes it as `step`, docs/run-format.md).
 */
import type { TransformerRunConfig } from '../../shared/config/types';
import type { EpochRecord } from '../../shared/runFormat';
import { MILESTONE_NAMES, MILESTONE_TESTS } from '../../shared/summary';
import { EigengapTracker } from '../diagnostics/eigengap';
import { frobeniusNorm, type TrainSeedOptions, type TrainSeedResult } from '../trainer';
import { MinibatchSampler, transformerDataset } from './data';
import { EVALUATION_CHUNK, type TaskMetrics, type TransformerEngine } from './engine';
import { createTransformerEngine } from './engines';
import { GradientProjection } from './intervention';
import { gatherGroup, initialTransformerParameters, parameterGroup, parameterLayout, type ParameterGroupName, type TransformerShape } from './model';
import { TransformerSed, type TransformerSedResult } from './sed';

export function transformerShape(config: TransformerRunConfig): TransformerShape {
  const { width, heads, feedForward, layers } = config.model;
  return { vocabulary: config.task.modulus, width, heads, feedForward, layers, tasks: config.task.operations.length };
}

/** The record's accuracies over heads: the smallest (every head must pass a milestone, the reference's min over test keys); losses summed (the training objective). */
function combine(metrics: readonly TaskMetrics[]): TaskMetrics {
  return { loss: metrics.reduce((sum, metric) => sum + metric.loss, 0), accuracy: Math.min(...metrics.map((metric) => metric.accuracy)) };
}

/**
 * Puts an SED evaluation on a record: on the record itself for a single task, on each operation's
 * entry for a multitask model; with the step it describes when that is not the row's (forward windows).
 */
function attachSed(record: EpochRecord, result: TransformerSedResult): void {
  if (record.operations) result.operations.forEach((fields, task) => Object.assign(record.operations![task], fields));
  else Object.assign(record, result.operations[0]);
  if (result.step !== record.epoch) record.gradientSedStep = result.step;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function trainTransformerSeed(options: TrainSeedOptions<TransformerRunConfig>): Promise<TrainSeedResult> {
  const { config, condition, seed } = options;
  const { training, diagnostics } = config;
  const layout = parameterLayout(transformerShape(config));
  const dataset = transformerDataset(config.task.operations, config.task.modulus, config.task.trainSize, seed);
  const engine: TransformerEngine = await createTransformerEngine(config.engine.name, {
    layout,
    initial: initialTransformerParameters(layout, seed),
    optimizer: config.optimizer,
    maxBatch: Math.max(training.batchSize, EVALUATION_CHUNK),
  });
  options.onStart?.(engine.name, engine.backend);
  const group = parameterGroup(layout, diagnostics.parameterGroup as ParameterGroupName);
  const snapshotEvery = diagnostics.snapshotEvery;
  // The detector counts snapshots; the file gives its lag and warm-up in steps (docs/science.md §12.4).
  const { detector } = diagnostics.eigengap;
  const tracker = new EigengapTracker({
    eigengap: { ...diagnostics.eigengap, detector: { ...detector, lag: detector.lag / snapshotEvery, warmup: Math.ceil(detector.warmup / snapshotEvery) } },
    updateLength: group.size,
    spectralEdge: diagnostics.spectralEdge,
    learningRate: config.optimizer.lr,
  });
  const sampler = new MinibatchSampler(dataset.train, training.batchSize, seed);
  // docs/science.md §12.5–12.6: both on the attention weights, whatever diagnostics.parameterGroup.
  const projection = training.intervention.mode === 'none' ? undefined : new GradientProjection({ config: training.intervention, group: parameterGroup(layout, 'attention'), seed });
  const sed = diagnostics.gradientSed.enabled ? new TransformerSed({ config: diagnostics.gradientSed, engine, layout, dataset, seed }) : undefined;
  const previousSnapshot = gatherGroup(group, engine.parameters(), new Float32Array(group.size));
  const currentSnapshot = new Float32Array(group.size);
  const update = new Float32Array(group.size);
  const reached = new Set<string>();
  const base = { condition, seed };
  const multitask = config.task.operations.length > 1;
  let passingEvaluations = 0;
  let lastStep = -1;
  let rowStarted = performance.now();
  try {
    for (let step = 0; step <= config.steps; step++) {
      if (options.signal?.aborted) return { status: 'cancelled', lastEpoch: lastStep, message: `cancelled after step ${lastStep}` };
      if (sed?.isCheckpoint(step)) sed.checkpoint(step);
      const snapshotDue = step > 0 && step % snapshotEvery === 0;
      if (snapshotDue) {
        gatherGroup(group, engine.parameters(), currentSnapshot);
        for (let index = 0; index < group.size; index++) update[index] = currentSnapshot[index] - previousSnapshot[index];
        previousSnapshot.set(currentSnapshot);
        tracker.push(update);
      }
      if (step % training.evalEvery === 0 || step === config.steps) {
        const train = engine.evaluate(dataset.train);
        const test = engine.evaluate(dataset.test);
        const trainCombined = combine(train);
        const testCombined = combine(test);
        if (!Number.isFinite(trainCombined.loss) || !Number.isFinite(testCombined.loss)) {
          const which = Number.isFinite(trainCombined.loss) ? 'test' : 'train';
          return { status: 'diverged', lastEpoch: lastStep, message: `the ${which} loss became ${which === 'train' ? trainCombined.loss : testCombined.loss} at step ${step}` };
        }
        const record: EpochRecord = {
          epoch: step,
          trainLoss: trainCombined.loss,
          trainAcc: trainCombined.accuracy,
          testLoss: testCombined.loss,
          testAcc: testCombined.accuracy,
          ...(snapshotDue ? tracker.row : {}),
          weightNorm: frobeniusNorm(gatherGroup(group, engine.parameters(), currentSnapshot)),
        };
        if (multitask) {
          record.operations = config.task.operations.map((operation, task) => ({
            operation,
            trainLoss: train[task].loss,
            trainAcc: train[task].accuracy,
            testLoss: test[task].loss,
            testAcc: test[task].accuracy,
          }));
        }
        const sedResult = sed?.takeResult();
        if (sedResult) attachSed(record, sedResult);
        const intervention = projection?.takeSummary();
        if (intervention && intervention.steps > 0) {
          record.interventionSteps = intervention.steps;
          record.interventionShare = intervention.share;
          record.interventionDirections = intervention.directions;
        }
        if (snapshotDue && tracker.firedNow && record.gap23 !== undefined && record.gapSlope !== undefined) {
          options.onEvent({ type: 'detectorFired', ...base, epoch: step, gap23: record.gap23, gapSlope: record.gapSlope });
        }
        for (const milestone of MILESTONE_NAMES) {
          if (!reached.has(milestone) && MILESTONE_TESTS[milestone](record)) {
            reached.add(milestone);
            options.onEvent({ type: 'milestone', ...base, epoch: step, milestone });
          }
        }
        const now = performance.now();
        record.milliseconds = now - rowStarted;
        rowStarted = now;
        options.onRecord(record);
        lastStep = step;
        passingEvaluations = testCombined.accuracy >= training.earlyStop.accuracy ? passingEvaluations + 1 : 0;
        if (training.earlyStop.enabled && passingEvaluations >= training.earlyStop.evaluations) {
          options.log?.(`early stop at step ${step}: test accuracy ≥ ${training.earlyStop.accuracy} on ${passingEvaluations} consecutive evaluations`);
          return { status: 'completed', lastEpoch: step, message: `stopped early at step ${step}` };
        }
        await yieldToEventLoop();
      }
      if (step < config.steps) {
        engine.backward(sampler.next());
        engine.clipGradient(training.gradientClip);
        projection?.apply(engine.gradient());
        engine.optimizerStep();
      }
    }
    return { status: 'completed', lastEpoch: lastStep };
  } finally {
    engine.dispose();
  }
}
