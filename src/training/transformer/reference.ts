/**
 * The plain float64 reference of the Transformer (docs/science.md §12.1 and §12.3;
 * docs/science.md "§12 The Transformer"): the forward pass of PyTorch's pre-norm
 * nn.TransformerEncoder as the author's model uses it, a hand-written backward pass, and an engine
 * around them with torch's clip_grad_norm_ and AdamW. Written to be read and checked, not to be
 * fast: one example at a time, one loop per formula. Every faster engine is compared with it; it is
 * itself checked against tfjs autodiff and finite differences (test/unit/transformerReference.test.ts).
 *
 * The model, for one pair (a, b), tokens t ∈ {0, 1} = [a, b]:
 *   x_t = tok_emb[token_t] + pos_emb[t]
 *   per layer:  x = x + MHA(LN1(x));  x = x + W2·GELU(W1·LN2(x) + b1) + b2   (pre-norm, no mask)
 *   logits_task = head_task(LN_final(x_0))                               (position 0 only)
 *   loss = Σ_task mean_i CE(logits_task,i, label_task,i)
 * MHA: [q; k; v] = in_proj_weight·u + in_proj_bias, per head softmax(q·kᵀ/√headSize) over the two
 * keys, then out_proj. LayerNorm: biased variance, ε = 1e-5. GELU: the exact erf form.
 *
 * Precision: every number is a float64 (JS number) computed from the given parameters (float32 or
 * float64); the engine rounds its results to float32 only where it stores them (parameters,
 * gradient, AdamW moments), as a float32 torch model stores them.
 */
import { EVALUATION_CHUNK, type AdamWSettings, type PairBatch, type TaskMetrics, type TransformerEngine, type TransformerEngineOptions } from './engine';
import { LAYER_NORM_EPS, POSITIONS, namedSlices, type LayerSlices, type NamedSlices, type ParameterLayout, type ParameterSlice } from './model';

/** Flat parameters in the layout's order, read as numbers (float32 values are exact in float64). */
export type FlatParameters = Float64Array | Float32Array;

export interface LossAndGradient {
  /** Σ_task mean cross-entropy over the batch. */
  loss: number;
  /** ∂loss/∂parameters, layout.size numbers. */
  gradient: Float64Array;
  /** Per task: logits (batch.size × vocabulary, row-major). */
  logits: Float64Array[];
}

// ---- Scalar functions ----

/**
 * erf(x) to about 1e-15 relative: erf(x) = (2/√π)·e^{−x²}·Σ_n 2ⁿx^{2n+1}/(1·3·…·(2n+1)), a
 * series of positive terms (no cancellation) that converges for every x; beyond |x| = 6 erf is ±1
 * in float64 (erfc(6) ≈ 2e-17). JavaScript has no Math.erf, and the exact GELU needs one accurate
 * enough for float64 finite differences.
 */
export function erf(x: number): number {
  const magnitude = Math.abs(x);
  if (magnitude >= 6) return Math.sign(x);
  const square = magnitude * magnitude;
  let term = magnitude;
  let sum = magnitude;
  for (let n = 1; term > 1e-17 * sum; n++) {
    term *= (2 * square) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-square) * sum;
}

/** GELU, exact form: z·Φ(z) = ½z(1 + erf(z/√2)) (PyTorch's activation="gelu"). */
export function gelu(z: number): number {
  return 0.5 * z * (1 + erf(z * Math.SQRT1_2));
}

/** dGELU/dz = Φ(z) + z·φ(z). */
export function geluDerivative(z: number): number {
  return 0.5 * (1 + erf(z * Math.SQRT1_2)) + (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
}

// ---- Building blocks: forward and backward of one vector ----

/**
 * output = W·input + b for an nn.Linear slice W (out × in, row-major) and its bias; `input` starts
 * at `inputOffset` of its array. Returns a new array of `out` numbers.
 */
function linear(parameters: FlatParameters, weight: ParameterSlice, bias: ParameterSlice, input: Float64Array, inputOffset = 0): Float64Array {
  const [rows, columns] = weight.shape;
  const output = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    let sum = parameters[bias.offset + row];
    const rowStart = weight.offset + row * columns;
    for (let column = 0; column < columns; column++) sum += parameters[rowStart + column] * input[inputOffset + column];
    output[row] = sum;
  }
  return output;
}

