// The gradient-direction SED of docs/science.md §8 (src/training/diagnostics/gradientSed.ts) against
// answers known independently: μ_x against finite differences of the output in the input; A(v) = 0
// for a direction the output cannot see, A(v) worked out by hand on a two-input model, A(v) from
// the closed form of σ = x² and from a literal float64 central difference of μ for relu and silu;
// the top right singular vectors of a window built from known singular vectors; R_k on a model
// whose sensitivity is a known quadratic form; the schedule of the rows that get the fields.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Activation, GradientSedConfig } from '../../src/shared/config/types';
import { DirectionSensitivity, drawProbes, inputGradient, type ModelWeights, type ProbeSet } from '../../src/training/diagnostics/gradientSed';
import { GradientSedTracker, randomUnitDirection, topRightSingularVectors } from '../../src/training/diagnostics/sedWindows';
import { RollingGram } from '../../src/training/diagnostics/rollingGram';
import { RandomStream } from '../../src/training/random';

// ---- Independent float64 definitions (no code shared with the module) ----

function sigma64(activation: Activation, z: number): number {
  if (activation === 'square') return z * z;
  if (activation === 'relu') return Math.max(z, 0);
  return z / (1 + Math.exp(-z));
}

function derivative64(activation: Activation, z: number): number {
  if (activation === 'square') return 2 * z;
  if (activation === 'relu') return z > 0 ? 1 : 0;
  const s = 1 / (1 + Math.exp(-z));
  return s + z * s * (1 - s);
}

/** ŷ_y(x) = Σ_k V[y, k] σ(Σ_j Wᵀ[j, k] x_j) for a real input x ∈ R^{2M}. */
function output64(model: ModelWeights, x: Float64Array, y: number): number {
  const { hidden: K, modulus: M, activation, firstLayerTransposed: W, secondLayer: V } = model;
  let total = 0;
  for (let k = 0; k < K; k++) {
    let z = 0;
    for (let j = 0; j < 2 * M; j++) z += W[j * K + k] * x[j];
    total += V[y * K + k] * sigma64(activation, z);
  }
  return total;
}

/** μ_x = ∂ŷ_y/∂x from the chain rule, in float64 (written independently of the module). */
function mu64(W: ArrayLike<number>, V: ArrayLike<number>, modulus: number, hidden: number, activation: Activation, a: number, b: number, y: number): Float64Array {
  const mu = new Float64Array(2 * modulus);
  for (let k = 0; k < hidden; k++) {
    const weight = derivative64(activation, W[a * hidden + k] + W[(modulus + b) * hidden + k]) * V[y * hidden + k];
    for (let j = 0; j < 2 * modulus; j++) mu[j] += W[j * hidden + k] * weight;
  }
  return mu;
}

/** A(v) literally: mean over probes of ‖(μ(W + εv) − μ(W − εv)) / 2ε‖², float64. */
function sensitivity64(model: ModelWeights, probes: ProbeSet, direction: ArrayLike<number>, epsilon: number): number {
  const { modulus: M, hidden: K, activation, firstLayerTransposed: W, secondLayer: V } = model;
  const plus = Float64Array.from(W, (value, index) => value + epsilon * direction[index]);
  const minus = Float64Array.from(W, (value, index) => value - epsilon * direction[index]);
  let total = 0;
  for (let p = 0; p < probes.size; p++) {
    const up = mu64(plus, V, M, K, activation, probes.a[p], probes.b[p], probes.y[p]);
    const down = mu64(minus, V, M, K, activation, probes.a[p], probes.b[p], probes.y[p]);
    for (let j = 0; j < 2 * M; j++) total += ((up[j] - down[j]) / (2 * epsilon)) ** 2;
  }
  return total / probes.size;
}

/** A random model with float32 weights of the init scale (V scaled up so that outputs are O(1)). */
function randomModel(modulus: number, hidden: number, activation: Activation, seed: number): ModelWeights & { firstLayerTransposed: Float32Array; secondLayer: Float32Array } {
  const random = new RandomStream(seed, 'test-model');
  return {
    modulus,
    hidden,
    activation,
    firstLayerTransposed: Float32Array.from({ length: 2 * modulus * hidden }, () => random.nextSymmetric(1 / Math.sqrt(2 * modulus))),
    secondLayer: Float32Array.from({ length: modulus * hidden }, () => random.nextSymmetric(2 / Math.sqrt(hidden))),
  };
}

