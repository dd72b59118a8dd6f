// The Transformer reference's input gradient μ_x = ∂ logit_{task, y}(x) / ∂h0 (the centroid of the
// gradient-direction SED, docs/science.md §12.6; src/training/transformer/reference.ts)
// against central differences of its own float64 logits and against tfjs autodiff of an independent
// forward pass (./transformerFixtures.ts); and the per-head loss gradient backward(batch, task).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadTensorflow } from '../../src/training/engines/tfjs';
import type { PairBatch } from '../../src/training/transformer/engine';
import { parameterLayout, POSITIONS } from '../../src/training/transformer/model';
import {
  ReferenceTransformerEngine,
  transformerCorrectLogitInputGradients,
  transformerLogits,
  transformerLossAndGradient,
} from '../../src/training/transformer/reference';
import {
  perturbedParameters,
  randomBatch,
  SMALL_SHAPE,
  tfjsEmbeddings,
  tfjsLogitsFromEmbeddings,
  tfjsParameterTensors,
  type Tensor,
  type Tensorflow,
} from './transformerFixtures';
import { centralDifference } from './numericFixtures';

/** Pair i of a batch as a batch of one. */
function single(batch: PairBatch, i: number): PairBatch {
  return { size: 1, a: batch.a.subarray(i, i + 1), b: batch.b.subarray(i, i + 1), labels: batch.labels.map((labels) => labels.subarray(i, i + 1)) };
}

describe('the reference’s input gradient μ_x', () => {
  let tf: Tensorflow;
  before(async () => {
    tf = (await loadTensorflow()).tf;
  });

  it('equals central differences of the raw correct-class logit in h0, for every head', () => {
    const layout = parameterLayout(SMALL_SHAPE);
    const parameters = Float64Array.from(perturbedParameters(layout, 3));
    const batch = randomBatch(SMALL_SHAPE, 4, 1, 3);
    const { width } = SMALL_SHAPE;
    const positionEmbedding = layout.slices.find((slice) => slice.name === 'pos_emb')!;
    for (let task = 0; task < SMALL_SHAPE.tasks; task++) {
      const mu = transformerCorrectLogitInputGradients(layout, parameters, batch, task);
      assert.equal(mu.length, batch.size * POSITIONS * width);
      for (let i = 0; i < batch.size; i++) {
        const pair = single(batch, i);
        const label = batch.labels[task][i];
        // pos_emb[t] enters the model only through h0[t] = tok_emb[token_t] + pos_emb[t]: for one
        // pair, ∂logit/∂pos_emb[t][j] = ∂logit/∂h0[t][j].
        const logitAt = (): number => transformerLogits(layout, parameters, pair)[task][label];
        const scale = Math.max(...Array.from(mu.subarray(i * 2 * width, (i + 1) * 2 * width), Math.abs));
        assert.ok(scale > 1e-3, `μ of pair ${i} is not negligible (${scale})`);
        for (let t = 0; t < POSITIONS; t++) {
          for (let j = 0; j < width; j++) {
            const numeric = centralDifference(parameters, positionEmbedding.offset + t * width + j, 1e-5, logitAt);
            const analytic = mu[i * 2 * width + t * width + j];
            // As the parameter gradient's check (transformerReference.test.ts): errors ~1e-10 of the scale.
            assert.ok(Math.abs(analytic - numeric) <= 1e-7 * scale, `task ${task} pair ${i} h0[${t}][${j}]: ${analytic} vs numeric ${numeric}`);
          }
        }
      }
    }
  });

  it('equals tfjs autodiff of an independent forward pass (float32), for every head and a 3-layer, 4-head shape', () => {
    for (const shape of [SMALL_SHAPE, { ...SMALL_SHAPE, heads: 4, layers: 3, tasks: 3 }]) {
      const layout = parameterLayout(shape);
      const parameters = perturbedParameters(layout, 11);
      const batch = randomBatch(shape, 12, 3, 11);
      for (let task = 0; task < shape.tasks; task++) {
        const reference = transformerCorrectLogitInputGradients(layout, parameters, batch, task);
        const autodiff = tf.tidy(() => {
          const tensors = tfjsParameterTensors(tf, layout, parameters);
          const embeddings = tfjsEmbeddings(tf, layout, tensors, batch);
          const targets = tf.cast(tf.oneHot(tf.tensor1d(batch.labels[task], 'int32'), shape.vocabulary), 'float32');
          // Σ_i logit_{y_i}(x_i): each pair's logit depends on its own h0 only, so the gradient's row i is μ_{x_i}.
          const correctLogits = (h0: Tensor) => tf.sum(tf.mul(tfjsLogitsFromEmbeddings(tf, layout, tensors, h0)[task], targets));
          return tf.grad(correctLogits)(embeddings).dataSync() as Float32Array;
        });
        assert.equal(autodiff.length, reference.length);
        const scale = Math.max(...Array.from(reference, Math.abs));
        let largest = 0;
        reference.forEach((value, index) => {
          largest = Math.max(largest, Math.abs(value - autodiff[index]));
        });
        // float32 autodiff through the layers, LayerNorms and softmaxes: ~1e-6 of the largest entry
        // (as the parameter gradient's comparison); a wrong term is of the order of μ itself.
        assert.ok(largest < 2e-5 * scale, `${JSON.stringify(shape)} task ${task}: largest difference ${largest} of ${scale}`);
      }
    }
  });

  it('is what the engine writes, at the parameters it is given and not its own', () => {
    const layout = parameterLayout(SMALL_SHAPE);
    const own = perturbedParameters(layout, 1);
    const given = perturbedParameters(layout, 2);
    const engine = new ReferenceTransformerEngine({ layout, initial: own, optimizer: { lr: 1e-3, betas: [0.9, 0.98], eps: 1e-8, weightDecay: 1 }, maxBatch: 8 });
    const batch = randomBatch(SMALL_SHAPE, 20, 0, 2);
    const into = new Float64Array(batch.size * 2 * SMALL_SHAPE.width);
    engine.correctLogitInputGradients(given, batch, 1, into);
    assert.deepEqual(into, transformerCorrectLogitInputGradients(layout, given, batch, 1));
    assert.deepEqual(engine.parameters(), own);
    assert.throws(() => engine.correctLogitInputGradients(given, batch, 2, into), /no head 2/);
    engine.dispose();
  });
});

