/**
 * Model parameters of docs/science.md §2: ŷ = V σ(W x), W ∈ R^{K×2M}, V ∈ R^{M×K}, no biases.
 *
 * Layouts used everywhere in the engine (and by every diagnostic):
 *  - first layer as **Wᵀ**, shape (2M, K), row-major: row j holds input j's weights to all K
 *    hidden units, so the gather W x = W[:, a] + W[:, M+b] reads two contiguous rows;
 *  - second layer as **V**, shape (M, K), row-major (the PyTorch nn.Linear layout).
 * Flattened dot products (the rolling Gram) do not depend on the layout.
 */
import { RandomStream } from './random';

export interface Parameters {
  modulus: number;
  hidden: number;
  /** Wᵀ, (2M × K) row-major. */
  firstLayerTransposed: Float32Array;
  /** V, (M × K) row-major. */
  secondLayer: Float32Array;
}

/**
 * PyTorch nn.Linear default initialisation: W ~ U(±1/√(2M)), V ~ U(±1/√K), drawn from the seed's
 * `init` stream in PyTorch's order (W row by row as (K × 2M), then V), stored transposed for W.
 */
export function initialParameters(modulus: number, hidden: number, seed: number): Parameters {
  const inputs = 2 * modulus;
  const random = new RandomStream(seed, 'init');
  const firstLayerTransposed = new Float32Array(inputs * hidden);
  const firstLimit = 1 / Math.sqrt(inputs);
  for (let unit = 0; unit < hidden; unit++) {
    for (let input = 0; input < inputs; input++) {
      firstLayerTransposed[input * hidden + unit] = random.nextSymmetric(firstLimit);
    }
  }
  const secondLayer = new Float32Array(modulus * hidden);
  const secondLimit = 1 / Math.sqrt(hidden);
  for (let index = 0; index < secondLayer.length; index++) secondLayer[index] = random.nextSymmetric(secondLimit);
  return { modulus, hidden, firstLayerTransposed, secondLayer };
}
