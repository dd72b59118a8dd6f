// The Transformer's flat layout and initialisation (src/training/transformer/model.ts) and its
// float64 reference (src/training/transformer/reference.ts), against things written here without
// its code: the parameter counts of docs/science.md §12.1, an independent forward pass in
// tfjs ops whose gradients come from tfjs autodiff, central differences, and a literal float64
// transcription of torch's clip_grad_norm_ and AdamW (docs/science.md §12.3).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadTensorflow } from '../../src/training/engines/tfjs';
import type { AdamWSettings } from '../../src/training/transformer/engine';
import { initialTransformerParameters, namedSlices, parameterGroup, parameterLayout, type ParameterLayout, type ParameterSlice } from '../../src/training/transformer/model';
import { EVALUATION_CHUNK } from '../../src/training/transformer/engine';
import { CLIP_EPSILON, ReferenceTransformerEngine, transformerLogits, transformerLossAndGradient } from '../../src/training/transformer/reference';
import { RandomStream } from '../../src/training/random';
import {
  DEFAULT_SHAPE,
  perturbedParameters,
  randomBatch,
  SMALL_SHAPE,
  tfjsEmbeddings,
  tfjsLogitsFromEmbeddings,
  tfjsParameterTensors,
  type Tensor,
  type Tensorflow,
} from './transformerFixtures';
import type * as TensorflowCore from '@tensorflow/tfjs-core';
import type { PairBatch } from '../../src/training/transformer/engine';
import { centralDifference } from './numericFixtures';

function valuesOf(parameters: Float32Array | Float64Array, slice: ParameterSlice): number[] {
  return Array.from(parameters.subarray(slice.offset, slice.offset + slice.length));
}

describe('Transformer layout and initialisation', () => {
  it('has the parameter counts of docs/science.md §12.1 (1, 2, 3 tasks) and tiles the vector', () => {
    for (const [tasks, size] of [[1, 290_401], [2, 302_914], [3, 315_427]]) {
      const layout = parameterLayout({ ...DEFAULT_SHAPE, tasks });
      assert.equal(layout.size, size, `${tasks} task(s)`);
      let offset = 0;
      for (const slice of layout.slices) {
        assert.equal(slice.offset, offset, slice.name);
        assert.equal(slice.length, slice.shape.reduce((product, dim) => product * dim, 1), slice.name);
        offset += slice.length;
      }
      assert.equal(offset, size);
    }
  });

  it('has the attention group of 131 072 weights (in_proj and out_proj of both layers, no biases)', () => {
    const layout = parameterLayout(DEFAULT_SHAPE);
    const attention = parameterGroup(layout, 'attention');
    assert.equal(attention.size, 131_072);
    assert.equal(attention.size, 2 * (3 * 128 * 128 + 128 * 128));
    const named = namedSlices(layout);
    assert.deepEqual(
      attention.ranges.map((range) => range.offset),
      named.layers.flatMap((layer) => [layer.inProjectionWeight.offset, layer.outProjectionWeight.offset]),
    );
  });

  it('starts every layer as a copy of layer 0, with zero attention biases, γ = 1, β = 0 and PyTorch-default bounds', () => {
    const layout = parameterLayout({ ...DEFAULT_SHAPE, tasks: 2 });
    const parameters = initialTransformerParameters(layout, 42);
    const named = namedSlices(layout);
    const [first, second] = named.layers;
    for (const key of Object.keys(first) as (keyof typeof first)[]) {
      assert.deepEqual(valuesOf(parameters, second[key]), valuesOf(parameters, first[key]), `layer 1 ${key} equals layer 0`);
    }
    const width = DEFAULT_SHAPE.width;
    /** All values within ±limit, and the largest within 1% of it (a uniform draw of thousands of values fills its range). */
    const assertUniform = (slice: ParameterSlice, limit: number): void => {
      const values = valuesOf(parameters, slice);
      const largest = Math.max(...values.map(Math.abs));
      assert.ok(largest <= limit, `${slice.name}: |value| ${largest} > ${limit}`);
      assert.ok(largest > (slice.length >= 100 ? 0.99 : 0.5) * limit, `${slice.name}: largest ${largest} far below ${limit}`);
    };
    const assertGaussian = (slice: ParameterSlice, deviation: number): void => {
      const values = valuesOf(parameters, slice);
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      const spread = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
      // Standard errors: deviation/√n for the mean, about deviation/√(2n) for the deviation.
      assert.ok(Math.abs(mean) < (5 * deviation) / Math.sqrt(values.length), `${slice.name}: mean ${mean}`);
      assert.ok(Math.abs(spread / deviation - 1) < 5 / Math.sqrt(2 * values.length), `${slice.name}: deviation ${spread}, expected ${deviation}`);
    };
    assertGaussian(named.tokenEmbedding, 1);
    assertGaussian(named.positionEmbedding, 1 / Math.sqrt(width));
    assertUniform(first.inProjectionWeight, Math.sqrt(6 / (width + 3 * width)));
    assertUniform(first.outProjectionWeight, 1 / Math.sqrt(width));
    assertUniform(first.firstLinearWeight, 1 / Math.sqrt(width));
    assertUniform(first.firstLinearBias, 1 / Math.sqrt(width));
    assertUniform(first.secondLinearWeight, 1 / Math.sqrt(DEFAULT_SHAPE.feedForward));
    assertUniform(first.secondLinearBias, 1 / Math.sqrt(DEFAULT_SHAPE.feedForward));
    for (const head of named.heads) {
      assertUniform(head.weight, 1 / Math.sqrt(width));
      assertUniform(head.bias, 1 / Math.sqrt(width));
    }
    assert.notDeepEqual(valuesOf(parameters, named.heads[0].weight), valuesOf(parameters, named.heads[1].weight), 'the heads are drawn separately');
    for (const layer of named.layers) {
      for (const zero of [layer.inProjectionBias, layer.outProjectionBias, layer.attentionNormShift, layer.feedForwardNormShift]) {
        assert.ok(valuesOf(parameters, zero).every((value) => value === 0), `${zero.name} is 0`);
      }
      for (const one of [layer.attentionNormScale, layer.feedForwardNormScale]) {
        assert.ok(valuesOf(parameters, one).every((value) => value === 1), `${one.name} is 1`);
      }
    }
    assert.ok(valuesOf(parameters, named.finalNormScale).every((value) => value === 1), 'ln.weight is 1');
    assert.ok(valuesOf(parameters, named.finalNormShift).every((value) => value === 0), 'ln.bias is 0');
  });
});

