// Shared fixtures of the Transformer tests (transformerReference.test.ts, transformerWasmEngine.test.ts):
// random pair batches with one label rule per task, and parameters moved away from the default
// initialisation's special values.
import type { PairBatch } from '../../src/training/transformer/engine';
import { initialTransformerParameters, type ParameterLayout, type TransformerShape } from '../../src/training/transformer/model';
import { RandomStream } from '../../src/training/random';

/** Pairs drawn from the vocabulary, with the first `repeats` pairs repeated at the end (so per-pair sums over the batch are exercised). */
export function randomBatch(shape: TransformerShape, size: number, repeats: number, seed: number): PairBatch {
  const random = new RandomStream(seed, 'batch');
  const fresh = size - repeats;
  const a = new Int32Array(size);
  const b = new Int32Array(size);
  for (let i = 0; i < fresh; i++) {
    a[i] = random.nextInt(shape.vocabulary);
    b[i] = random.nextInt(shape.vocabulary);
  }
  for (let i = fresh; i < size; i++) {
    a[i] = a[i - fresh];
    b[i] = b[i - fresh];
  }
  // One label rule per task (add, mul, a² + b², …), as the multitask models have.
  const labels = Array.from({ length: shape.tasks }, (_, task) =>
    Int32Array.from(a, (first, i) => (task === 0 ? first + b[i] : task === 1 ? first * b[i] : first * first + b[i] * b[i]) % shape.vocabulary),
  );
  return { size, a, b, labels };
}

/**
 * The default initialisation moved away from its special values: LayerNorm γ = 1 + N(0, 0.3²) and
 * β, every bias and pos_emb perturbed by N(0, 0.2²), so that the gradients of norms and biases are
 * not evaluated only at the point where some terms vanish (γ = 1, β = 0, zero biases), and layer 1
 * differs from layer 0 (a backward pass that swapped the layers would then show).
 */
export function perturbedParameters(layout: ParameterLayout, seed: number): Float32Array {
  const parameters = initialTransformerParameters(layout, seed);
  const random = new RandomStream(seed, 'perturb');
  for (const slice of layout.slices) {
    const isScale = slice.role === 'normScale';
    const perturbed = isScale || slice.shape.length === 1 || slice.name === 'pos_emb' || slice.layer === 1;
    if (!perturbed) continue;
    const spread = isScale ? 0.3 : 0.2;
    for (let index = 0; index < slice.length; index++) parameters[slice.offset + index] += spread * random.nextGaussian();
  }
  return parameters;
}