/**
 * Backward of `linear`: adds ∂/∂W = outputGradient ⊗ input and ∂/∂b = outputGradient into
 * `gradient`, and returns ∂/∂input = Wᵀ·outputGradient (a new array).
 */
function linearBackward(
  parameters: FlatParameters,
  gradient: Float64Array,
  weight: ParameterSlice,
  bias: ParameterSlice,
  input: Float64Array,
  outputGradient: Float64Array,
  inputOffset = 0,
): Float64Array {
  const [rows, columns] = weight.shape;
  const inputGradient = new Float64Array(columns);
  for (let row = 0; row < rows; row++) {
    const upstream = outputGradient[row];
    if (upstream === 0) continue;
    gradient[bias.offset + row] += upstream;
    const rowStart = weight.offset + row * columns;
    for (let column = 0; column < columns; column++) {
      gradient[rowStart + column] += upstream * input[inputOffset + column];
      inputGradient[column] += upstream * parameters[rowStart + column];
    }
  }
  return inputGradient;
}

/** What LayerNorm's backward needs: x̂ = (x − mean)/√(var + ε) and 1/√(var + ε). */
interface LayerNormCache {
  normalised: Float64Array;
  inverseDeviation: number;
}

/** LayerNorm(x) = γ·x̂ + β with the biased variance (torch's). Returns the output and the cache. */
function layerNorm(parameters: FlatParameters, scale: ParameterSlice, shift: ParameterSlice, input: Float64Array): { output: Float64Array; cache: LayerNormCache } {
  const width = input.length;
  let mean = 0;
  for (let index = 0; index < width; index++) mean += input[index];
  mean /= width;
  let variance = 0;
  for (let index = 0; index < width; index++) variance += (input[index] - mean) ** 2;
  variance /= width;
  const inverseDeviation = 1 / Math.sqrt(variance + LAYER_NORM_EPS);
  const normalised = new Float64Array(width);
  const output = new Float64Array(width);
  for (let index = 0; index < width; index++) {
    normalised[index] = (input[index] - mean) * inverseDeviation;
    output[index] = parameters[scale.offset + index] * normalised[index] + parameters[shift.offset + index];
  }
  return { output, cache: { normalised, inverseDeviation } };
}

/**
 * Backward of `layerNorm`: adds ∂/∂γ = dy·x̂ and ∂/∂β = dy into `gradient`; returns
 * ∂/∂x = (1/σ)·(d̂ − mean(d̂) − x̂·mean(d̂·x̂)) with d̂ = dy·γ (a new array).
 */
function layerNormBackward(
  parameters: FlatParameters,
  gradient: Float64Array,
  scale: ParameterSlice,
  shift: ParameterSlice,
  cache: LayerNormCache,
  outputGradient: Float64Array,
): Float64Array {
  const width = outputGradient.length;
  const { normalised, inverseDeviation } = cache;
  const normalisedGradient = new Float64Array(width);
  let meanGradient = 0;
  let meanProduct = 0;
  for (let index = 0; index < width; index++) {
    gradient[scale.offset + index] += outputGradient[index] * normalised[index];
    gradient[shift.offset + index] += outputGradient[index];
    normalisedGradient[index] = outputGradient[index] * parameters[scale.offset + index];
    meanGradient += normalisedGradient[index];
    meanProduct += normalisedGradient[index] * normalised[index];
  }
  meanGradient /= width;
  meanProduct /= width;
  const inputGradient = new Float64Array(width);
  for (let index = 0; index < width; index++) {
    inputGradient[index] = inverseDeviation * (normalisedGradient[index] - meanGradient - normalised[index] * meanProduct);
  }
  return inputGradient;
}

// ---- One encoder layer ----