describe('Transformer reference gradient', () => {
  it('equals central differences of its float64 loss on a sample of every slice', () => {
    const layout = parameterLayout(SMALL_SHAPE);
    const parameters = Float64Array.from(perturbedParameters(layout, 5));
    const batch = randomBatch(SMALL_SHAPE, 10, 3, 5);
    const { gradient } = transformerLossAndGradient(layout, parameters, batch);
    const lossAt = (): number => transformerLossAndGradient(layout, parameters, batch).loss;
    const step = 1e-5;
    const random = new RandomStream(5, 'coordinates');
    let worst = 0;
    for (const slice of layout.slices) {
      // The first and last entries of the slice and a few in between.
      const indices = new Set([0, slice.length - 1, ...Array.from({ length: 6 }, () => random.nextInt(slice.length))]);
      const sliceGradient = gradient.subarray(slice.offset, slice.offset + slice.length);
      const scale = Math.max(...Array.from(sliceGradient, Math.abs));
      assert.ok(scale > 1e-6, `${slice.name}: gradient too small to be checked (${scale})`);
      for (const index of indices) {
        const coordinate = slice.offset + index;
        const numeric = centralDifference(parameters, coordinate, step, lossAt);
        const error = Math.abs(gradient[coordinate] - numeric);
        worst = Math.max(worst, error / scale);
        // Central differences at step 1e-5: truncation ~ step²·|L'''| and rounding ~ 1e-16·|L|/step,
        // both ~1e-10 here (largest error seen 1.9e-9 of the slice's largest entry); the bound is 1e-7.
        assert.ok(error <= 1e-7 * Math.max(scale, 1e-2), `${slice.name}[${index}]: analytic ${gradient[coordinate]} vs numeric ${numeric}`);
      }
    }
    assert.ok(worst > 0, 'some difference at all (the loss was evaluated)');
  });
});

// ---- An independent forward pass in tfjs ops (float32, test/unit/transformerFixtures.ts), differentiated by tfjs autodiff ----