describe('the per-head loss gradient', () => {
  it('is that head’s CE alone: the heads’ gradients add up to the summed loss’s', () => {
    const layout = parameterLayout({ ...SMALL_SHAPE, tasks: 3 });
    const parameters = perturbedParameters(layout, 4);
    const batch = randomBatch(layout.shape, 9, 2, 4);
    const whole = transformerLossAndGradient(layout, parameters, batch);
    const parts = [0, 1, 2].map((task) => transformerLossAndGradient(layout, parameters, batch, task));
    assert.ok(Math.abs(parts.reduce((sum, part) => sum + part.loss, 0) - whole.loss) < 1e-12 * whole.loss);
    const scale = Math.max(...Array.from(whole.gradient, Math.abs));
    whole.gradient.forEach((value, index) => {
      const sum = parts[0].gradient[index] + parts[1].gradient[index] + parts[2].gradient[index];
      assert.ok(Math.abs(sum - value) < 1e-12 * scale, `entry ${index}`);
    });
    // Head 1's own slices get no gradient from head 0's loss.
    const head1 = layout.slices.find((slice) => slice.name === 'heads.1.weight')!;
    assert.ok(parts[0].gradient.subarray(head1.offset, head1.offset + head1.length).every((value) => value === 0));
    const engine = new ReferenceTransformerEngine({ layout, initial: parameters, optimizer: { lr: 1e-3, betas: [0.9, 0.98], eps: 1e-8, weightDecay: 1 }, maxBatch: 9 });
    assert.equal(engine.backward(batch, 2), parts[2].loss);
    assert.deepEqual(engine.gradient(), Float32Array.from(parts[2].gradient));
  });
});