/** One layer's activations of one example, per position t (arrays indexed [t]). */
interface LayerCache {
  attentionNorm: LayerNormCache[];
  /** LN1(x_t), the input of in_proj. */
  attentionInput: Float64Array[];
  /** [q; k; v]_t (3·width). */
  projections: Float64Array[];
  /** probabilities[head][t·POSITIONS + t']: softmax over keys t' of query t. */
  probabilities: Float64Array[];
  /** The heads' outputs, concatenated (width): the input of out_proj. */
  attended: Float64Array[];
  feedForwardNorm: LayerNormCache[];
  /** LN2(x_t), the input of linear1. */
  feedForwardInput: Float64Array[];
  /** W1·LN2(x_t) + b1 (feedForward). */
  preActivation: Float64Array[];
  /** GELU of it, the input of linear2. */
  activation: Float64Array[];
}

/** x ← x + MHA(LN1(x)); x ← x + FF(LN2(x)). Returns the new residual stream and the cache. */
function encoderLayer(parameters: FlatParameters, slices: LayerSlices, heads: number, stream: Float64Array[]): { output: Float64Array[]; cache: LayerCache } {
  const width = stream[0].length;
  const headSize = width / heads;
  const scaling = 1 / Math.sqrt(headSize);
  const attentionNorm: LayerNormCache[] = [];
  const attentionInput: Float64Array[] = [];
  const projections: Float64Array[] = [];
  for (let t = 0; t < POSITIONS; t++) {
    const { output, cache } = layerNorm(parameters, slices.attentionNormScale, slices.attentionNormShift, stream[t]);
    attentionNorm.push(cache);
    attentionInput.push(output);
    projections.push(linear(parameters, slices.inProjectionWeight, slices.inProjectionBias, output));
  }
  // Query t of head h is projections[t][h·s …], key t' at width + h·s, value t' at 2·width + h·s.
  const probabilities: Float64Array[] = [];
  const attended = Array.from({ length: POSITIONS }, () => new Float64Array(width));
  for (let head = 0; head < heads; head++) {
    const start = head * headSize;
    const headProbabilities = new Float64Array(POSITIONS * POSITIONS);
    for (let query = 0; query < POSITIONS; query++) {
      const scores = new Float64Array(POSITIONS);
      for (let key = 0; key < POSITIONS; key++) {
        let dot = 0;
        for (let j = 0; j < headSize; j++) dot += projections[query][start + j] * projections[key][width + start + j];
        scores[key] = dot * scaling;
      }
      const largest = Math.max(...scores);
      let total = 0;
      for (let key = 0; key < POSITIONS; key++) total += Math.exp(scores[key] - largest);
      for (let key = 0; key < POSITIONS; key++) {
        const probability = Math.exp(scores[key] - largest) / total;
        headProbabilities[query * POSITIONS + key] = probability;
        for (let j = 0; j < headSize; j++) attended[query][start + j] += probability * projections[key][2 * width + start + j];
      }
    }
    probabilities.push(headProbabilities);
  }
  const afterAttention = stream.map((x, t) => {
    const projected = linear(parameters, slices.outProjectionWeight, slices.outProjectionBias, attended[t]);
    return x.map((value, index) => value + projected[index]);
  });
  const feedForwardNorm: LayerNormCache[] = [];
  const feedForwardInput: Float64Array[] = [];
  const preActivation: Float64Array[] = [];
  const activation: Float64Array[] = [];
  const output = afterAttention.map((x) => {
    const { output: normalised, cache } = layerNorm(parameters, slices.feedForwardNormScale, slices.feedForwardNormShift, x);
    feedForwardNorm.push(cache);
    feedForwardInput.push(normalised);
    const hidden = linear(parameters, slices.firstLinearWeight, slices.firstLinearBias, normalised);
    preActivation.push(hidden);
    const activated = hidden.map(gelu);
    activation.push(activated);
    const feedForward = linear(parameters, slices.secondLinearWeight, slices.secondLinearBias, activated);
    return x.map((value, index) => value + feedForward[index]);
  });
  return { output, cache: { attentionNorm, attentionInput, projections, probabilities, attended, feedForwardNorm, feedForwardInput, preActivation, activation } };
}

