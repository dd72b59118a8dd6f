import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  adiabaticParameter,
  singularValuesFromEigenvalues,
  spectralEdge,
  spectralEdgePosition,
  subleadingGap,
} from '../../src/training/diagnostics/spectralEdge';

const close = (actual: number | undefined, expected: number, tolerance = 1e-12): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `expected ${expected}, got ${actual}`);
};

/** Q diag(λ) Qᵀ with Q a product of plane rotations: a Gram with known eigenvalues and no zero entries. */
function gramWithEigenvalues(lambdas: number[]): Float64Array {
  const size = lambdas.length;
  const q = new Float64Array(size * size);
  for (let index = 0; index < size; index++) q[index * size + index] = 1;
  for (let p = 0; p < size - 1; p++) {
    const angle = 0.3 + 0.2 * p;
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    for (let row = 0; row < size; row++) {
      const [left, right] = [q[row * size + p], q[row * size + p + 1]];
      q[row * size + p] = c * left - s * right;
      q[row * size + p + 1] = s * left + c * right;
    }
  }
  const gram = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      for (let k = 0; k < size; k++) gram[i * size + j] += q[i * size + k] * lambdas[k] * q[j * size + k];
    }
  }
  return gram;
}

describe('spectralEdgePosition', () => {
  it('separates the weighted and the plain gap position', () => {
    // σ = (10, 5, 4, 1), Σσ = 20: weighted scores 1.0, 0.3125, 0.8; plain ratios 2, 1.25, 4.
    const position = spectralEdgePosition([10, 5, 4, 1]);
    assert.ok(position);
    assert.equal(position.kStar, 1);
    assert.equal(position.kStarPlain, 3);
    close(position.edgeRatio, 2);
    close(position.edgeGap, 5);
  });

  it('moves k* to a later gap when that gap dominates', () => {
    // σ = (6, 5, 1), Σσ = 12: weighted 0.6, 2.083…; plain 1.2, 5.
    const position = spectralEdgePosition([6, 5, 1]);
    assert.equal(position?.kStar, 2);
    assert.equal(position?.kStarPlain, 2);
    close(position?.edgeRatio, 5);
  });

  it('skips j with σ_{j+1} = 0 and is undefined without two nonzero values', () => {
    const position = spectralEdgePosition([3, 2, 0, 0]);
    assert.equal(position?.kStar, 1);
    assert.equal(position?.kStarPlain, 1);
    close(position?.edgeRatio, 1.5);
    assert.equal(spectralEdgePosition([5, 0, 0]), undefined);
    assert.equal(spectralEdgePosition([5]), undefined);
    assert.equal(spectralEdgePosition([]), undefined);
  });

  it('breaks ties toward the smallest j', () => {
    assert.equal(spectralEdgePosition([4, 2, 1])?.kStarPlain, 1);
    assert.equal(spectralEdgePosition([1, 1, 1])?.kStar, 1);
  });
});

describe('subleadingGap and singular values', () => {
  it('is σ₂² − σ₃² and needs three values', () => {
    close(subleadingGap([10, 5, 4, 1]), 9);
    assert.equal(subleadingGap([4, 1]), undefined);
    assert.deepEqual(Array.from(singularValuesFromEigenvalues([16, 4, -1e-18])), [4, 2, 0]);
  });
});

describe('spectralEdge', () => {
  it('reads σ_j = √λ_j off a Gram with known eigenvalues', () => {
    // Eigenvalues (100, 25, 16, 1) → σ = (10, 5, 4, 1).
    const fields = spectralEdge({ gram: gramWithEigenvalues([25, 100, 1, 16]), size: 4, learningRate: 1e-3 });
    assert.equal(fields.kStar, 1);
    assert.equal(fields.kStarPlain, 3);
    close(fields.edgeRatio, 2, 1e-10);
    close(fields.g23, 9, 1e-10);
    assert.equal(fields.adiabatic, undefined);
  });

  it('computes the adiabatic parameter from the entrywise Gram change', () => {
    // Current Gram: σ = (10, 5, 4, 1), so k* = 1 and g = σ₁ − σ₂ = 5. The previous Gram differs by
    // ΔG with ‖ΔG‖_F = √(0.3² + 0.3² + 0.4²) = √0.34.
    const current = gramWithEigenvalues([100, 25, 16, 1]);
    const previous = Float64Array.from(current);
    previous[1] -= 0.3;
    previous[4] -= 0.3;
    previous[15] += 0.4;
    const fields = spectralEdge({ gram: current, size: 4, previousGram: previous, learningRate: 1e-3 });
    close(fields.adiabatic, Math.sqrt(0.34) / (1e-3 * 25), 1e-10);
    const unchanged = spectralEdge({ gram: current, size: 4, previousGram: current, learningRate: 1e-3 });
    assert.equal(unchanged.adiabatic, 0);
    close(adiabaticParameter([1, 2, 3, 4], [1, 2, 3, 2], 0.5, 2), 2 / (0.5 * 4));
    assert.equal(adiabaticParameter([1, 2, 3, 4], [1], 0.5, 2), undefined);
    assert.equal(adiabaticParameter([1, 2, 3, 4], [1, 2, 3, 2], 0.5, 0), undefined);
    assert.equal(adiabaticParameter([1, 2, 3, 4], undefined, 0.5, 2), undefined);
  });
});
