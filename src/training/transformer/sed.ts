/**
 * Update-SED and gradient-SED of the Transformer's attention weights (docs/science.md §12.6; arXiv
 * 2604.25143; the author's `gradient_sed/diagnostics/sed_lch_gradient.py`, `sed_lch_coupling.py` and
 * `sed_lch_multitask_per_op.py` as read in docs/science.md §12.6). The windows, their
 * singular directions, the random baseline and the ratios are the MLP's GradientSedTracker
 * (../diagnostics/sedWindows.ts); what is the Transformer's own is here:
 *
 *  - Checkpoints every `checkpointEvery` steps (the reference caches every 25). At each, the
 *    gradient g = ∂CE/∂θ_attn on ONE fixed batch of 512 pairs drawn once per seed uniformly with
 *    replacement from ALL the task's pairs (train and test), not clipped; and the update = the
 *    difference of the attention weights since the previous checkpoint. θ_attn is the `attention`
 *    group (every layer's in_proj_weight and out_proj.weight), whatever diagnostics.parameterGroup.
 *  - A(v) = mean over 1024 probes (all pairs, with replacement, fixed per seed) of
 *    ‖(μ_x(θ + εv) − μ_x(θ − εv)) / 2ε‖², μ_x = ∂ logit_y(x) / ∂h0 the gradient of the RAW
 *    correct-class logit with respect to the input embeddings h0 = tok_emb + pos_emb (2 × width),
 *    from the engine (correctLogitInputGradients); only the attention weights are perturbed;
 *    ε = epsilonScale · ‖θ_attn‖ at the step evaluated.
 *  - Multitask: one gradient window per operation (∂CE(head_op)/∂θ_attn on that operation's own
 *    fixed batch), μ_x through head_op on that operation's own probes, and its own random
 *    directions; the update window is the same for every operation (one basis shared across
 *    operations, as the reference's multitask update-SED). Each operation's values go to its entry
 *    of the record's `operations`.
 *  - Window direction: `past` (default) — the windows of step t hold the checkpoints t − (W−1)·c …
 *    t (gradients at those checkpoints, updates ending at them), evaluated on row t. `forward` — the
 *    reference's [t, t + W) checkpoints: gradients at t … t + (W−1)·c and the updates from θ(t) to
 *    θ(t + W·c). Those exist only at step t + W·c, so step t's values are computed then (at the
 *    parameters of step t, kept until then) and recorded on the first row at or after it, with
 *    `gradientSedStep: t`. Records are append-only; a forward evaluation whose window would reach
 *    past the run's end is never computed (the reference clamps it to the last full window).
 *
 * Streams (the seed's): `gradient-sed-batch`, `gradient-sed-probes`, `gradient-sed-directions`; for a
 * multitask model's operation k > 0, the same names with `-k`.
 */
import type { TransformerGradientSedConfig } from '../../shared/config/types';
import { GradientSedTracker, type GradientSedFields, type SensitivityProbe } from '../diagnostics/sedWindows';
import { RandomStream } from '../random';
import type { TransformerDataset } from './data';
import type { PairBatch, TransformerEngine } from './engine';
import { gatherGroup, parameterGroup, POSITIONS, type ParameterGroup, type ParameterLayout } from './model';

/** Pairs of the fixed gradient batch (the reference's 512). */
export const SED_GRADIENT_BATCH = 512;

/**
 * `count` pairs drawn uniformly with replacement from all the dataset's pairs (training then test
 * pairs, each with every task's label), from the seed's `stream`. A new batch.
 */
