/**
 * Which pairs (a, b) a Transformer task uses (docs/science.md §12.2, from the reference's code,
 * docs/science.md §12.2): operands 0 … p−1, except that multiplication alone uses 1 … p−1
 * (0 has no inverse) and every multitask model uses 1 … p−1 for all its heads. The parser (the
 * default training size) and the training data (src/training/transformer/data.ts) both ask here.
 */
import type { Operation } from './types';

/** The smallest operand: 1 for a multitask model or multiplication alone, else 0. */
export function firstOperand(operations: readonly Operation[]): number {
  return operations.length > 1 || operations[0] === 'multiply' ? 1 : 0;
}

/** Number of pairs (a, b) of the task: (p − first)². */
export function transformerPairCount(operations: readonly Operation[], modulus: number): number {
  const operands = modulus - firstOperand(operations);
  return operands * operands;
}