function sensitivityOf(model: ReturnType<typeof randomModel>, probes: ProbeSet): DirectionSensitivity {
  const sensitivity = new DirectionSensitivity(model.modulus, model.hidden, model.activation, probes);
  sensitivity.setParameters(model.firstLayerTransposed, model.secondLayer);
  return sensitivity;
}

function probeSet(pairs: [number, number, number][]): ProbeSet {
  return {
    size: pairs.length,
    a: Int32Array.from(pairs, ([a]) => a),
    b: Int32Array.from(pairs, ([, b]) => b),
    y: Int32Array.from(pairs, ([, , y]) => y),
  };
}

const ACTIVATIONS: Activation[] = ['square', 'relu', 'silu'];

describe('μ_x = ∂ŷ_y/∂x', () => {
  for (const activation of ACTIVATIONS) {
    it(`equals central differences of ŷ_y in the input at one-hot pairs (${activation})`, () => {
      const model = randomModel(5, 9, activation, 1);
      for (const [a, b, y] of [[0, 0, 0], [1, 3, 4], [4, 2, 1], [3, 3, 2]]) {
        const mu = inputGradient(model, a, b, y);
        const x = new Float64Array(2 * model.modulus);
        x[a] = 1;
        x[model.modulus + b] = 1;
        const h = 1e-6;
        for (let j = 0; j < 2 * model.modulus; j++) {
          const saved = x[j];
          x[j] = saved + h;
          const up = output64(model, x, y);
          x[j] = saved - h;
          const down = output64(model, x, y);
          x[j] = saved;
          const numeric = (up - down) / (2 * h);
          assert.ok(Math.abs(mu[j] - numeric) <= 1e-7 + 1e-6 * Math.abs(numeric), `(${a}, ${b}) → ${y}, input ${j}: ${mu[j]} vs ${numeric}`);
        }
      }
    });
  }
});

