/**
 * Eigenvalues (and optionally eigenvectors) of a small real symmetric matrix by the cyclic Jacobi
 * method, in float64. Used for the rolling Gram of parameter updates (docs/science.md §5, §7), whose
 * size is the window (≤ 200). Jacobi is chosen over tridiagonal QR because it is short, needs no
 * library, and delivers small eigenvalues with high relative accuracy, which matters for ratios
 * such as λ₂/λ₃ and σ_j/σ_{j+1}.
 */

export interface SymmetricEigenOptions {
  /** Also return the orthonormal eigenvectors. Default false. */
  vectors?: boolean;
  /** Upper bound on the number of sweeps; Jacobi converges quadratically, in well under 20. Default 100. */
  maxSweeps?: number;
}

export interface SymmetricEigenResult {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /**
   * Present when requested: (n × n) row-major, **column** k is the unit eigenvector of values[k],
   * so that A = V diag(values) Vᵀ and VᵀV = I.
   */
  vectors?: Float64Array;
  /** Sweeps over all (p, q) pairs performed. */
  sweeps: number;
}

/**
 * Eigen-decomposition of the symmetric (size × size) row-major `matrix`. Does not mutate `matrix`;
 * works on a symmetrised copy ((A + Aᵀ)/2, so a Gram with rounding asymmetry is fine).
 */
export function symmetricEigen(matrix: ArrayLike<number>, size: number, options: SymmetricEigenOptions = {}): SymmetricEigenResult {
  if (!Number.isInteger(size) || size < 0) throw new Error(`symmetricEigen: size must be a non-negative integer, got ${size}`);
  if (matrix.length !== size * size) throw new Error(`symmetricEigen: expected ${size * size} entries, got ${matrix.length}`);
  const wantVectors = options.vectors ?? false;
  const maxSweeps = options.maxSweeps ?? 100;
  const n = size;
  const a = new Float64Array(n * n);
  for (let row = 0; row < n; row++) {
    for (let column = 0; column < n; column++) {
      a[row * n + column] = 0.5 * (matrix[row * n + column] + matrix[column * n + row]);
    }
  }
  const v = wantVectors ? new Float64Array(n * n) : undefined;
  if (v) for (let index = 0; index < n; index++) v[index * n + index] = 1;

  // Only the diagonal and the upper triangle (p < q) of `a` are kept up to date during the sweeps.
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let offDiagonal = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) offDiagonal += Math.abs(a[p * n + q]);
    if (offDiagonal === 0) break;
    // First sweeps: skip rotations of entries far below the average (Numerical Recipes' threshold);
    // they would be undone by the large ones anyway.
    const threshold = sweeps < 3 ? (0.2 * offDiagonal) / (n * n) : 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // After a few sweeps, an off-diagonal entry too small to change either diagonal entry is
        // rounding noise: zero it (Rutishauser's test), which also guarantees termination.
        const scaled = 100 * Math.abs(apq);
        if (sweeps > 3 && Math.abs(app) + scaled === Math.abs(app) && Math.abs(aqq) + scaled === Math.abs(aqq)) {
          a[p * n + q] = 0;
          continue;
        }
        if (Math.abs(apq) < threshold) continue;
        // Rotation angle that annihilates a_pq: θ = (a_qq − a_pp)/(2 a_pq), t = tan φ the smaller root.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.abs(theta) > 1e150
          ? 1 / (2 * theta)
          : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        a[p * n + p] = app - t * apq;
        a[q * n + q] = aqq + t * apq;
        a[p * n + q] = 0;
        // Rows/columns p and q of the upper triangle: (k, p), (k, q) for k < p; (p, k), (k, q) for
        // p < k < q; (p, k), (q, k) for k > q.
        for (let k = 0; k < p; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = p + 1; k < q; k++) {
          const apk = a[p * n + k];
          const akq = a[k * n + q];
          a[p * n + k] = c * apk - s * akq;
          a[k * n + q] = s * apk + c * akq;
        }
        for (let k = q + 1; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        if (v) {
          for (let k = 0; k < n; k++) {
            const vkp = v[k * n + p];
            const vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
          }
        }
      }
    }
  }

  const order = Array.from({ length: n }, (_, index) => index);
  order.sort((left, right) => a[right * n + right] - a[left * n + left]);
  const values = new Float64Array(n);
  for (let k = 0; k < n; k++) values[k] = a[order[k] * n + order[k]];
  if (!v) return { values, sweeps };
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const source = order[k];
    for (let row = 0; row < n; row++) vectors[row * n + k] = v[row * n + source];
  }
  return { values, vectors, sweeps };
}

/** Eigenvalues only, descending: shorthand for symmetricEigen(matrix, size).values. */
export function symmetricEigenvalues(matrix: ArrayLike<number>, size: number): Float64Array {
  return symmetricEigen(matrix, size).values;
}