/**
 * Backward of `encoderLayer`: adds the layer's parameter gradients into `gradient` and returns
 * ∂loss/∂(the layer's input stream), given ∂loss/∂(its output stream).
 */
function encoderLayerBackward(
  parameters: FlatParameters,
  gradient: Float64Array,
  slices: LayerSlices,
  heads: number,
  cache: LayerCache,
  outputGradient: Float64Array[],
): Float64Array[] {
  const width = outputGradient[0].length;
  const headSize = width / heads;
  const scaling = 1 / Math.sqrt(headSize);
  // Feed-forward block: x_out = x_mid + W2·GELU(W1·LN2(x_mid) + b1) + b2.
  const middleGradient = outputGradient.map((upstream, t) => {
    const activationGradient = linearBackward(parameters, gradient, slices.secondLinearWeight, slices.secondLinearBias, cache.activation[t], upstream);
    const preActivationGradient = activationGradient.map((value, index) => value * geluDerivative(cache.preActivation[t][index]));
    const normalisedGradient = linearBackward(parameters, gradient, slices.firstLinearWeight, slices.firstLinearBias, cache.feedForwardInput[t], preActivationGradient);
    const throughNorm = layerNormBackward(parameters, gradient, slices.feedForwardNormScale, slices.feedForwardNormShift, cache.feedForwardNorm[t], normalisedGradient);
    return upstream.map((value, index) => value + throughNorm[index]);
  });
  // Attention block: x_mid = x_in + out_proj(attended), attended from the [q; k; v] of LN1(x_in).
  const attendedGradient = middleGradient.map((upstream, t) =>
    linearBackward(parameters, gradient, slices.outProjectionWeight, slices.outProjectionBias, cache.attended[t], upstream),
  );
  const projectionGradients = Array.from({ length: POSITIONS }, () => new Float64Array(3 * width));
  for (let head = 0; head < heads; head++) {
    const start = head * headSize;
    const headProbabilities = cache.probabilities[head];
    for (let query = 0; query < POSITIONS; query++) {
      // attended_query = Σ_key p[query, key]·v_key: ∂/∂p and ∂/∂v.
      const probabilityGradient = new Float64Array(POSITIONS);
      for (let key = 0; key < POSITIONS; key++) {
        const probability = headProbabilities[query * POSITIONS + key];
        let dot = 0;
        for (let j = 0; j < headSize; j++) {
          dot += attendedGradient[query][start + j] * cache.projections[key][2 * width + start + j];
          projectionGradients[key][2 * width + start + j] += probability * attendedGradient[query][start + j];
        }
        probabilityGradient[key] = dot;
      }
      // Softmax backward: ∂/∂score_key = p_key·(∂/∂p_key − Σ_k' p_k'·∂/∂p_k').
      let expectation = 0;
      for (let key = 0; key < POSITIONS; key++) expectation += headProbabilities[query * POSITIONS + key] * probabilityGradient[key];
      for (let key = 0; key < POSITIONS; key++) {
        const scoreGradient = headProbabilities[query * POSITIONS + key] * (probabilityGradient[key] - expectation) * scaling;
        // score = q_query·k_key / √headSize.
        for (let j = 0; j < headSize; j++) {
          projectionGradients[query][start + j] += scoreGradient * cache.projections[key][width + start + j];
          projectionGradients[key][width + start + j] += scoreGradient * cache.projections[query][start + j];
        }
      }
    }
  }
  return middleGradient.map((upstream, t) => {
    const normalisedGradient = linearBackward(parameters, gradient, slices.inProjectionWeight, slices.inProjectionBias, cache.attentionInput[t], projectionGradients[t]);
    const throughNorm = layerNormBackward(parameters, gradient, slices.attentionNormScale, slices.attentionNormShift, cache.attentionNorm[t], normalisedGradient);
    return upstream.map((value, index) => value + throughNorm[index]);
  });
}

