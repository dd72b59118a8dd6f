/**
 * One seed's training loop (docs/science.md §4): rows 0…E, row e describing the model after e steps,
 * evaluated before step e + 1. Per row: train/test metrics, the rolling-eigengap fields and the
 * detector (§5), the spectral edge (§7), the Li₂ metrics (§9); at checkpoints the Theorem-6 check
 * (§6) and the Fourier analysis; every `every` rows, when enabled, the gradient-direction SED (§8).
 * Records and events go to callbacks; the worker writes them.
 */
import type { MlpRunConfig, RunConfig } from '../shared/config/types';
import type { EpochRecord, RunEvent, SeedStatus } from '../shared/runFormat';
import { MILESTONE_NAMES, MILESTONE_TESTS } from '../shared/summary';
import { makeDataset } from './data';
import { initialParameters } from './parameters';
import { createEngine } from './engines';
import { EigengapTracker } from './diagnostics/eigengap';
import { repulsionCheck } from './diagnostics/repulsion';
import { gradientFNorm, unitEnergies } from './diagnostics/li2';
import { fourierContent } from './diagnostics/fourier';
import { DirectionSensitivity, drawProbes } from './diagnostics/gradientSed';
import { GradientSedTracker } from './diagnostics/sedWindows';

export interface TrainSeedOptions<Config extends RunConfig = MlpRunConfig> {
  config: Config;
  condition: string;
  seed: number;
  /** Aborting stops the loop between epochs (steps) with status `cancelled`. */
  signal?: AbortSignal;
  onStart?(engine: string, backend: string): void;
  onRecord(record: EpochRecord): void;
  onEvent(event: RunEvent): void;
  log?(line: string): void;
}

export interface TrainSeedResult {
  status: Extract<SeedStatus, 'completed' | 'diverged' | 'cancelled'>;
  lastEpoch: number;
  message?: string;
}

/** ‖values‖₂ in float64 (the records' weight norms of both models). */
export function frobeniusNorm(values: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += values[index] * values[index];
  return Math.sqrt(sum);
}