/** Σ_task mean CE, its autodiff gradient (flat, layout order) and the logits, all float32 tfjs. */
function tfjsLossAndGradient(tf: Tensorflow, layout: ParameterLayout, parameters: Float32Array, batch: PairBatch): { loss: number; gradient: Float32Array; logits: Float32Array[] } {
  return tf.tidy(() => {
    const tensors = tfjsParameterTensors(tf, layout, parameters);
    const lossOf = (...inputs: Tensor[]): TensorflowCore.Scalar => {
      const logits = tfjsLogitsFromEmbeddings(tf, layout, inputs, tfjsEmbeddings(tf, layout, inputs, batch));
      const perTask = logits.map((taskLogits, task) => {
        const targets = tf.cast(tf.oneHot(tf.tensor1d(batch.labels[task], 'int32'), layout.shape.vocabulary), 'float32');
        return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(taskLogits), targets), 1)));
      });
      return tf.addN(perTask) as TensorflowCore.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(lossOf)(tensors);
    const gradient = new Float32Array(layout.size);
    layout.slices.forEach((slice, index) => gradient.set(grads[index].dataSync() as Float32Array, slice.offset));
    const logits = tfjsLogitsFromEmbeddings(tf, layout, tensors, tfjsEmbeddings(tf, layout, tensors, batch)).map((taskLogits) => taskLogits.dataSync() as Float32Array);
    return { loss: value.dataSync()[0], gradient, logits };
  });
}


describe('Transformer reference against tfjs autodiff', () => {
  let tf: Tensorflow;
  before(async () => {
    tf = (await loadTensorflow()).tf;
  });

  for (const shape of [SMALL_SHAPE, { ...SMALL_SHAPE, heads: 4, layers: 3, tasks: 1 }]) {
    it(`gives the loss, logits and every parameter's gradient of an independent tfjs model (${JSON.stringify(shape)})`, () => {
      const layout = parameterLayout(shape);
      const parameters = perturbedParameters(layout, 9);
      const batch = randomBatch(shape, 10, 3, 9);
      const reference = transformerLossAndGradient(layout, parameters, batch);
      const autodiff = tfjsLossAndGradient(tf, layout, parameters, batch);
      // tfjs computes in float32 (relative rounding 6e-8 per operation). Largest differences seen:
      // loss 2.2e-8 relative, logits 1.4e-7 of the largest logit; bounds 1e-6 and 2e-6.
      assert.ok(Math.abs(reference.loss - autodiff.loss) < 1e-6 * reference.loss, `loss ${reference.loss} vs tfjs ${autodiff.loss}`);
      for (let task = 0; task < shape.tasks; task++) {
        const scale = Math.max(...Array.from(reference.logits[task], Math.abs));
        reference.logits[task].forEach((value, index) => {
          assert.ok(Math.abs(value - autodiff.logits[task][index]) < 2e-6 * scale, `task ${task} logit ${index}: ${value} vs tfjs ${autodiff.logits[task][index]}`);
        });
      }
      const globalScale = Math.max(...Array.from(reference.gradient, Math.abs));
      for (const slice of layout.slices) {
        let sliceScale = 0;
        let largestDifference = 0;
        for (let index = slice.offset; index < slice.offset + slice.length; index++) {
          sliceScale = Math.max(sliceScale, Math.abs(reference.gradient[index]));
          largestDifference = Math.max(largestDifference, Math.abs(reference.gradient[index] - autodiff.gradient[index]));
        }
        // Every slice takes part: a gradient that is (nearly) zero everywhere would compare trivially.
        assert.ok(sliceScale > 1e-4 * globalScale, `${slice.name}: gradient ${sliceScale} is negligible`);
        // float32 autodiff through 2–3 layers, LayerNorms (which divide by σ) and softmaxes: the
        // rounding of the float32 activations reaches every gradient entry at up to ~1e-6 of the
        // slice's largest entry (largest seen 9.1e-7, in the 3-layer shape); the bound is 2e-5. A real
        // error (a missing term, a wrong transpose, a dropped layer) is of the order of the gradient itself.
        const relative = largestDifference / sliceScale;
        assert.ok(relative < 2e-5, `${slice.name}: largest difference ${largestDifference} is ${relative.toExponential(2)} of its largest entry ${sliceScale}`);
      }
    });
  }
});