// ---- The whole model, one example ----

interface ExampleCache {
  tokens: number[];
  layers: LayerCache[];
  finalNorm: LayerNormCache;
  /** LN_final(x_0): the heads' input. */
  readout: Float64Array;
  /** Per task, the logits (vocabulary). */
  logits: Float64Array[];
}

function checkBatch(layout: ParameterLayout, batch: PairBatch): void {
  const { vocabulary, tasks } = layout.shape;
  if (batch.labels.length !== tasks) throw new Error(`the batch has labels for ${batch.labels.length} tasks; the model has ${tasks} heads`);
  for (const array of [batch.a, batch.b, ...batch.labels]) {
    if (array.length < batch.size) throw new Error(`a batch array holds ${array.length} entries, fewer than the batch size ${batch.size}`);
    for (let index = 0; index < batch.size; index++) {
      if (!(array[index] >= 0 && array[index] < vocabulary)) throw new Error(`token or label ${array[index]} is outside 0..${vocabulary - 1}`);
    }
  }
}

function checkParameters(layout: ParameterLayout, parameters: FlatParameters): void {
  if (parameters.length !== layout.size) throw new Error(`expected ${layout.size} parameters, got ${parameters.length}`);
}

function exampleForward(parameters: FlatParameters, layout: ParameterLayout, named: NamedSlices, a: number, b: number): ExampleCache {
  const { width, heads } = layout.shape;
  const tokens = [a, b];
  let stream: Float64Array[] = tokens.map((token, t) => {
    const embedded = new Float64Array(width);
    for (let index = 0; index < width; index++) {
      embedded[index] = parameters[named.tokenEmbedding.offset + token * width + index] + parameters[named.positionEmbedding.offset + t * width + index];
    }
    return embedded;
  });
  const layers: LayerCache[] = [];
  for (const slices of named.layers) {
    const { output, cache } = encoderLayer(parameters, slices, heads, stream);
    layers.push(cache);
    stream = output;
  }
  // The readout is position 0 (the `a` slot) only.
  const { output: readout, cache: finalNorm } = layerNorm(parameters, named.finalNormScale, named.finalNormShift, stream[0]);
  const logits = named.heads.map((head) => linear(parameters, head.weight, head.bias, readout));
  return { tokens, layers, finalNorm, readout, logits };
}

/** log Σ_c exp(logits_c), shifted by the largest logit. */
function logSumExp(logits: Float64Array): number {
  const largest = Math.max(...logits);
  let total = 0;
  for (const value of logits) total += Math.exp(value - largest);
  return largest + Math.log(total);
}

/**
 * Backward from ∂/∂readout (the heads' input, LN_final(x_0)) through the final LayerNorm and every
 * encoder layer: adds the gradients of the parameters below the heads into `gradient` and returns
 * ∂/∂(the embeddings h0 = tok_emb[token_t] + pos_emb[t]) per position t.
 */
function backwardFromReadout(parameters: FlatParameters, gradient: Float64Array, named: NamedSlices, heads: number, cache: ExampleCache, readoutGradient: Float64Array): Float64Array[] {
  // Only position 0 is read out; position 1 of the last layer's output receives no gradient.
  let streamGradient = [layerNormBackward(parameters, gradient, named.finalNormScale, named.finalNormShift, cache.finalNorm, readoutGradient), new Float64Array(readoutGradient.length)];
  for (let layer = named.layers.length - 1; layer >= 0; layer--) {
    streamGradient = encoderLayerBackward(parameters, gradient, named.layers[layer], heads, cache.layers[layer], streamGradient);
  }
  return streamGradient;
}

function checkTask(layout: ParameterLayout, task: number): void {
  if (!(Number.isInteger(task) && task >= 0 && task < layout.shape.tasks)) throw new Error(`no head ${task}: the model has ${layout.shape.tasks}`);
}

