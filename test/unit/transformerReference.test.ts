// The Transformer's flat layout and initialisation (src/training/transformer/model.ts) and its
// float64 reference (src/training/transformer/reference.ts), against things written here without
// its code: the parameter counts of docs/transformer-methods.md §1, an independent forward pass in
// tfjs ops whose gradients come from tfjs autodiff, central differences, and a literal float64
// transcription of torch's clip_grad_norm_ and AdamW (docs/transformer-methods.md §3).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  initialTransformerParameters,
  namedSlices,
  parameterGroup,
  parameterLayout,
  type ParameterSlice,
  type TransformerShape,
} from '../../src/training/transformer/model';
import { transformerLossAndGradient } from '../../src/training/transformer/reference';
import { RandomStream } from '../../src/training/random';
import { perturbedParameters, randomBatch } from './transformerFixtures';

const DEFAULT_SHAPE: TransformerShape = { vocabulary: 97, width: 128, heads: 4, feedForward: 256, layers: 2, tasks: 1 };
/** Small enough for finite differences of every slice, large enough to have 2 heads, 2 layers, 2 tasks. */
const SMALL_SHAPE: TransformerShape = { vocabulary: 7, width: 8, heads: 2, feedForward: 12, layers: 2, tasks: 2 };

function valuesOf(parameters: Float32Array | Float64Array, slice: ParameterSlice): number[] {
  return Array.from(parameters.subarray(slice.offset, slice.offset + slice.length));
}

describe('Transformer layout and initialisation', () => {
  it('has the parameter counts of docs/transformer-methods.md §1 (1, 2, 3 tasks) and tiles the vector', () => {
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
        const saved = parameters[coordinate];
        parameters[coordinate] = saved + step;
        const plus = lossAt();
        parameters[coordinate] = saved - step;
        const minus = lossAt();
        parameters[coordinate] = saved;
        const numeric = (plus - minus) / (2 * step);
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
