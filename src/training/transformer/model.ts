/**
 * The Transformer of the spectral-edge and gradient-direction papers (docs/science.md §10; the
 * author's code as read in docs/science.md §12.1): token embedding over the p residues plus a
 * learned position embedding for the two input tokens [a, b], a pre-norm encoder of `layers` layers
 * (multi-head self-attention and a GELU feed-forward block, no dropout, no mask), a final LayerNorm
 * of position 0, and one untied linear head with bias per task (operation).
 *
 * Every engine and every diagnostic sees the parameters as **one flat Float32Array** in PyTorch's
 * `named_parameters()` order and layout (nn.Linear weights are (out × in) row-major), so that a
 * parameter group (the attention weights of docs/science.md §12.4) is a fixed list of
 * slices of it, the same for every engine.
 */
import { RandomStream } from '../random';

export interface TransformerShape {
  /** p: the residues are the vocabulary and the classes of every head. */
  vocabulary: number;
  /** d_model. */
  width: number;
  /** Attention heads; width is a multiple of heads (head size width / heads). */
  heads: number;
  /** d_ff, the feed-forward block's hidden width. */
  feedForward: number;
  layers: number;
  /** Number of output heads, one per operation (1 for a single task). */
  tasks: number;
}

/** The two input tokens [a, b]: position embeddings exist for exactly these. */
export const POSITIONS = 2;
/** LayerNorm's ε (PyTorch's default, which the reference relies on). */
export const LAYER_NORM_EPS = 1e-5;

/** What a slice of the flat parameter vector is, for parameter groups and weight decay. */
export type SliceRole = 'embedding' | 'attentionWeight' | 'attentionBias' | 'linearWeight' | 'linearBias' | 'normScale' | 'normShift' | 'headWeight' | 'headBias';

export interface ParameterSlice {
  /** PyTorch's name in the reference model (`encoder.layers.0.self_attn.in_proj_weight`). */
  name: string;
  role: SliceRole;
  /** Encoder layer for the encoder's slices; undefined for embeddings, the final norm and the heads. */
  layer?: number;
  /** Task for a head's slices. */
  task?: number;
  /** Offset in floats in the flat vector. */
  offset: number;
  /** PyTorch's shape, e.g. [3·width, width] for in_proj_weight. */
  shape: number[];
  /** Product of shape. */
  length: number;
}

export interface ParameterLayout {
  shape: TransformerShape;
  /** In PyTorch's named_parameters() order; they tile [0, size) without gaps. */
  slices: ParameterSlice[];
  /** Total number of parameters (290 401 at the defaults with one task). */
  size: number;
}

/** Offsets of one encoder layer's slices, by their role in the layer (the engines' view of a layer). */
export interface LayerSlices {
  /** [W_Q; W_K; W_V] stacked, (3·width × width). */
  inProjectionWeight: ParameterSlice;
  inProjectionBias: ParameterSlice;
  /** W_O, (width × width). */
  outProjectionWeight: ParameterSlice;
  outProjectionBias: ParameterSlice;
  /** (feedForward × width). */
  firstLinearWeight: ParameterSlice;
  firstLinearBias: ParameterSlice;
  /** (width × feedForward). */
  secondLinearWeight: ParameterSlice;
  secondLinearBias: ParameterSlice;
  /** LayerNorm before attention (norm1) and before the feed-forward block (norm2). */
  attentionNormScale: ParameterSlice;
  attentionNormShift: ParameterSlice;
  feedForwardNormScale: ParameterSlice;
  feedForwardNormShift: ParameterSlice;
}

export interface HeadSlices {
  /** (vocabulary × width). */
  weight: ParameterSlice;
  bias: ParameterSlice;
}

/** The layout's slices by role: what an engine needs to find every tensor. */
export interface NamedSlices {
  tokenEmbedding: ParameterSlice;
  positionEmbedding: ParameterSlice;
  layers: LayerSlices[];
  finalNormScale: ParameterSlice;
  finalNormShift: ParameterSlice;
  heads: HeadSlices[];
}

/** Checks a shape's integers and divisibility; throws with a plain sentence. */
export function checkShape(shape: TransformerShape): void {
  for (const [key, value] of Object.entries(shape)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`transformer ${key} must be a positive integer, got ${value}`);
  }
  if (shape.vocabulary < 2) throw new Error(`transformer vocabulary must be at least 2, got ${shape.vocabulary}`);
  if (shape.width % shape.heads !== 0) throw new Error(`transformer width ${shape.width} is not a multiple of heads ${shape.heads}`);
}

