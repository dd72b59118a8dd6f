/**
 * The task of docs/science.md §1: all M² pairs (a, b) with label y = (a ∘ b) mod M, split by a seeded
 * permutation into the first n_train pairs (train) and the rest (test). The input is the
 * concatenated one-hot of a and b, so the model never materialises it: W x = W[:, a] + W[:, M + b].
 */
import type { Operation } from '../shared/config/types';
import { RandomStream } from './random';

/** One split: parallel arrays of the operands and labels. */
export interface Split {
  /** Number of pairs. */
  size: number;
  /** First operand a ∈ {0…M−1}. */
  a: Int32Array;
  /** Second operand b ∈ {0…M−1} (the model reads input M + b). */
  b: Int32Array;
  /** Label y ∈ {0…M−1}. */
  y: Int32Array;
}

export interface Dataset {
  modulus: number;
  train: Split;
  test: Split;
}

export function label(operation: Operation, a: number, b: number, modulus: number): number {
  switch (operation) {
    case 'add':
      return (a + b) % modulus;
    case 'subtract':
      return (((a - b) % modulus) + modulus) % modulus;
    case 'multiply':
      return (a * b) % modulus;
    case 'squares':
      return (a * a + b * b) % modulus;
    case 'squaresAndProduct':
      return (a * a + a * b + b * b) % modulus;
    case 'cubeAndProduct':
      return (((a * a) % modulus) * a + a * b) % modulus;
    default: {
      const unknown: never = operation;
      throw new Error(`unknown operation ${String(unknown)}`);
    }
  }
}

/**
 * The seed's permutation of 0 … count−1: Fisher–Yates from the end (the algorithm of Python's
 * random.shuffle) on the seed's `split` stream. Both models' splits take their first n_train entries.
 */
export function splitPermutation(count: number, seed: number): Int32Array {
  const permutation = new Int32Array(count);
  for (let index = 0; index < count; index++) permutation[index] = index;
  const random = new RandomStream(seed, 'split');
  for (let index = count - 1; index > 0; index--) {
    const other = random.nextInt(index + 1);
    const swap = permutation[index];
    permutation[index] = permutation[other];
    permutation[other] = swap;
  }
  return permutation;
}

/**
 * Builds the split for a seed: the seed's permutation of the M² pair indices p = a·M + b
 * (splitPermutation); the first `trainSize` are the training set.
 */
export function makeDataset(operation: Operation, modulus: number, trainSize: number, seed: number): Dataset {
  const pairCount = modulus * modulus;
  const permutation = splitPermutation(pairCount, seed);
  const makeSplit = (indices: Int32Array): Split => {
    const split: Split = {
      size: indices.length,
      a: new Int32Array(indices.length),
      b: new Int32Array(indices.length),
      y: new Int32Array(indices.length),
    };
    for (let row = 0; row < indices.length; row++) {
      const a = Math.floor(indices[row] / modulus);
      const b = indices[row] % modulus;
      split.a[row] = a;
      split.b[row] = b;
      split.y[row] = label(operation, a, b, modulus);
    }
    return split;
  };
  return {
    modulus,
    train: makeSplit(permutation.subarray(0, trainSize)),
    test: makeSplit(permutation.subarray(trainSize)),
  };
}