/**
 * The summed loss Σ_task mean_i CE, its gradient with respect to every parameter, and the logits,
 * all in float64 from `parameters` (float32 or float64). With `task`, the loss is that head's mean
 * CE alone (the per-operation gradient of docs/science.md §12.6; logits of every head
 * are still returned). Pure: reads its inputs only.
 */
export function transformerLossAndGradient(layout: ParameterLayout, parameters: FlatParameters, batch: PairBatch, task?: number): LossAndGradient {
  checkParameters(layout, parameters);
  checkBatch(layout, batch);
  if (task !== undefined) checkTask(layout, task);
  const { width, heads, vocabulary, tasks } = layout.shape;
  const named = namedSlices(layout);
  const gradient = new Float64Array(layout.size);
  const logits = Array.from({ length: tasks }, () => new Float64Array(batch.size * vocabulary));
  let loss = 0;
  for (let i = 0; i < batch.size; i++) {
    const cache = exampleForward(parameters, layout, named, batch.a[i], batch.b[i]);
    // Cross-entropy of each head, averaged over the batch: ∂/∂logits = (softmax − onehot)/n.
    const readoutGradient = new Float64Array(width);
    for (let head = 0; head < tasks; head++) {
      const taskLogits = cache.logits[head];
      logits[head].set(taskLogits, i * vocabulary);
      if (task !== undefined && head !== task) continue;
      const label = batch.labels[head][i];
      const normaliser = logSumExp(taskLogits);
      loss += (normaliser - taskLogits[label]) / batch.size;
      const logitGradient = taskLogits.map((value, c) => (Math.exp(value - normaliser) - (c === label ? 1 : 0)) / batch.size);
      const slices = named.heads[head];
      const fromHead = linearBackward(parameters, gradient, slices.weight, slices.bias, cache.readout, logitGradient);
      for (let index = 0; index < width; index++) readoutGradient[index] += fromHead[index];
    }
    const streamGradient = backwardFromReadout(parameters, gradient, named, heads, cache, readoutGradient);
    for (let t = 0; t < POSITIONS; t++) {
      const tokenRow = named.tokenEmbedding.offset + cache.tokens[t] * width;
      const positionRow = named.positionEmbedding.offset + t * width;
      for (let index = 0; index < width; index++) {
        gradient[tokenRow + index] += streamGradient[t][index];
        gradient[positionRow + index] += streamGradient[t][index];
      }
    }
  }
  return { loss, gradient, logits };
}

/**
 * μ_x = ∂ logit_{task, y}(x) / ∂h0 for every pair x of `pairs` (docs/science.md §12.6):
 * the gradient of head `task`'s **raw** correct-class logit (y = pairs.labels[task][i], not
 * log-softmax) with respect to the input embeddings h0 = tok_emb[token_t] + pos_emb[t] of both
 * positions, flattened position-major (h0[0][·], then h0[1][·]): row i of the result holds
 * 2·width numbers, pairs.size rows. In float64 from `parameters`. Pure.
 */
export function transformerCorrectLogitInputGradients(layout: ParameterLayout, parameters: FlatParameters, pairs: PairBatch, task: number): Float64Array {
  checkParameters(layout, parameters);
  checkBatch(layout, pairs);
  checkTask(layout, task);
  const { width, heads } = layout.shape;
  const named = namedSlices(layout);
  const head = named.heads[task];
  const rowLength = POSITIONS * width;
  const result = new Float64Array(pairs.size * rowLength);
  // The parameter gradients the backward pass accumulates on the way are not wanted: one scratch.
  const scratch = new Float64Array(layout.size);
  for (let i = 0; i < pairs.size; i++) {
    const cache = exampleForward(parameters, layout, named, pairs.a[i], pairs.b[i]);
    // logit_y = head.weight[y]·readout + head.bias[y]: ∂/∂readout is row y of the head's weight.
    const rowStart = head.weight.offset + pairs.labels[task][i] * width;
    const readoutGradient = Float64Array.from({ length: width }, (_, index) => parameters[rowStart + index]);
    const streamGradient = backwardFromReadout(parameters, scratch, named, heads, cache, readoutGradient);
    for (let t = 0; t < POSITIONS; t++) result.set(streamGradient[t], i * rowLength + t * width);
  }
  return result;
}