describe('A(v), the sensitivity of μ to a weight direction', () => {
  for (const activation of ACTIVATIONS) {
    it(`is exactly 0 along a hidden unit that no output reads (${activation})`, () => {
      const model = randomModel(4, 6, activation, 2);
      const dead = 3;
      for (let c = 0; c < model.modulus; c++) model.secondLayer[c * model.hidden + dead] = 0;
      // Any unit direction inside the dead unit's column of Wᵀ: neither z of the other units nor
      // any weight that an output reads changes.
      const direction = new Float64Array(2 * model.modulus * model.hidden);
      for (let j = 0; j < 2 * model.modulus; j++) direction[j * model.hidden + dead] = (j % 3) - 1;
      const norm = Math.hypot(...direction);
      for (let index = 0; index < direction.length; index++) direction[index] /= norm;
      const probes = drawProbes('add', model.modulus, 50, 3);
      assert.equal(sensitivityOf(model, probes).sensitivity(direction, 0.05), 0);
    });
  }

  it('is 350/3 on a two-input square model worked out by hand, for any ε', () => {
    // M = 2, K = 1, σ = x²: Wᵀ = [1, 2, 3, 4]ᵀ (rows a = 0, 1, then b = 0, 1), V = [0.5, −1]ᵀ.
    // μ_x = 2 Wᵀ z V_y with z = Wᵀ[a] + Wᵀ[2 + b], quadratic in W, so the central difference is
    // the exact derivative along v = e₀: δ = 2 V_y (Wᵀ d + v z), d = v[a] + v[2 + b].
    //   (a, b) = (0, 0), y = 0: z = 4, d = 1: δ = 2·0.5·([1, 2, 3, 4] + [4, 0, 0, 0]) = [5, 2, 3, 4], ‖δ‖² = 54
    //   (1, 1), y = 0:          z = 6, d = 0: δ = 2·0.5·[6, 0, 0, 0],                  ‖δ‖² = 36
    //   (0, 1), y = 1:          z = 5, d = 1: δ = 2·(−1)·([1, 2, 3, 4] + [5, 0, 0, 0]), ‖δ‖² = 4·65 = 260
    // A = (54 + 36 + 260) / 3.
    const sensitivity = new DirectionSensitivity(2, 1, 'square', probeSet([[0, 0, 0], [1, 1, 0], [0, 1, 1]]));
    sensitivity.setParameters(Float32Array.from([1, 2, 3, 4]), Float32Array.from([0.5, -1]));
    for (const epsilon of [1e-3, 0.1, 10]) {
      const value = sensitivity.sensitivity([1, 0, 0, 0], epsilon);
      assert.ok(Math.abs(value - 350 / 3) <= 1e-12 * 350, `ε = ${epsilon}: ${value}`);
    }
  });

  it('equals the closed form of σ = x² on a random model, and scales as c² with the direction', () => {
    const model = randomModel(6, 20, 'square', 4);
    const { modulus: M, hidden: K, firstLayerTransposed: W, secondLayer: V } = model;
    const probes = drawProbes('add', M, 40, 5);
    const direction = randomUnitDirection(new RandomStream(6, 'test-direction'), 2 * M * K);
    const stored = Float32Array.from(direction);
    // δ_x[j] = 2 Σ_k (Wᵀ[j, k] d_k + v[j, k] z_k) V[y, k], exactly (μ is quadratic in W).
    let expected = 0;
    for (let p = 0; p < probes.size; p++) {
      const { [p]: a } = probes.a;
      const { [p]: b } = probes.b;
      const { [p]: y } = probes.y;
      for (let j = 0; j < 2 * M; j++) {
        let delta = 0;
        for (let k = 0; k < K; k++) {
          const z = W[a * K + k] + W[(M + b) * K + k];
          const d = stored[a * K + k] + stored[(M + b) * K + k];
          delta += 2 * (W[j * K + k] * d + stored[j * K + k] * z) * V[y * K + k];
        }
        expected += delta * delta;
      }
    }
    expected /= probes.size;
    const sensitivity = sensitivityOf(model, probes);
    const value = sensitivity.sensitivity(direction, 0.02);
    assert.ok(Math.abs(value - expected) <= 1e-5 * expected, `${value} vs ${expected}`);
    const scaled = sensitivity.sensitivity(Float32Array.from(stored, (entry) => 3 * entry), 0.02);
    assert.ok(Math.abs(scaled - 9 * value) <= 1e-5 * 9 * value, `${scaled} vs 9 × ${value}`);
  });

  for (const activation of ['relu', 'silu'] as const) {
    it(`equals a literal float64 central difference of μ (${activation}, ε = 0.005·‖W‖)`, () => {
      const model = randomModel(5, 16, activation, 7);
      const probes = drawProbes('add', model.modulus, 30, 8);
      const norm = Math.hypot(...model.firstLayerTransposed);
      const epsilon = 0.005 * norm;
      const sensitivity = sensitivityOf(model, probes);
      for (let trial = 0; trial < 3; trial++) {
        // Directions stored as float32, so that both computations perturb by the same vector.
        const direction = Float32Array.from(randomUnitDirection(new RandomStream(trial, 'test-direction'), 2 * model.modulus * model.hidden));
        const expected = sensitivity64(model, probes, direction, epsilon);
        const value = sensitivity.sensitivity(direction, epsilon);
        assert.ok(expected > 0);
        assert.ok(Math.abs(value - expected) <= 1e-5 * expected, `trial ${trial}: ${value} vs ${expected}`);
      }
    });
  }

  it('rejects a direction of the wrong size, ε ≤ 0, and use before setParameters()', () => {
    const sensitivity = new DirectionSensitivity(2, 1, 'square', probeSet([[0, 0, 0]]));
    assert.throws(() => sensitivity.sensitivity([1, 0, 0, 0], 0.1), /setParameters/);
    sensitivity.setParameters(Float32Array.from([1, 2, 3, 4]), Float32Array.from([1, 1]));
    assert.throws(() => sensitivity.sensitivity([1, 0, 0], 0.1), /expected 4 entries/);
    assert.throws(() => sensitivity.sensitivity([1, 0, 0, 0], 0), /ε must be positive/);
  });
});