/** The flat layout of a shape, in PyTorch's named_parameters() order of the reference model. */
export function parameterLayout(shape: TransformerShape): ParameterLayout {
  checkShape(shape);
  const { vocabulary, width, feedForward, layers, tasks } = shape;
  const slices: ParameterSlice[] = [];
  let offset = 0;
  const add = (name: string, role: SliceRole, dims: number[], extra: { layer?: number; task?: number } = {}): void => {
    const length = dims.reduce((product, dim) => product * dim, 1);
    slices.push({ name, role, offset, shape: dims, length, ...extra });
    offset += length;
  };
  add('tok_emb.weight', 'embedding', [vocabulary, width]);
  add('pos_emb', 'embedding', [POSITIONS, width]);
  for (let layer = 0; layer < layers; layer++) {
    const prefix = `encoder.layers.${layer}.`;
    add(`${prefix}self_attn.in_proj_weight`, 'attentionWeight', [3 * width, width], { layer });
    add(`${prefix}self_attn.in_proj_bias`, 'attentionBias', [3 * width], { layer });
    add(`${prefix}self_attn.out_proj.weight`, 'attentionWeight', [width, width], { layer });
    add(`${prefix}self_attn.out_proj.bias`, 'attentionBias', [width], { layer });
    add(`${prefix}linear1.weight`, 'linearWeight', [feedForward, width], { layer });
    add(`${prefix}linear1.bias`, 'linearBias', [feedForward], { layer });
    add(`${prefix}linear2.weight`, 'linearWeight', [width, feedForward], { layer });
    add(`${prefix}linear2.bias`, 'linearBias', [width], { layer });
    add(`${prefix}norm1.weight`, 'normScale', [width], { layer });
    add(`${prefix}norm1.bias`, 'normShift', [width], { layer });
    add(`${prefix}norm2.weight`, 'normScale', [width], { layer });
    add(`${prefix}norm2.bias`, 'normShift', [width], { layer });
  }
  add('ln.weight', 'normScale', [width]);
  add('ln.bias', 'normShift', [width]);
  for (let task = 0; task < tasks; task++) {
    // The single-task reference calls its head `head`; the multitask ones name them by operation.
    const prefix = tasks === 1 ? 'head' : `heads.${task}`;
    add(`${prefix}.weight`, 'headWeight', [vocabulary, width], { task });
    add(`${prefix}.bias`, 'headBias', [vocabulary], { task });
  }
  return { shape, slices, size: offset };
}

/** The layout's slices by role. */
export function namedSlices(layout: ParameterLayout): NamedSlices {
  const byName = new Map(layout.slices.map((slice) => [slice.name, slice]));
  const get = (name: string): ParameterSlice => {
    const slice = byName.get(name);
    if (!slice) throw new Error(`no parameter ${name}`);
    return slice;
  };
  const layers: LayerSlices[] = [];
  for (let layer = 0; layer < layout.shape.layers; layer++) {
    const prefix = `encoder.layers.${layer}.`;
    layers.push({
      inProjectionWeight: get(`${prefix}self_attn.in_proj_weight`),
      inProjectionBias: get(`${prefix}self_attn.in_proj_bias`),
      outProjectionWeight: get(`${prefix}self_attn.out_proj.weight`),
      outProjectionBias: get(`${prefix}self_attn.out_proj.bias`),
      firstLinearWeight: get(`${prefix}linear1.weight`),
      firstLinearBias: get(`${prefix}linear1.bias`),
      secondLinearWeight: get(`${prefix}linear2.weight`),
      secondLinearBias: get(`${prefix}linear2.bias`),
      attentionNormScale: get(`${prefix}norm1.weight`),
      attentionNormShift: get(`${prefix}norm1.bias`),
      feedForwardNormScale: get(`${prefix}norm2.weight`),
      feedForwardNormShift: get(`${prefix}norm2.bias`),
    });
  }
  const heads = layout.slices
    .filter((slice) => slice.role === 'headWeight')
    .map((weight) => ({ weight, bias: layout.slices.find((slice) => slice.role === 'headBias' && slice.task === weight.task)! }));
  return {
    tokenEmbedding: get('tok_emb.weight'),
    positionEmbedding: get('pos_emb'),
    layers,
    finalNormScale: get('ln.weight'),
    finalNormShift: get('ln.bias'),
    heads,
  };
}

/**
 * PyTorch's default initialisation of the reference model (docs/science.md §12.1), from the
 * seed's `init` stream (not torch's generator: the distributions are the same, the draws are ours):
 *  - tok_emb ~ N(0, 1); pos_emb ~ N(0, 1)/√width;
 *  - in_proj_weight xavier-uniform U(±√(6/(width + 3·width))); in_proj_bias = out_proj.bias = 0;
 *  - out_proj.weight and every nn.Linear weight and bias U(±1/√fan_in);
 *  - LayerNorm γ = 1, β = 0;
 *  - **every encoder layer a copy of layer 0**: nn.TransformerEncoder deep-copies the layer it is
 *    given, so the reference's two layers start identical;
 *  - each head U(±1/√width) for weight and bias.
 * Returns a new array of layout.size floats.
 */