/** Yields to the event loop so that signals and IPC are handled between epochs. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function trainSeed(options: TrainSeedOptions): Promise<TrainSeedResult> {
  const { config, condition, seed } = options;
  const { modulus, trainSize, operation } = config.task;
  const hidden = config.model.hidden;
  const dataset = makeDataset(operation, modulus, trainSize, seed);
  const initial = initialParameters(modulus, hidden, seed);
  const diagnostics = config.diagnostics;
  const gradientSedConfig = diagnostics.gradientSed.enabled ? diagnostics.gradientSed : undefined;
  const engine = await createEngine(config.engine.name, { config, dataset, initial, keepFirstLayerGradient: gradientSedConfig !== undefined });
  options.onStart?.(engine.name, engine.backend);
  // The diagnostics see flattened updates: the detector watches ΔWᵀ, ΔV is reported beside it.
  const tracker = new EigengapTracker({
    eigengap: diagnostics.eigengap,
    updateLength: 2 * modulus * hidden,
    secondaryUpdateLength: modulus * hidden,
    spectralEdge: diagnostics.spectralEdge,
    learningRate: config.optimizer.lr,
  });
  // §8 on Wᵀ: the windows are model-agnostic, A(v) is this MLP's probe of its input gradient.
  const gradientSed = gradientSedConfig && {
    tracker: new GradientSedTracker({ config: gradientSedConfig, length: 2 * modulus * hidden, seed }),
    probe: new DirectionSensitivity(modulus, hidden, config.model.activation, drawProbes(operation, modulus, gradientSedConfig.probes, seed)),
  };
  const repulsionEpochs = new Set(diagnostics.repulsion.checkpoints);
  const fourierEpochs = new Set(diagnostics.li2.enabled ? diagnostics.li2.checkpoints : []);
  const reached = new Set<string>();
  const base = { condition, seed };
  let lastEpoch = -1;
  try {
    for (let epoch = 0; epoch <= config.epochs; epoch++) {
      if (options.signal?.aborted) {
        return { status: 'cancelled', lastEpoch, message: `cancelled after epoch ${lastEpoch}` };
      }
      const started = performance.now();
      const evaluation = engine.evaluate();
      const losses = [evaluation.train.loss, evaluation.test.loss];
      if (!losses.every(Number.isFinite)) {
        const which = Number.isFinite(evaluation.train.loss) ? 'test' : 'train';
        return { status: 'diverged', lastEpoch, message: `the ${which} loss became ${losses[which === 'train' ? 0 : 1]} at epoch ${epoch}` };
      }
      const record: EpochRecord = {
        epoch,
        trainLoss: evaluation.train.loss,
        trainAcc: evaluation.train.accuracy,
        testLoss: evaluation.test.loss,
        testAcc: evaluation.test.accuracy,
        ...tracker.row,
        weightNorm: frobeniusNorm(engine.firstLayerTransposed()),
        secondLayerNorm: frobeniusNorm(engine.secondLayer()),
      };
      if (diagnostics.li2.enabled) {
        record.gradientFNorm = gradientFNorm(engine.trainOutput(), dataset.train.y, engine.secondLayer(), config.loss);
      }
      if (tracker.firedNow && record.gap23 !== undefined && record.gapSlope !== undefined) {
        options.onEvent({ type: 'detectorFired', ...base, epoch, gap23: record.gap23, gapSlope: record.gapSlope });
      }
      for (const milestone of MILESTONE_NAMES) {
        if (!reached.has(milestone) && MILESTONE_TESTS[milestone](record)) {
          reached.add(milestone);
          options.onEvent({ type: 'milestone', ...base, epoch, milestone });
        }
      }
      if (repulsionEpochs.has(epoch)) {
        const input = {
          hidden: engine.trainHidden(),
          samples: dataset.train.size,
          units: hidden,
          weightDecay: config.optimizer.weightDecay,
          pairs: diagnostics.repulsion.pairs,
        };
        // The event's `milliseconds` is the check itself, as before (not the engine's H above).
        const checkStarted = performance.now();
        const check = repulsionCheck(input);
        const milliseconds = performance.now() - checkStarted;
        options.onEvent({ type: 'repulsion', ...base, epoch, ...check, milliseconds });
        options.log?.(`epoch ${epoch}: Theorem-6 check ${check.applicable ? `fractionNegative ${check.fractionNegative}` : 'not applicable'} in ${milliseconds.toFixed(0)} ms`);
      }
      if (fourierEpochs.has(epoch)) {
        const energies = unitEnergies(engine.trainHidden(), dataset.train.y, modulus);
        options.onEvent({ type: 'fourier', ...base, epoch, ...fourierContent(engine.firstLayerTransposed(), modulus, hidden, energies) });
      }
      if (gradientSed?.tracker.isDue(epoch)) {
        const sedStarted = performance.now();
        gradientSed.probe.setParameters(engine.firstLayerTransposed(), engine.secondLayer());
        Object.assign(record, gradientSed.tracker.evaluate(engine.firstLayerTransposed(), gradientSed.probe));
        options.log?.(`epoch ${epoch}: gradient-direction SED in ${(performance.now() - sedStarted).toFixed(0)} ms`);
      }
      if (epoch < config.epochs) {
        engine.step();
        tracker.push(engine.firstLayerUpdate(), engine.secondLayerUpdate());
        gradientSed?.tracker.push(engine.firstLayerGradient(), engine.firstLayerUpdate());
      }
      record.milliseconds = performance.now() - started;
      options.onRecord(record);
      lastEpoch = epoch;
      await yieldToEventLoop();
    }
    return { status: 'completed', lastEpoch };
  } finally {
    engine.dispose();
  }
}