export function drawAllPairs(dataset: TransformerDataset, count: number, seed: number, stream: string): PairBatch {
  const random = new RandomStream(seed, stream);
  const tasks = dataset.train.labels.length;
  const batch: PairBatch = { size: count, a: new Int32Array(count), b: new Int32Array(count), labels: Array.from({ length: tasks }, () => new Int32Array(count)) };
  const total = dataset.train.size + dataset.test.size;
  for (let row = 0; row < count; row++) {
    const drawn = random.nextInt(total);
    const [split, index] = drawn < dataset.train.size ? [dataset.train, drawn] : [dataset.test, drawn - dataset.train.size];
    batch.a[row] = split.a[index];
    batch.b[row] = split.b[index];
    for (let task = 0; task < tasks; task++) batch.labels[task][row] = split.labels[task][index];
  }
  return batch;
}

/**
 * A(v) of one head on one probe set, through an engine's correctLogitInputGradients at the
 * parameters set by setParameters with the attention group shifted by ±εv (rounded to float32, as
 * the parameters are).
 */
export class TransformerDirectionSensitivity implements SensitivityProbe {
  private readonly base: Float32Array;
  private readonly perturbed: Float32Array;
  private readonly plus: Float64Array;
  private readonly minus: Float64Array;

  constructor(
    private readonly engine: TransformerEngine,
    private readonly group: ParameterGroup,
    private readonly probes: PairBatch,
    private readonly task: number,
  ) {
    if (probes.size < 1) throw new Error('TransformerDirectionSensitivity needs at least one probe');
    const { size } = engine.layout;
    this.base = new Float32Array(size);
    this.perturbed = new Float32Array(size);
    const entries = probes.size * POSITIONS * engine.layout.shape.width;
    this.plus = new Float64Array(entries);
    this.minus = new Float64Array(entries);
  }

  /** The flat parameters A is taken at (copied). */
  setParameters(parameters: Float32Array): void {
    this.base.set(parameters);
    this.perturbed.set(parameters);
  }

  sensitivity(direction: ArrayLike<number>, epsilon: number): number {
    if (direction.length !== this.group.size) throw new Error(`TransformerDirectionSensitivity: expected ${this.group.size} entries, got ${direction.length}`);
    if (!(epsilon > 0)) throw new Error(`TransformerDirectionSensitivity: ε must be positive, got ${epsilon}`);
    this.shift(direction, epsilon);
    this.engine.correctLogitInputGradients(this.perturbed, this.probes, this.task, this.plus);
    this.shift(direction, -epsilon);
    this.engine.correctLogitInputGradients(this.perturbed, this.probes, this.task, this.minus);
    let total = 0;
    for (let index = 0; index < this.plus.length; index++) total += (this.plus[index] - this.minus[index]) ** 2;
    return total / (4 * epsilon * epsilon) / this.probes.size;
  }

  /** perturbed = base with the group's entries shifted by step · direction. */
  private shift(direction: ArrayLike<number>, step: number): void {
    let position = 0;
    for (const { offset, length } of this.group.ranges) {
      for (let index = 0; index < length; index++, position++) this.perturbed[offset + index] = this.base[offset + index] + step * direction[position];
    }
  }
}

/** The SED values of one step: per operation (one entry for a single task), and the step they describe. */
export interface TransformerSedResult {
  step: number;
  operations: GradientSedFields[];
}

interface OperationSed {
  task: number;
  batch: PairBatch;
  tracker: GradientSedTracker;
  probe: TransformerDirectionSensitivity;
  /** Forward mode: the gradient of the previous checkpoint, pushed with the next update. */
  previousGradient: Float32Array | undefined;
}

/**
 * Per-seed state of the Transformer's SED. Call checkpoint(step) at every step that is a multiple of
 * checkpointEvery (step 0 included), with the engine's parameters those after `step` steps and before
 * step + 1's backward (it overwrites engine.gradient()); at each record row, takeResult() gives what
 * is due there (at most one evaluation).
 */
export class TransformerSed {
  private readonly config: TransformerGradientSedConfig;
  private readonly engine: TransformerEngine;
  private readonly group: ParameterGroup;
  private readonly multitask: boolean;
  private readonly operations: OperationSed[];
  private readonly previousSnapshot: Float32Array;
  private readonly snapshot: Float32Array;
  private readonly update: Float32Array;
  private hasSnapshot = false;
  /** Forward mode: the parameters of the steps whose windows are still filling, oldest first. */
  private readonly pending: { step: number; parameters: Float32Array }[] = [];
  private readonly ready: TransformerSedResult[] = [];