describe('probes', () => {
  it('are drawn from the seed, from all modulus² pairs (train and test), labelled by the operation', () => {
    const probes = drawProbes('subtract', 3, 1024, 11);
    assert.deepEqual(drawProbes('subtract', 3, 1024, 11), probes);
    assert.notDeepEqual(drawProbes('subtract', 3, 1024, 12), probes);
    const seen = new Set<number>();
    for (let p = 0; p < probes.size; p++) {
      assert.equal(probes.y[p], (((probes.a[p] - probes.b[p]) % 3) + 3) % 3);
      seen.add(probes.a[p] * 3 + probes.b[p]);
    }
    assert.equal(seen.size, 9, 'every pair of a 3 × 3 table appears among 1024 draws');
  });
});

describe('top right singular vectors of a window', () => {
  /** Orthonormal rows (count × length) from Gram–Schmidt on seeded Gaussian vectors. */
  function orthonormalRows(count: number, length: number, seed: number): Float64Array[] {
    const random = new RandomStream(seed, 'test-orthonormal');
    const rows: Float64Array[] = [];
    while (rows.length < count) {
      const row = Float64Array.from({ length }, () => random.nextGaussian());
      for (const previous of rows) {
        const dot = row.reduce((sum, value, index) => sum + value * previous[index], 0);
        for (let index = 0; index < length; index++) row[index] -= dot * previous[index];
      }
      const norm = Math.hypot(...row);
      rows.push(row.map((value) => value / norm));
    }
    return rows;
  }

  /** X = Σ_k s_k u_k v_kᵀ, rows as float32 (w × P). */
  function windowRows(singularValues: number[], left: Float64Array[], right: Float64Array[]): Float32Array[] {
    const rows = left[0].length;
    return Array.from({ length: rows }, (_, row) =>
      Float32Array.from(right[0], (_, column) => singularValues.reduce((sum, s, k) => sum + s * left[k][row] * right[k][column], 0)));
  }

  function assertSameLine(actual: Float64Array, expected: Float64Array, label: string): void {
    const dot = actual.reduce((sum, value, index) => sum + value * expected[index], 0);
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-6, `${label}: |⟨v, v_expected⟩| = ${Math.abs(dot)}`);
    assert.ok(Math.abs(Math.hypot(...actual) - 1) < 1e-12, `${label}: not a unit vector`);
  }

  it('recovers known singular values and vectors, from the newest w rows of a ring that wrapped', () => {
    const window = 6;
    const length = 40;
    const singularValues = [5, 3, 2, 0.5, 0.25, 0.1];
    const left = orthonormalRows(6, window, 21);
    const right = orthonormalRows(6, length, 22);
    const gram = new RollingGram(length, window);
    // Older rows that must have left the window.
    for (let extra = 0; extra < 4; extra++) gram.push(Float32Array.from({ length }, (_, index) => 100 * Math.sin(index + extra)));
    for (const row of windowRows(singularValues, left, right)) gram.push(row);
    const result = topRightSingularVectors(gram, 3);
    assert.equal(result.singularValues.length, window);
    singularValues.forEach((s, k) => assert.ok(Math.abs(result.singularValues[k] - s) <= 1e-6 * singularValues[0], `s${k + 1}: ${result.singularValues[k]} vs ${s}`));
    assert.equal(result.vectors.length, 3);
    result.vectors.forEach((vector, k) => assertSameLine(vector, right[k], `v${k + 1}`));
  });

  it('returns only the vectors of positive singular values (rank-2 window)', () => {
    const left = orthonormalRows(2, 5, 23);
    const right = orthonormalRows(2, 12, 24);
    const gram = new RollingGram(12, 5);
    for (const row of windowRows([4, 1], left, right)) gram.push(row);
    const result = topRightSingularVectors(gram, 4);
    // Rank 2 in exact arithmetic. The Gram's float32 products (window.wasm) leave the other
    // eigenvalues at ~1e-7·λ₁, i.e. s₃ up to ~3e-4·s₁, possibly positive: then their directions
    // are noise but still unit vectors.
    assert.ok(result.vectors.length >= 2);
    assertSameLine(result.vectors[0], right[0], 'v1');
    assertSameLine(result.vectors[1], right[1], 'v2');
    assert.ok(result.singularValues[2] < 2e-3 * result.singularValues[0], `s3 = ${result.singularValues[2]}`);
    const zero = new RollingGram(12, 5);
    for (let row = 0; row < 3; row++) zero.push(new Float32Array(12));
    assert.deepEqual(topRightSingularVectors(zero, 2).vectors, []);
  });
});

