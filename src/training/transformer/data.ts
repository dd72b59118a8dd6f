/**
 * The Transformer's task data (docs/science.md §12.2, from the reference's grok_sweep.py as read in
 * docs/science.md §12.2): the pairs (a, b) in lexicographic order over the operands
 * (src/shared/config/operands.ts), shuffled by the seed's `split` stream (Fisher–Yates from the end,
 * the algorithm of Python's random.shuffle; our generator, so not the reference's permutation), the
 * first trainSize pairs for training and the rest for test; one label per operation (head).
 * Minibatches are drawn uniformly with replacement from the training pairs by the seed's `batches`
 * stream, as the reference's np.random.randint.
 */
import type { Operation } from '../../shared/config/types';
import { firstOperand } from '../../shared/config/operands';
import { label, splitPermutation } from '../data';
import { RandomStream } from '../random';
import type { PairBatch } from './engine';

export interface TransformerDataset {
  modulus: number;
  operations: Operation[];
  train: PairBatch;
  test: PairBatch;
}

function emptyBatch(size: number, tasks: number): PairBatch {
  return { size, a: new Int32Array(size), b: new Int32Array(size), labels: Array.from({ length: tasks }, () => new Int32Array(size)) };
}

/** Copies pair `from` of `source` into row `to` of `target` (operands and every task's label). Mutates `target`. */
function copyPair(source: PairBatch, from: number, target: PairBatch, to: number): void {
  target.a[to] = source.a[from];
  target.b[to] = source.b[from];
  for (let task = 0; task < source.labels.length; task++) target.labels[task][to] = source.labels[task][from];
}

/** The seed's split of the task's pairs: trainSize for training, the rest for test. */
export function transformerDataset(operations: readonly Operation[], modulus: number, trainSize: number, seed: number): TransformerDataset {
  const first = firstOperand(operations);
  const operands = modulus - first;
  const pairCount = operands * operands;
  if (!(trainSize >= 1 && trainSize < pairCount)) throw new Error(`trainSize ${trainSize} must be in 1 … ${pairCount - 1} (the task has ${pairCount} pairs)`);
  const order = splitPermutation(pairCount, seed);
  const split = (start: number, end: number): PairBatch => {
    const batch = emptyBatch(end - start, operations.length);
    for (let row = 0; row < batch.size; row++) {
      const pair = order[start + row];
      const a = first + Math.floor(pair / operands);
      const b = first + (pair % operands);
      batch.a[row] = a;
      batch.b[row] = b;
      operations.forEach((operation, task) => {
        batch.labels[task][row] = label(operation, a, b, modulus);
      });
    }
    return batch;
  };
  return { modulus, operations: [...operations], train: split(0, trainSize), test: split(trainSize, pairCount) };
}

/** Minibatches of `size` training pairs drawn with replacement, one buffer reused for every draw. */
export class MinibatchSampler {
  private readonly random: RandomStream;
  private readonly batch: PairBatch;

  constructor(
    private readonly train: PairBatch,
    size: number,
    seed: number,
  ) {
    this.random = new RandomStream(seed, 'batches');
    this.batch = emptyBatch(size, train.labels.length);
  }

  /** The next minibatch (the same object every call, refilled). Advances the stream by `size` draws. */
  next(): PairBatch {
    for (let row = 0; row < this.batch.size; row++) copyPair(this.train, this.random.nextInt(this.train.size), this.batch, row);
    return this.batch;
  }
}