/**
 * Forward only: per task, the logits (batch.size × vocabulary, row-major) in float64. Pure.
 */
export function transformerLogits(layout: ParameterLayout, parameters: FlatParameters, batch: PairBatch): Float64Array[] {
  checkParameters(layout, parameters);
  checkBatch(layout, batch);
  const { vocabulary, tasks } = layout.shape;
  const named = namedSlices(layout);
  const logits = Array.from({ length: tasks }, () => new Float64Array(batch.size * vocabulary));
  for (let i = 0; i < batch.size; i++) {
    const cache = exampleForward(parameters, layout, named, batch.a[i], batch.b[i]);
    for (let task = 0; task < tasks; task++) logits[task].set(cache.logits[task], i * vocabulary);
  }
  return logits;
}

/** Sums of cross-entropy and of correct argmax predictions of one task's logits (size × vocabulary). */
function taskSums(logits: Float64Array, labels: Int32Array, size: number, vocabulary: number): { loss: number; correct: number } {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < size; i++) {
    const row = logits.subarray(i * vocabulary, (i + 1) * vocabulary);
    loss += logSumExp(row) - row[labels[i]];
    // torch.argmax: the first index of the largest value.
    let best = 0;
    for (let c = 1; c < vocabulary; c++) if (row[c] > row[best]) best = c;
    if (best === labels[i]) correct++;
  }
  return { loss, correct };
}

/** The first `count` pairs from `start` of a batch, as a batch (views, no copies). */
function batchSlice(batch: PairBatch, start: number, count: number): PairBatch {
  const end = start + count;
  return { size: count, a: batch.a.subarray(start, end), b: batch.b.subarray(start, end), labels: batch.labels.map((labels) => labels.subarray(start, end)) };
}

/**
 * Per task, mean cross-entropy and argmax accuracy (ties: the first largest logit, like
 * torch.argmax) over `pairs`, in float64, in chunks of EVALUATION_CHUNK pairs. Pure.
 */
export function transformerMetrics(layout: ParameterLayout, parameters: FlatParameters, pairs: PairBatch): TaskMetrics[] {
  if (pairs.size < 1) throw new Error('cannot evaluate an empty set of pairs');
  const { vocabulary, tasks } = layout.shape;
  const sums = Array.from({ length: tasks }, () => ({ loss: 0, correct: 0 }));
  for (let start = 0; start < pairs.size; start += EVALUATION_CHUNK) {
    const chunk = batchSlice(pairs, start, Math.min(EVALUATION_CHUNK, pairs.size - start));
    const logits = transformerLogits(layout, parameters, chunk);
    for (let task = 0; task < tasks; task++) {
      const { loss, correct } = taskSums(logits[task], chunk.labels[task], chunk.size, vocabulary);
      sums[task].loss += loss;
      sums[task].correct += correct;
    }
  }
  return sums.map(({ loss, correct }) => ({ loss: loss / pairs.size, accuracy: correct / pairs.size }));
}

// ---- The engine ----

/** torch.nn.utils.clip_grad_norm_'s guard against a zero norm: clip_coef = maxNorm / (norm + 1e-6). */
export const CLIP_EPSILON = 1e-6;

/**
 * The reference engine: parameters, gradient and AdamW moments stored as float32 like a float32
 * torch model; the gradient computed in float64 from the float32 parameters and rounded once;
 * clipping and the AdamW step computed per element in float64 from the stored float32 values.
 */
export class ReferenceTransformerEngine implements TransformerEngine {
  readonly name = 'reference';
  readonly backend = 'float64';
  readonly layout: ParameterLayout;
  private readonly optimizer: AdamWSettings;
  private readonly maxBatch: number;
  private readonly parameterValues: Float32Array;
  private readonly gradientValues: Float32Array;
  /** AdamW's exp_avg and exp_avg_sq (float32, as torch keeps them for float32 parameters). */
  private readonly firstMoment: Float32Array;
  private readonly secondMoment: Float32Array;
  /** AdamW's step count t (the bias corrections use β^t). */
  private stepCount = 0;
  private disposed = false;

