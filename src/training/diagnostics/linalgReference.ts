/**
 * Plain TypeScript float64 linear algebra, written for clarity rather than speed: the independent
 * reference for the WebAssembly kernels in tests, and the fallback of the Theorem-6 check
 * (repulsion.ts) when linalg.wasm is not available.
 *
 * Matrices are row-major Float64Array (entry (i, j) of an r × c matrix at i · c + j). No function
 * mutates its arguments; each returns a new array.
 */

/** F̃ = F − column means (means over the rows, in float64), (rows × columns). */
export function centreColumns(matrix: ArrayLike<number>, rows: number, columns: number): Float64Array {
  const means = new Float64Array(columns);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) means[j] += matrix[i * columns + j];
  for (let j = 0; j < columns; j++) means[j] /= rows;
  const centred = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) centred[i * columns + j] = matrix[i * columns + j] - means[j];
  return centred;
}

/** XᵀX (columns × columns) of X (rows × columns), by naive dot products. */
export function gramOfColumns(x: Float64Array, rows: number, columns: number): Float64Array {
  const gram = new Float64Array(columns * columns);
  for (let j = 0; j < columns; j++) {
    for (let l = 0; l <= j; l++) {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum += x[i * columns + j] * x[i * columns + l];
      gram[j * columns + l] = sum;
      gram[l * columns + j] = sum;
    }
  }
  return gram;
}

/** XXᵀ (rows × rows) of X (rows × columns), by naive dot products. */
export function gramOfRows(x: Float64Array, rows: number, columns: number): Float64Array {
  const gram = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k <= i; k++) {
      let sum = 0;
      for (let j = 0; j < columns; j++) sum += x[i * columns + j] * x[k * columns + j];
      gram[i * rows + k] = sum;
      gram[k * rows + i] = sum;
    }
  }
  return gram;
}

/** A B for A (rows × inner) and B (inner × columns). */
export function multiply(a: Float64Array, b: Float64Array, rows: number, inner: number, columns: number): Float64Array {
  const product = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    for (let p = 0; p < inner; p++) {
      const scale = a[i * inner + p];
      if (scale === 0) continue;
      for (let j = 0; j < columns; j++) product[i * columns + j] += scale * b[p * columns + j];
    }
  }
  return product;
}

/** Aᵀ (columns × rows) of A (rows × columns). */
export function transpose(a: Float64Array, rows: number, columns: number): Float64Array {
  const result = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) result[j * rows + i] = a[i * columns + j];
  return result;
}

/** A + shift · I (size × size). */
export function addToDiagonal(a: Float64Array, size: number, shift: number): Float64Array {
  const result = Float64Array.from(a);
  for (let i = 0; i < size; i++) result[i * size + i] += shift;
  return result;
}

/** The identity (size × size). */
export function identity(size: number): Float64Array {
  return addToDiagonal(new Float64Array(size * size), size, 1);
}

/** The factor L (lower, zeros above the diagonal) of A = LLᵀ, or the 0-based row whose pivot was not positive. */
export type CholeskyOutcome = { factor: Float64Array } | { failedPivot: number };

/** Cholesky–Banachiewicz factorisation of a symmetric matrix A (size × size; only the lower triangle is read). */
export function cholesky(a: Float64Array, size: number): CholeskyOutcome {
  const factor = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * size + j];
      for (let p = 0; p < j; p++) sum -= factor[i * size + p] * factor[j * size + p];
      if (i === j) {
        if (!(sum > 0)) return { failedPivot: i };
        factor[i * size + i] = Math.sqrt(sum);
      } else {
        factor[i * size + j] = sum / factor[j * size + j];
      }
    }
  }
  return { factor };
}

/** x with L x = b, for lower-triangular L (size × size), by forward substitution. */
export function forwardSubstitution(l: Float64Array, size: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let sum = b[i];
    for (let p = 0; p < i; p++) sum -= l[i * size + p] * x[p];
    x[i] = sum / l[i * size + i];
  }
  return x;
}

/**
 * A⁻¹ by Gauss–Jordan elimination with partial pivoting on [A | I]. Throws if a pivot is exactly
 * zero (A singular to working precision). For tests on small matrices.
 */
export function gaussJordanInverse(a: Float64Array, size: number): Float64Array {
  const work = Float64Array.from(a);
  const inverse = identity(size);
  for (let column = 0; column < size; column++) {
    let pivotRow = column;
    for (let row = column + 1; row < size; row++) {
      if (Math.abs(work[row * size + column]) > Math.abs(work[pivotRow * size + column])) pivotRow = row;
    }
    const pivot = work[pivotRow * size + column];
    if (pivot === 0) throw new Error(`gaussJordanInverse: singular matrix (column ${column})`);
    if (pivotRow !== column) {
      for (let j = 0; j < size; j++) {
        [work[column * size + j], work[pivotRow * size + j]] = [work[pivotRow * size + j], work[column * size + j]];
        [inverse[column * size + j], inverse[pivotRow * size + j]] = [inverse[pivotRow * size + j], inverse[column * size + j]];
      }
    }
    for (let j = 0; j < size; j++) {
      work[column * size + j] /= pivot;
      inverse[column * size + j] /= pivot;
    }
    for (let row = 0; row < size; row++) {
      if (row === column) continue;
      const factor = work[row * size + column];
      if (factor === 0) continue;
      for (let j = 0; j < size; j++) {
        work[row * size + j] -= factor * work[column * size + j];
        inverse[row * size + j] -= factor * inverse[column * size + j];
      }
    }
  }
  return inverse;
}