describe('R_k = A(v_k) / median_j A(r_j)', () => {
  // The model of the hand-worked case: M = 2, K = 1, σ = x², P = 4. μ is quadratic in W, so A is
  // the quadratic form A(v) = vᵀQv, Q = mean_x J_xᵀJ_x with J_x = 2V_y (Wᵀ e_xᵀ + z_x I) and
  // e_x = e_a + e_{2+b}: every ratio follows from Q and the directions.
  const W = [1, 2, 3, 4];
  const V = [0.5, -1];
  const pairs: [number, number, number][] = [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]];

  function quadraticForm(): number[][] {
    const Q = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
    for (const [a, b, y] of pairs) {
      const z = W[a] + W[2 + b];
      const J = Array.from({ length: 4 }, (_, row) =>
        Array.from({ length: 4 }, (_, column) => 2 * V[y] * (W[row] * (column === a || column === 2 + b ? 1 : 0) + (row === column ? z : 0))));
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) for (let r = 0; r < 4; r++) Q[i][j] += (J[r][i] * J[r][j]) / pairs.length;
    }
    return Q;
  }

  const Q = quadraticForm();
  const A = (v: ArrayLike<number>): number => {
    let total = 0;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) total += v[i] * Q[i][j] * v[j];
    return total;
  };

  function tracker(config: Partial<GradientSedConfig>, seed: number): GradientSedTracker {
    return new GradientSedTracker({
      config: { enabled: true, window: 4, vectors: 2, directions: 9, probes: 4, epsilonScale: 0.005, every: 1, ...config },
      length: 4,
      seed,
    });
  }

  /** This MLP's A(v) on the model (Wᵀ, V) with the hand-picked probes: the tracker's probe. */
  function probeAt(W: number[], V: number[], hidden: number): DirectionSensitivity {
    const probe = new DirectionSensitivity(2, hidden, 'square', probeSet(pairs));
    probe.setParameters(Float32Array.from(W), Float32Array.from(V));
    return probe;
  }

  it('divides A of the windows’ top directions by the median A of the seed’s random directions', () => {
    const seed = 17;
    const sed = tracker({}, seed);
    // Gradient window: rows α_t g₁ + β_t g₂ with Σαβ = 0 and Σα² = 20 > Σβ² = 1, so its right
    // singular vectors are g₁ (s = √20) and g₂ (s = 1). Update window: the same with u₁, u₂.
    const g1 = [0.5, 0.5, 0.5, 0.5];
    const g2 = [0.5, -0.5, -0.5, 0.5];
    const u1 = [0.8, 0, -0.6, 0];
    const u2 = [0, 1, 0, 0];
    const alpha = [3, -1, 1, 3];
    const beta = [0.5, 0.5, 0.5, -0.5];
    // Σ αβ = 1.5 − 0.5 + 0.5 − 1.5 = 0; Σ α² = 20; Σ β² = 1.
    const combine = (first: number[], second: number[], t: number): Float32Array => Float32Array.from(first, (value, index) => alpha[t] * value + beta[t] * second[index]);
    for (let t = 0; t < 4; t++) sed.push(combine(g1, g2, t), combine(u1, u2, t));
    const fields = sed.evaluate(Float32Array.from(W), probeAt(W, V, 1));

    // The random directions of the seed's stream, in the order the tracker draws them.
    const stream = new RandomStream(seed, 'gradient-sed-directions');
    const randomValues = Array.from({ length: 9 }, () => A(randomUnitDirection(stream, 4))).sort((x, y) => x - y);
    const median = randomValues[4];
    const relative = (actual: number, expected: number): number => Math.abs(actual - expected) / Math.abs(expected);
    assert.ok(relative(fields.randomSedSensitivityMedian as number, median) < 1e-6, `median ${fields.randomSedSensitivityMedian} vs ${median}`);
    const expectedGradient = [A(g1), A(g2)];
    const expectedUpdate = [A(u1), A(u2)];
    // Q = [[112.5, 18.5, 31.5, 60.5], [18.5, 126.5, 61.5, 46.5], [31.5, 61.5, 136.5, 43.5],
    // [60.5, 46.5, 43.5, 152.5]]: A(g₁) = ΣQ/4 = 263, A(g₂) = 123 (an eigenvector), A(u₁) = 90.9.
    assert.deepEqual([expectedGradient[0], expectedGradient[1], expectedUpdate[0], expectedUpdate[1]].map((value) => Math.round(value * 1e9) / 1e9), [263, 123, 90.9, 126.5]);
    fields.gradientSedSensitivities?.forEach((value, k) => assert.ok(relative(value, expectedGradient[k]) < 1e-6, `A(g${k + 1}) ${value} vs ${expectedGradient[k]}`));
    fields.updateSedSensitivities?.forEach((value, k) => assert.ok(relative(value, expectedUpdate[k]) < 1e-6, `A(u${k + 1}) ${value} vs ${expectedUpdate[k]}`));
    assert.equal(fields.gradientSedRatios?.length, 2);
    assert.equal(fields.updateSedRatios?.length, 2);
    fields.gradientSedRatios?.forEach((ratio, k) => assert.ok(relative(ratio, expectedGradient[k] / median) < 1e-6, `R${k + 1} ${ratio} vs ${expectedGradient[k] / median}`));
    fields.updateSedRatios?.forEach((ratio, k) => assert.ok(relative(ratio, expectedUpdate[k] / median) < 1e-6, `update R${k + 1}`));
    const singular = fields.gradientSingularValues as number[];
    assert.equal(singular.length, 4);
    assert.ok(relative(singular[0], Math.sqrt(20)) < 1e-6 && relative(singular[1], 1) < 1e-6, JSON.stringify(singular));
    // Not a vacuous check: here gradient-SED's R₁ is above 2 and update-SED's below 1.
    assert.ok(expectedGradient[0] / median > 2 && expectedUpdate[0] / median < 1, `median ${median}`);

    // The next evaluation draws fresh directions (the stream continues, as in the authors' code).
    const next = sed.evaluate(Float32Array.from(W), probeAt(W, V, 1));
    const nextMedian = Array.from({ length: 9 }, () => A(randomUnitDirection(stream, 4))).sort((x, y) => x - y)[4];
    assert.ok(relative(next.randomSedSensitivityMedian as number, nextMedian) < 1e-6);
  });

  it('is exactly 0 for a top direction the output cannot see', () => {
    // K = 2 with the second hidden unit unread (V[:, 1] = 0); the gradient window's top direction
    // lies in that unit's column of Wᵀ, its second one does not.
    const sed = new GradientSedTracker({
      config: { enabled: true, window: 3, vectors: 2, directions: 5, probes: 4, epsilonScale: 0.005, every: 1 },
      length: 8,
      seed: 3,
    });
    const deadColumn = [0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5];
    const liveColumn = [0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0];
    const rows = [[2, 0.1], [2, -0.1], [0, 0]];
    for (const [dead, live] of rows) {
      const row = Float32Array.from(deadColumn, (value, index) => dead * value + live * liveColumn[index]);
      sed.push(row, row);
    }
    const W = [1, 1, 2, -1, 3, 2, 4, 1];
    const fields = sed.evaluate(Float32Array.from(W), probeAt(W, [0.5, 0, -1, 0], 2));
    assert.equal(fields.gradientSedRatios?.[0], 0);
    assert.ok((fields.gradientSedRatios?.[1] ?? 0) > 0);
  });

  it('is due at the positive multiples of `every` once the windows hold `vectors` steps', () => {
    const sed = tracker({ every: 3, vectors: 2, window: 4 }, 1);
    const due = (): number[] => [0, 1, 2, 3, 4, 5, 6, 9].filter((epoch) => sed.isDue(epoch));
    assert.deepEqual(due(), []);
    sed.push(new Float32Array(4).fill(1), new Float32Array(4).fill(1));
    assert.deepEqual(due(), []);
    sed.push(new Float32Array(4).fill(2), new Float32Array(4).fill(2));
    assert.deepEqual(due(), [3, 6, 9]);
  });

  it('rejects vectors ≥ window, every < 1 and a non-positive epsilonScale', () => {
    assert.throws(() => tracker({ vectors: 4, window: 4 }, 0), /vectors/);
    assert.throws(() => tracker({ every: 0 }, 0), /every/);
    assert.throws(() => tracker({ epsilonScale: 0 }, 0), /epsilonScale/);
  });
});