/** The optimiser of docs/science.md §12.3 (lr 1e-3, betas (0.9, 0.98), eps 1e-8, wd 1). */
const ADAMW: AdamWSettings = { lr: 1e-3, betas: [0.9, 0.98], eps: 1e-8, weightDecay: 1 };

function smallEngine(seed: number, optimizer: AdamWSettings = ADAMW, maxBatch = 16): ReferenceTransformerEngine {
  const layout = parameterLayout(SMALL_SHAPE);
  return new ReferenceTransformerEngine({ layout, initial: perturbedParameters(layout, seed), optimizer, maxBatch });
}

function norm64(values: Float32Array): number {
  let squares = 0;
  for (const value of values) squares += value * value;
  return Math.sqrt(squares);
}

describe('Transformer reference engine', () => {
  it('backward() stores the float64 gradient of its float32 parameters, rounded to float32, and returns the loss', () => {
    const engine = smallEngine(3);
    const batch = randomBatch(SMALL_SHAPE, 12, 4, 3);
    const initial = Float32Array.from(engine.parameters());
    const loss = engine.backward(batch);
    const expected = transformerLossAndGradient(engine.layout, initial, batch);
    assert.equal(loss, expected.loss);
    assert.deepEqual(engine.gradient(), Float32Array.from(expected.gradient));
    assert.deepEqual(engine.parameters(), initial, 'backward() leaves the parameters alone');
    assert.throws(() => engine.backward(randomBatch(SMALL_SHAPE, 17, 0, 3)), /exceeds maxBatch 16/);
    engine.dispose();
    assert.throws(() => engine.parameters(), /disposed/);
  });

  it('clipGradient() is clip_grad_norm_: unchanged below the limit, scaled by max/(norm + 1e-6) above it; returns the norm before', () => {
    const engine = smallEngine(4);
    const random = new RandomStream(4, 'gradient');
    const original = Float32Array.from({ length: engine.layout.size }, () => random.nextGaussian() * 1e-2);
    const norm = norm64(original);
    // Below the limit (and at norm + 1e-6 ≤ max): nothing changes.
    engine.gradient().set(original);
    assert.equal(engine.clipGradient(norm * 2), norm);
    assert.deepEqual(engine.gradient(), original);
    engine.gradient().set(original);
    assert.equal(engine.clipGradient(norm + CLIP_EPSILON), norm);
    assert.deepEqual(engine.gradient(), original);
    // Above: every entry times the same factor, computed from the float64 norm.
    const limit = norm / 3;
    engine.gradient().set(original);
    assert.equal(engine.clipGradient(limit), norm);
    const factor = limit / (norm + CLIP_EPSILON);
    engine.gradient().forEach((value, index) => assert.equal(value, Math.fround(original[index] * factor), `entry ${index}`));
    // The clipped norm is norm·factor = limit·norm/(norm + 1e-6), up to the float32 rounding of the entries.
    const clipped = norm64(engine.gradient());
    assert.ok(Math.abs(clipped - norm * factor) < 1e-6 * limit, `clipped norm ${clipped}, limit ${limit}`);
  });

  it('optimizerStep() is torch.optim.AdamW: three steps equal a literal float64 transcription', () => {
    // A weight decay of 0.1 and a large lr make every term visible in float32: the decay
    // (lr·wd·θ ≈ 1e-4·θ), the bias corrections (they change the first steps by factors of 1–10),
    // and ε (gradients of 1e-8 at chosen entries, where √v̂ ≈ ε).
    const optimizer: AdamWSettings = { lr: 1e-2, betas: [0.9, 0.98], eps: 1e-8, weightDecay: 0.1 };
    const engine = smallEngine(6, optimizer);
    const size = engine.layout.size;
    const random = new RandomStream(6, 'steps');
    const coordinates = [0, 1, 2, 3, 4, Math.floor(size / 2), size - 2, size - 1];
    const theta = coordinates.map((coordinate) => engine.parameters()[coordinate]);
    const first = coordinates.map(() => 0);
    const second = coordinates.map(() => 0);
    const [beta1, beta2] = optimizer.betas;
    for (let step = 1; step <= 3; step++) {
      const gradient = Float32Array.from({ length: size }, () => random.nextGaussian() * 1e-2);
      // Special entries: a zero gradient, one at ε's scale, a large one and a sign change between steps.
      gradient[coordinates[1]] = 0;
      gradient[coordinates[2]] = 1e-8;
      gradient[coordinates[3]] = 5;
      gradient[coordinates[4]] = step % 2 === 0 ? 0.3 : -0.3;
      engine.gradient().set(gradient);
      engine.optimizerStep();
      coordinates.forEach((coordinate, k) => {
        // torch.optim.AdamW (amsgrad off), one element, float32 storage of θ, m and v.
        const g = gradient[coordinate];
        let parameter = theta[k] * (1 - optimizer.lr * optimizer.weightDecay);
        first[k] = Math.fround(beta1 * first[k] + (1 - beta1) * g);
        second[k] = Math.fround(beta2 * second[k] + (1 - beta2) * g * g);
        const biasCorrection1 = 1 - beta1 ** step;
        const biasCorrection2 = 1 - beta2 ** step;
        const denominator = Math.sqrt(second[k]) / Math.sqrt(biasCorrection2) + optimizer.eps;
        parameter -= (optimizer.lr / biasCorrection1) * (first[k] / denominator);
        theta[k] = Math.fround(parameter);
        const actual = engine.parameters()[coordinate];
        // Same float64 operations up to their order: at most one float32 rounding step apart.
        const unit = 2 ** (Math.floor(Math.log2(Math.abs(theta[k]))) - 23);
        assert.ok(Math.abs(actual - theta[k]) <= unit, `step ${step}, coordinate ${coordinate}: ${actual} vs ${theta[k]}`);
      });
    }
  });

  it('evaluate() gives per-task mean cross-entropy and first-argmax accuracy, in chunks', () => {
    const engine = smallEngine(7, ADAMW);
    // More pairs than one chunk, so a chunk boundary falls inside the set.
    const pairs = randomBatch(SMALL_SHAPE, EVALUATION_CHUNK + 300, 100, 7);
    const metrics = engine.evaluate(pairs);
    const logits = transformerLogits(engine.layout, engine.parameters(), pairs);
    const { vocabulary } = SMALL_SHAPE;
    metrics.forEach((metric, task) => {
      let loss = 0;
      let correct = 0;
      for (let i = 0; i < pairs.size; i++) {
        const row = Array.from(logits[task].subarray(i * vocabulary, (i + 1) * vocabulary));
        const largest = Math.max(...row);
        loss += largest + Math.log(row.reduce((sum, value) => sum + Math.exp(value - largest), 0)) - row[pairs.labels[task][i]];
        if (row.indexOf(largest) === pairs.labels[task][i]) correct++;
      }
      assert.ok(Math.abs(metric.loss - loss / pairs.size) < 1e-12 * metric.loss, `task ${task} loss ${metric.loss} vs ${loss / pairs.size}`);
      assert.equal(metric.accuracy, correct / pairs.size, `task ${task} accuracy`);
      assert.ok(metric.accuracy > 0 && metric.accuracy < 1, 'a non-trivial accuracy');
    });
    // Zero heads: every logit ties at 0, the loss is ln(vocabulary), the prediction is class 0.
    const named = namedSlices(engine.layout);
    for (const head of named.heads) engine.parameters().fill(0, head.weight.offset, head.bias.offset + head.bias.length);
    engine.evaluate(pairs).forEach((metric, task) => {
      assert.ok(Math.abs(metric.loss - Math.log(vocabulary)) < 1e-12, `task ${task} tied loss ${metric.loss}`);
      assert.equal(metric.accuracy, pairs.labels[task].filter((label) => label === 0).length / pairs.size, `task ${task} tied accuracy`);
    });
  });

  it('trains: 40 steps of backward, clip and AdamW fit a small batch', () => {
    const engine = smallEngine(8, { lr: 1e-2, betas: [0.9, 0.98], eps: 1e-8, weightDecay: 0.1 });
    const batch = randomBatch(SMALL_SHAPE, 16, 0, 8);
    const initialLoss = engine.backward(batch);
    for (let step = 0; step < 40; step++) {
      engine.backward(batch);
      engine.clipGradient(1);
      engine.optimizerStep();
    }
    const finalLoss = engine.backward(batch);
    assert.ok(finalLoss < 0.5 * initialLoss, `loss ${initialLoss} → ${finalLoss}`);
  });
});