export function initialTransformerParameters(layout: ParameterLayout, seed: number): Float32Array {
  const parameters = new Float32Array(layout.size);
  const random = new RandomStream(seed, 'init');
  const { width } = layout.shape;
  const uniform = (slice: ParameterSlice, limit: number): void => {
    for (let index = 0; index < slice.length; index++) parameters[slice.offset + index] = random.nextSymmetric(limit);
  };
  const fill = (slice: ParameterSlice, value: number): void => {
    parameters.fill(value, slice.offset, slice.offset + slice.length);
  };
  const named = namedSlices(layout);
  for (let index = 0; index < named.tokenEmbedding.length; index++) parameters[named.tokenEmbedding.offset + index] = random.nextGaussian();
  for (let index = 0; index < named.positionEmbedding.length; index++) {
    parameters[named.positionEmbedding.offset + index] = random.nextGaussian() / Math.sqrt(width);
  }
  const first = named.layers[0];
  uniform(first.inProjectionWeight, Math.sqrt(6 / (width + 3 * width)));
  fill(first.inProjectionBias, 0);
  uniform(first.outProjectionWeight, 1 / Math.sqrt(width));
  fill(first.outProjectionBias, 0);
  uniform(first.firstLinearWeight, 1 / Math.sqrt(width));
  uniform(first.firstLinearBias, 1 / Math.sqrt(width));
  uniform(first.secondLinearWeight, 1 / Math.sqrt(layout.shape.feedForward));
  uniform(first.secondLinearBias, 1 / Math.sqrt(layout.shape.feedForward));
  fill(first.attentionNormScale, 1);
  fill(first.attentionNormShift, 0);
  fill(first.feedForwardNormScale, 1);
  fill(first.feedForwardNormShift, 0);
  // Layer 0's slices are contiguous (from in_proj_weight to norm2.bias): copy the block.
  const layerStart = first.inProjectionWeight.offset;
  const layerEnd = first.feedForwardNormShift.offset + first.feedForwardNormShift.length;
  for (let layer = 1; layer < named.layers.length; layer++) {
    parameters.copyWithin(named.layers[layer].inProjectionWeight.offset, layerStart, layerEnd);
  }
  fill(named.finalNormScale, 1);
  fill(named.finalNormShift, 0);
  for (const head of named.heads) {
    uniform(head.weight, 1 / Math.sqrt(width));
    uniform(head.bias, 1 / Math.sqrt(width));
  }
  return parameters;
}

/**
 * A parameter group of the diagnostics (docs/science.md §12.4 and §12.6): `attention` is every
 * layer's in_proj_weight and out_proj.weight (no biases; P = 131 072 at the defaults), `weights`
 * every matrix (embeddings, attention, feed-forward, heads), `layer0`/`layer1`… one layer's attention
 * weights, `queries` the W_Q rows of every layer's in_proj_weight.
 */
export type ParameterGroupName = 'attention' | 'weights' | 'queries' | `layer${number}`;

/** A group as [offset, length) ranges of the flat vector, in the vector's order. */
export interface ParameterGroup {
  name: ParameterGroupName;
  ranges: { offset: number; length: number }[];
  /** Σ lengths. */
  size: number;
}

export function parameterGroup(layout: ParameterLayout, name: ParameterGroupName): ParameterGroup {
  const { width } = layout.shape;
  let ranges: { offset: number; length: number }[];
  if (name === 'attention') {
    ranges = layout.slices.filter((slice) => slice.role === 'attentionWeight');
  } else if (name === 'weights') {
    ranges = layout.slices.filter((slice) => slice.shape.length === 2);
  } else if (name === 'queries') {
    // W_Q is the first `width` rows of the stacked (3·width × width) in_proj_weight.
    ranges = layout.slices.filter((slice) => slice.name.endsWith('in_proj_weight')).map((slice) => ({ offset: slice.offset, length: width * width }));
  } else {
    const layer = Number(name.slice('layer'.length));
    if (!Number.isInteger(layer) || layer < 0 || layer >= layout.shape.layers) throw new Error(`no encoder layer ${layer} (the model has ${layout.shape.layers})`);
    ranges = layout.slices.filter((slice) => slice.role === 'attentionWeight' && slice.layer === layer);
  }
  const plain = ranges.map(({ offset, length }) => ({ offset, length }));
  return { name, ranges: plain, size: plain.reduce((sum, range) => sum + range.length, 0) };
}

/** Copies the group's entries of `vector` (a flat parameter-shaped array) into `into` (group.size floats), in order. Mutates `into`. */
export function gatherGroup(group: ParameterGroup, vector: Float32Array, into: Float32Array): Float32Array {
  let position = 0;
  for (const { offset, length } of group.ranges) {
    into.set(vector.subarray(offset, offset + length), position);
    position += length;
  }
  return into;
}

/** Writes `values` (group.size floats) back into the group's entries of `vector`. Mutates `vector`. */
export function scatterGroup(group: ParameterGroup, values: Float32Array, vector: Float32Array): void {
  let position = 0;
  for (const { offset, length } of group.ranges) {
    vector.set(values.subarray(position, position + length), offset);
    position += length;
  }
}
