// Shared set-up of the Transformer tests (transformerReference, transformerWasmEngine, transformerSed,
// transformerInputGradient): small shapes, batches with one label rule per task, parameters away from
// the special values of the initialisation, and an independent forward pass of the model in tfjs ops
// (written without the reference's code) whose gradients tfjs autodiff gives.
import type * as TensorflowCore from '@tensorflow/tfjs-core';
import type { PairBatch } from '../../src/training/transformer/engine';
import { initialTransformerParameters, type ParameterLayout, type TransformerShape } from '../../src/training/transformer/model';
import { RandomStream } from '../../src/training/random';

export type Tensorflow = typeof TensorflowCore;
export type Tensor = TensorflowCore.Tensor;

export const DEFAULT_SHAPE: TransformerShape = { vocabulary: 97, width: 128, heads: 4, feedForward: 256, layers: 2, tasks: 1 };
/** Small enough for finite differences of every slice, large enough to have 2 heads, 2 layers, 2 tasks. */
export const SMALL_SHAPE: TransformerShape = { vocabulary: 7, width: 8, heads: 2, feedForward: 12, layers: 2, tasks: 2 };

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

/** One tfjs tensor per slice of the layout (in its order and PyTorch shape), from flat parameters. */
export function tfjsParameterTensors(tf: Tensorflow, layout: ParameterLayout, parameters: Float32Array): Tensor[] {
  return layout.slices.map((slice) => tf.tensor(parameters.slice(slice.offset, slice.offset + slice.length), slice.shape));
}

/**
 * The input embeddings h0 = tok_emb[token_t] + pos_emb[t] of a batch, (n × 2 × width), as one-hot
 * products (tf.gather's gradient is very slow on the cpu backend).
 */
export function tfjsEmbeddings(tf: Tensorflow, layout: ParameterLayout, tensors: Tensor[], batch: PairBatch): Tensor {
  const tokenEmbedding = tensors[layout.slices.findIndex((slice) => slice.name === 'tok_emb.weight')];
  const positionEmbedding = tensors[layout.slices.findIndex((slice) => slice.name === 'pos_emb')];
  const embed = (tokens: Int32Array): Tensor => tf.matMul(tf.cast(tf.oneHot(tf.tensor1d(tokens.subarray(0, batch.size), 'int32'), layout.shape.vocabulary), 'float32'), tokenEmbedding);
  return tf.add(tf.stack([embed(batch.a), embed(batch.b)], 1), positionEmbedding);
}

/**
 * The model of docs/science.md §12.1 from its input embeddings h0 (n × 2 × width), written
 * the way PyTorch computes it, on whole tensors: heads as a (n × heads × 2 × headSize) batch of
 * matrix products, softmax over the last axis, LayerNorm from tf.moments, GELU from tf.erf. Returns
 * the logits of every head (n × vocabulary each).
 */
export function tfjsLogitsFromEmbeddings(tf: Tensorflow, layout: ParameterLayout, tensors: Tensor[], embeddings: Tensor): Tensor[] {
  const { width, heads, layers } = layout.shape;
  const headSize = width / heads;
  const n = embeddings.shape[0];
  const byName = new Map(layout.slices.map((slice, index) => [slice.name, tensors[index]]));
  const get = (name: string): Tensor => {
    const tensor = byName.get(name);
    if (!tensor) throw new Error(`no tensor ${name}`);
    return tensor;
  };
  const layerNorm = (input: Tensor, prefix: string): Tensor => {
    const { mean, variance } = tf.moments(input, -1, true);
    const normalised = tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 1e-5)));
    return tf.add(tf.mul(normalised, get(`${prefix}.weight`)), get(`${prefix}.bias`));
  };
  /** nn.Linear on the last axis of (n × 2 × in): input·Wᵀ + b. */
  const linear = (input: Tensor, weightName: string, biasName: string): Tensor => {
    const weight = get(weightName);
    const [rows, columns] = weight.shape;
    return tf.reshape(tf.add(tf.matMul(tf.reshape(input, [-1, columns]), weight, false, true), get(biasName)), [n, 2, rows]);
  };
  const splitHeads = (part: Tensor): Tensor => tf.transpose(tf.reshape(part, [n, 2, heads, headSize]), [0, 2, 1, 3]);
  let x = embeddings;
  for (let layer = 0; layer < layers; layer++) {
    const prefix = `encoder.layers.${layer}.`;
    const projected = linear(layerNorm(x, `${prefix}norm1`), `${prefix}self_attn.in_proj_weight`, `${prefix}self_attn.in_proj_bias`);
    const [query, key, value] = tf.split(projected, 3, 2).map(splitHeads);
    const scores = tf.div(tf.matMul(query, key, false, true), Math.sqrt(headSize));
    const attended = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), value), [0, 2, 1, 3]), [n, 2, width]);
    x = tf.add(x, linear(attended, `${prefix}self_attn.out_proj.weight`, `${prefix}self_attn.out_proj.bias`));
    const hidden = linear(layerNorm(x, `${prefix}norm2`), `${prefix}linear1.weight`, `${prefix}linear1.bias`);
    const activated = tf.mul(tf.mul(hidden, 0.5), tf.add(tf.erf(tf.mul(hidden, Math.SQRT1_2)), 1));
    x = tf.add(x, linear(activated, `${prefix}linear2.weight`, `${prefix}linear2.bias`));
  }
  const readout = layerNorm(tf.reshape(tf.slice(x, [0, 0, 0], [n, 1, width]), [n, width]), 'ln');
  const headPrefix = (task: number): string => (layout.shape.tasks === 1 ? 'head' : `heads.${task}`);
  return Array.from({ length: layout.shape.tasks }, (_, task) =>
    tf.add(tf.matMul(readout, get(`${headPrefix(task)}.weight`), false, true), get(`${headPrefix(task)}.bias`)),
  );
}