  constructor(options: TransformerEngineOptions) {
    this.layout = options.layout;
    checkParameters(options.layout, options.initial);
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${options.maxBatch}`);
    this.optimizer = { ...options.optimizer, betas: [options.optimizer.betas[0], options.optimizer.betas[1]] };
    this.maxBatch = options.maxBatch;
    this.parameterValues = Float32Array.from(options.initial);
    this.gradientValues = new Float32Array(options.layout.size);
    this.firstMoment = new Float32Array(options.layout.size);
    this.secondMoment = new Float32Array(options.layout.size);
  }

  parameters(): Float32Array {
    this.checkAlive();
    return this.parameterValues;
  }

  gradient(): Float32Array {
    this.checkAlive();
    return this.gradientValues;
  }

  backward(batch: PairBatch, task?: number): number {
    this.checkAlive();
    if (batch.size > this.maxBatch) throw new Error(`batch of ${batch.size} pairs exceeds maxBatch ${this.maxBatch}`);
    const { loss, gradient } = transformerLossAndGradient(this.layout, this.parameterValues, batch, task);
    this.gradientValues.set(gradient);
    return loss;
  }

  correctLogitInputGradients(parameters: Float32Array, pairs: PairBatch, task: number, into: Float64Array): void {
    this.checkAlive();
    const rowLength = POSITIONS * this.layout.shape.width;
    if (into.length < pairs.size * rowLength) throw new Error(`correctLogitInputGradients: into holds ${into.length} numbers, fewer than ${pairs.size} × ${rowLength}`);
    into.set(transformerCorrectLogitInputGradients(this.layout, parameters, pairs, task));
  }

  clipGradient(maxNorm: number): number {
    this.checkAlive();
    let squares = 0;
    for (const value of this.gradientValues) squares += value * value;
    const norm = Math.sqrt(squares);
    const factor = maxNorm / (norm + CLIP_EPSILON);
    // torch multiplies by min(factor, 1): a factor of 1 changes nothing, so only factor < 1 is applied.
    if (factor < 1) {
      for (let index = 0; index < this.gradientValues.length; index++) this.gradientValues[index] *= factor;
    }
    return norm;
  }

  optimizerStep(): void {
    this.checkAlive();
    const { lr, betas, eps, weightDecay } = this.optimizer;
    const [beta1, beta2] = betas;
    this.stepCount += 1;
    const biasCorrection1 = 1 - beta1 ** this.stepCount;
    const biasCorrection2 = 1 - beta2 ** this.stepCount;
    const stepSize = lr / biasCorrection1;
    const biasCorrection2Root = Math.sqrt(biasCorrection2);
    const decay = 1 - lr * weightDecay;
    const parameters = this.parameterValues;
    const gradient = this.gradientValues;
    const firstMoment = this.firstMoment;
    const secondMoment = this.secondMoment;
    for (let index = 0; index < parameters.length; index++) {
      const g = gradient[index];
      // The moments are stored (rounded to float32) before the update reads them, as torch's are.
      firstMoment[index] = beta1 * firstMoment[index] + (1 - beta1) * g;
      secondMoment[index] = beta2 * secondMoment[index] + (1 - beta2) * g * g;
      const denominator = Math.sqrt(secondMoment[index]) / biasCorrection2Root + eps;
      // Decoupled weight decay first (param *= 1 − lr·wd), then the Adam step, rounded once.
      parameters[index] = parameters[index] * decay - (stepSize * firstMoment[index]) / denominator;
    }
  }

  evaluate(pairs: PairBatch): TaskMetrics[] {
    this.checkAlive();
    return transformerMetrics(this.layout, this.parameterValues, pairs);
  }

  dispose(): void {
    this.disposed = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('the reference Transformer engine was disposed');
  }
}