  constructor(options: { config: TransformerGradientSedConfig; engine: TransformerEngine; layout: ParameterLayout; dataset: TransformerDataset; seed: number }) {
    const { config, engine, layout, dataset, seed } = options;
    this.config = config;
    this.engine = engine;
    this.group = parameterGroup(layout, 'attention');
    const tasks = layout.shape.tasks;
    this.multitask = tasks > 1;
    const streamName = (name: string, task: number): string => (task === 0 ? name : `${name}-${task}`);
    this.operations = Array.from({ length: tasks }, (_, task) => ({
      task,
      batch: drawAllPairs(dataset, SED_GRADIENT_BATCH, seed, streamName('gradient-sed-batch', task)),
      tracker: new GradientSedTracker({ config, length: this.group.size, seed, directionsStream: streamName('gradient-sed-directions', task) }),
      probe: new TransformerDirectionSensitivity(engine, this.group, drawAllPairs(dataset, config.probes, seed, streamName('gradient-sed-probes', task)), task),
      previousGradient: undefined,
    }));
    this.previousSnapshot = new Float32Array(this.group.size);
    this.snapshot = new Float32Array(this.group.size);
    this.update = new Float32Array(this.group.size);
  }

  /** Whether `step` is a checkpoint. */
  isCheckpoint(step: number): boolean {
    return step % this.config.checkpointEvery === 0;
  }

  checkpoint(step: number): void {
    if (!this.isCheckpoint(step)) throw new Error(`step ${step} is not a SED checkpoint (every ${this.config.checkpointEvery} steps)`);
    const parameters = this.engine.parameters();
    gatherGroup(this.group, parameters, this.snapshot);
    const hadSnapshot = this.hasSnapshot;
    for (let index = 0; index < this.group.size; index++) this.update[index] = this.snapshot[index] - this.previousSnapshot[index];
    this.previousSnapshot.set(this.snapshot);
    this.hasSnapshot = true;
    const forward = this.config.windowDirection === 'forward';
    for (const operation of this.operations) {
      this.engine.backward(operation.batch, this.multitask ? operation.task : undefined);
      const gradient = gatherGroup(this.group, this.engine.gradient(), new Float32Array(this.group.size));
      if (!forward) {
        if (hadSnapshot) operation.tracker.push(gradient, this.update);
      } else {
        // The gradient of checkpoint t goes with the update from t to the next checkpoint.
        if (hadSnapshot && operation.previousGradient) operation.tracker.push(operation.previousGradient, this.update);
        operation.previousGradient = gradient;
      }
    }
    const due = step % this.config.every === 0;
    if (!forward) {
      if (due && step > 0 && this.operations[0].tracker.held >= this.config.vectors) this.ready.push(this.evaluate(step, parameters));
      return;
    }
    if (due) this.pending.push({ step, parameters: Float32Array.from(parameters) });
    const span = this.config.window * this.config.checkpointEvery;
    while (this.pending.length > 0 && this.pending[0].step + span <= step) {
      const described = this.pending.shift()!;
      this.ready.push(this.evaluate(described.step, described.parameters));
    }
  }

  /** The oldest evaluation not yet recorded, if any; removes it. */
  takeResult(): TransformerSedResult | undefined {
    return this.ready.shift();
  }

  private evaluate(step: number, parameters: Float32Array): TransformerSedResult {
    const attention = gatherGroup(this.group, parameters, new Float32Array(this.group.size));
    const operations = this.operations.map((operation) => {
      operation.probe.setParameters(parameters);
      return operation.tracker.evaluate(attention, operation.probe);
    });
    return { step, operations };
  }
}
