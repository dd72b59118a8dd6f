// The wasm Transformer engine (src/kernels/transformer.ts through src/training/transformer/wasmEngine.ts):
// its product kernels against plain float64 loops on awkward sizes (row octets and panel ranges,
// odd step ranges, output counts that are not multiples of 4 or 8), its GELU against the float64
// erf of the reference, and the whole engine against the float64 reference engine
// (src/training/transformer/reference.ts): loss, every gradient slice, AdamW, clipping, evaluate,
// several training steps; determinism; both SIMD builds. Needs dist/kernels/transformer*.wasm
// (`node esbuild.js`).
//
// Tolerances. float32 has unit roundoff u = 2⁻²⁴ ≈ 6e−8. A float32 dot product of length n is
// within n·u·Σ|aᵢbᵢ| of the exact one (the classical bound; fused multiply-adds only lower it), so
// the product kernels are checked elementwise against that bound. The whole gradient passes through
// about twenty dependent float32 stages (two layers of LayerNorm, products of length ≤ 256, softmax)
// whose relative errors add; observed per-slice relative L2 errors are 1e−7 to 6e−7 (2–10 u), and
// the tests allow 3e−6 (50 u), which a wrong index or a missing term (errors of order 1) cannot
// meet.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PairBatch, TransformerEngineOptions } from '../../src/training/transformer/engine';
import { initialTransformerParameters, parameterLayout, type ParameterLayout, type TransformerShape } from '../../src/training/transformer/model';
import { gelu, geluDerivative, ReferenceTransformerEngine, transformerCorrectLogitInputGradients, transformerLossAndGradient, transformerMetrics } from '../../src/training/transformer/reference';
import { createWasmTransformerEngine, type TransformerKernels, type WasmTransformerEngine } from '../../src/training/transformer/wasmEngine';
import { RandomStream } from '../../src/training/random';
import { compileKernel, KernelInstance, type SimdBuild } from '../../src/training/wasmKernels';
import { perturbedParameters, randomBatch } from './transformerFixtures';

const UNIT_ROUNDOFF = 2 ** -24;
const GRADIENT_TOLERANCE = 3e-6;
/** μ_x per pair at the default shape (assertInputGradientClose). */
const INPUT_GRADIENT_DEFAULT_TOLERANCE = 1e-5;
const OPTIMIZER = { lr: 1e-3, betas: [0.9, 0.98] as [number, number], eps: 1e-8, weightDecay: 1 };

/** The builds this runtime can load (the plain one always; relaxed SIMD where V8 accepts it). */
const BUILDS: SimdBuild[] = (['plain', 'relaxed'] as SimdBuild[]).filter((build) => {
  try {
    compileKernel('transformer', build);
    return true;
  } catch {
    return false;
  }
});

// ---- Product kernels against float64 loops ----

/** A fresh instance of one build, with a helper that lays out buffers from its base. */
function kernelArena(build: SimdBuild): { k: TransformerKernels; instance: KernelInstance<TransformerKernels>; reserve: (...floats: number[]) => number[] } {
  const instance = new KernelInstance<TransformerKernels>(compileKernel('transformer', build).module, 'transformer.wasm (test)');
  return { k: instance.exports, instance, reserve: (...floats: number[]) => instance.reserve(...floats.map((count) => 4 * count)) };
}

/** Writes a row-major (rows × columns) matrix into the octet layout at `view` (rows a multiple of 8). */
function toOctets(values: ArrayLike<number>, rows: number, columns: number, view: Float32Array): void {
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < columns; c++) view[((i >> 3) * columns + c) * 8 + (i & 7)] = values[i * columns + c];
  }
}

function fromOctets(view: Float32Array, rows: number, columns: number): Float32Array {
  const values = new Float32Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < columns; c++) values[i * columns + c] = view[((i >> 3) * columns + c) * 8 + (i & 7)];
  }
  return values;
}

function randomValues(count: number, random: RandomStream, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => scale * random.nextSymmetric(1));
}

/** Asserts |actual − exact| ≤ bound elementwise. */
function assertWithin(actual: ArrayLike<number>, exact: ArrayLike<number>, bounds: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, exact.length, what);
  for (let index = 0; index < exact.length; index++) {
    const error = Math.abs(actual[index] - exact[index]);
    assert.ok(error <= bounds[index], `${what}[${index}]: ${actual[index]} vs ${exact[index]} (error ${error}, bound ${bounds[index]})`);
  }
}

for (const build of BUILDS) {
  describe(`transformer.wasm products (${build} SIMD)`, () => {
    it('linearForward: Y = X·Wᵀ + b + R on a range of octets and panels, 7 outputs padded to 8, 13 inputs', () => {
      const random = new RandomStream(1, 'forward');
      const { k, instance, reserve } = kernelArena(build);
      const rows = 24, inputs = 13, outputs = 7, columns = 8;
      const x = randomValues(rows * inputs, random), w = randomValues(outputs * inputs, random), bias = randomValues(8, random), r = randomValues(rows * columns, random);
      const [xAddress, wAddress, panels, biasAddress, rAddress, yAddress] = reserve(rows * inputs, outputs * inputs, 8 * inputs, 8, rows * columns, rows * columns);
      toOctets(x, rows, inputs, instance.f32(xAddress, rows * inputs));
      instance.f32(wAddress, outputs * inputs).set(w);
      instance.f32(biasAddress, 8).set(bias);
      toOctets(r, rows, columns, instance.f32(rAddress, rows * columns));
      instance.f32(yAddress, rows * columns).fill(-7);
      k.packForwardPanels(wAddress, outputs, inputs, panels, 0, 2);
      // Octets 1 and 2 (rows 8–23), both panels; octet 0 must stay untouched.
      k.linearForward(xAddress, inputs, inputs, panels, 0, 2, yAddress, columns, 1, 3, biasAddress, rAddress);
      const y = fromOctets(instance.f32(yAddress, rows * columns), rows, columns);
      const exact: number[] = [], bounds: number[] = [], actual: number[] = [];
      for (let i = 0; i < rows; i++) {
        for (let o = 0; o < columns; o++) {
          if (i < 8) {
            assert.equal(y[i * columns + o], -7, 'octet 0 untouched');
            continue;
          }
          let sum = 0, magnitude = 0;
          for (let c = 0; c < inputs; c++) {
            const term = o < outputs ? x[i * inputs + c] * w[o * inputs + c] : 0;
            sum += term;
            magnitude += Math.abs(term);
          }
          sum += bias[o] + r[i * columns + o];
          magnitude += Math.abs(bias[o]) + Math.abs(r[i * columns + o]);
          exact.push(sum);
          bounds.push((inputs + 2) * UNIT_ROUNDOFF * magnitude);
          actual.push(y[i * columns + o]);
        }
      }
      assertWithin(actual, exact, bounds, 'Y');
      // One panel only (outputs 4–7) without bias or residual.
      instance.f32(yAddress, rows * columns).fill(-7);
      k.linearForward(xAddress, inputs, inputs, panels, 1, 2, yAddress, columns, 0, 3, 0, 0);
      const partial = fromOctets(instance.f32(yAddress, rows * columns), rows, columns);
      for (let i = 0; i < rows; i++) {
        for (let o = 0; o < columns; o++) {
          if (o < 4) assert.equal(partial[i * columns + o], -7, 'panel 0 untouched');
          else if (o >= outputs) assert.equal(partial[i * columns + o], 0, 'padding output is zero');
        }
      }
    });

    it('linearForwardGelu: gelu(X·Wᵀ + b) and gelu′ of it', () => {
      const random = new RandomStream(2, 'gelu product');
      const { k, instance, reserve } = kernelArena(build);
      const rows = 16, inputs = 20, outputs = 12;
      const x = randomValues(rows * inputs, random), w = randomValues(outputs * inputs, random, 0.6), bias = randomValues(outputs, random);
      const [xAddress, wAddress, panels, biasAddress, gAddress, dAddress] = reserve(rows * inputs, outputs * inputs, outputs * inputs, outputs, rows * outputs, rows * outputs);
      toOctets(x, rows, inputs, instance.f32(xAddress, rows * inputs));
      instance.f32(wAddress, outputs * inputs).set(w);
      instance.f32(biasAddress, outputs).set(bias);
      k.packForwardPanels(wAddress, outputs, inputs, panels, 0, outputs / 4);
      k.linearForwardGelu(xAddress, inputs, inputs, panels, 0, outputs / 4, gAddress, outputs, 0, rows / 8, biasAddress, dAddress);
      const g = fromOctets(instance.f32(gAddress, rows * outputs), rows, outputs);
      const d = fromOctets(instance.f32(dAddress, rows * outputs), rows, outputs);
      for (let i = 0; i < rows; i++) {
        for (let o = 0; o < outputs; o++) {
          let z = bias[o], magnitude = Math.abs(bias[o]);
          for (let c = 0; c < inputs; c++) {
            z += x[i * inputs + c] * w[o * inputs + c];
            magnitude += Math.abs(x[i * inputs + c] * w[o * inputs + c]);
          }
          // The product's error moves gelu by at most 1.13× (max |gelu′|) and gelu′ by 0.6× (max |gelu″|), plus the approximation's own error.
          const productError = (inputs + 1) * UNIT_ROUNDOFF * magnitude;
          assert.ok(Math.abs(g[i * outputs + o] - gelu(z)) <= 1.13 * productError + 2e-7 * Math.max(1, Math.abs(z)), `gelu at ${z}`);
          assert.ok(Math.abs(d[i * outputs + o] - geluDerivative(z)) <= 0.6 * productError + 2e-7, `gelu′ at ${z}`);
        }
      }
    });

    it('linearInputGradient: dX = (dY·W)[steps 4…16] ⊙ M, stored and accumulated', () => {
      const random = new RandomStream(3, 'input gradient');
      const { k, instance, reserve } = kernelArena(build);
      const rows = 24, outputs = 20, inputs = 12, stepStart = 4, steps = 13;
      const dy = randomValues(rows * outputs, random), w = randomValues(outputs * inputs, random), m = randomValues(rows * inputs, random), start = randomValues(rows * inputs, random);
      const [dyAddress, wAddress, panels, mAddress, dxAddress] = reserve(rows * outputs, outputs * inputs, outputs * inputs, rows * inputs, rows * inputs);
      toOctets(dy, rows, outputs, instance.f32(dyAddress, rows * outputs));
      instance.f32(wAddress, outputs * inputs).set(w);
      toOctets(m, rows, inputs, instance.f32(mAddress, rows * inputs));
      k.packInputPanels(wAddress, outputs, inputs, panels, 0, inputs / 4);
      for (const accumulate of [0, 1]) {
        toOctets(start, rows, inputs, instance.f32(dxAddress, rows * inputs));
        k.linearInputGradient(dyAddress, outputs, stepStart, steps, panels, outputs, 0, inputs / 4, dxAddress, inputs, 0, rows / 8, mAddress, accumulate);
        const dx = fromOctets(instance.f32(dxAddress, rows * inputs), rows, inputs);
        const exact: number[] = [], bounds: number[] = [];
        for (let i = 0; i < rows; i++) {
          for (let c = 0; c < inputs; c++) {
            let sum = 0, magnitude = 0;
            for (let o = stepStart; o < stepStart + steps; o++) {
              sum += dy[i * outputs + o] * w[o * inputs + c];
              magnitude += Math.abs(dy[i * outputs + o] * w[o * inputs + c]);
            }
            const multiplier = m[i * inputs + c];
            const previous = accumulate ? start[i * inputs + c] : 0;
            exact.push(sum * multiplier + previous);
            bounds.push((steps + 2) * UNIT_ROUNDOFF * (magnitude * Math.abs(multiplier) + Math.abs(previous)));
          }
        }
        assertWithin(dx, exact, bounds, `dX (accumulate ${accumulate})`);
      }
    });

    it('weightGradient and rowSums: dW = dYᵀX and db = Σ dY over rows 8…31, 13 outputs (rows ≥ 13 untouched), 12 inputs', () => {
      const random = new RandomStream(4, 'weight gradient');
      const { k, instance, reserve } = kernelArena(build);
      const rows = 40, outputs = 13, columns = 16, inputs = 12, stepStart = 8, steps = 24;
      const dy = randomValues(rows * columns, random), x = randomValues(rows * inputs, random);
      const [dyAddress, xAddress, t, p, dwAddress, dbAddress] = reserve(rows * columns, rows * inputs, rows * columns, rows * inputs, columns * inputs, columns);
      toOctets(dy, rows, columns, instance.f32(dyAddress, rows * columns));
      toOctets(x, rows, inputs, instance.f32(xAddress, rows * inputs));
      instance.f32(dwAddress, columns * inputs).fill(-7);
      instance.f32(dbAddress, columns).fill(-7);
      k.transposeOctets(dyAddress, columns, t, rows, 0, rows / 8);
      k.packRowPanels(xAddress, inputs, p, rows, 0, rows / 8);
      k.weightGradient(t, rows, p, rows, stepStart, steps, dwAddress, inputs, outputs, 0, columns / 8, 0, inputs / 4);
      k.rowSums(t, rows, stepStart, steps, dbAddress, outputs, 0, columns / 8);
      const dw = instance.f32(dwAddress, columns * inputs), db = instance.f32(dbAddress, columns);
      for (let o = 0; o < columns; o++) {
        let biasSum = 0, biasMagnitude = 0;
        for (let i = stepStart; i < stepStart + steps; i++) {
          biasSum += dy[i * columns + o];
          biasMagnitude += Math.abs(dy[i * columns + o]);
        }
        if (o >= outputs) assert.equal(db[o], -7, `db[${o}] untouched`);
        else assert.ok(Math.abs(db[o] - biasSum) <= steps * UNIT_ROUNDOFF * biasMagnitude, `db[${o}]`);
        for (let c = 0; c < inputs; c++) {
          if (o >= outputs) {
            assert.equal(dw[o * inputs + c], -7, `dW row ${o} untouched`);
            continue;
          }
          let sum = 0, magnitude = 0;
          for (let i = stepStart; i < stepStart + steps; i++) {
            sum += dy[i * columns + o] * x[i * inputs + c];
            magnitude += Math.abs(dy[i * columns + o] * x[i * inputs + c]);
          }
          assert.ok(Math.abs(dw[o * inputs + c] - sum) <= steps * UNIT_ROUNDOFF * magnitude, `dW[${o}][${c}]: ${dw[o * inputs + c]} vs ${sum}`);
        }
      }
    });

    it('the GELU: relative error ≤ 4e−7 for 1e−3 ≤ |z| ≤ 13 (the far negative tail included), gelu′ within 2e−7 (measured: 3.0e−7, 1.5e−7)', () => {
      // The reference's float64 gelu forms 1 + erf(z/√2), which cancels for z ≪ 0; there use
      // z·φ(z)·R(|z|) with Laplace's continued fraction R(x) = 1/(x + 1/(x + 2/(x + 3/(x + …)))) for
      // the Mills ratio Φ(−x)/φ(x), which converges fast for x ≥ 3.
      const exactGelu = (z: number): number => {
        if (z > -3) return gelu(z);
        const x = -z;
        let fraction = x;
        for (let n = 200; n >= 1; n--) fraction = x + n / fraction;
        return (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI) / fraction;
      };
      const { k, instance, reserve } = kernelArena(build);
      const values: number[] = [];
      for (let z = -13; z <= 13; z += 1 / 64 + 1e-5) values.push(z);
      values.push(-1e-3, 1e-3, 0.5, -0.5, -0.75179, 6, -6, 9.5, -9.5);
      while (values.length % 4 !== 0) values.push(0.25);
      const count = values.length;
      const [zAddress, gAddress, dAddress] = reserve(count, count, count);
      instance.f32(zAddress, count).set(values);
      k.geluValues(zAddress, count, gAddress, dAddress);
      const g = instance.f32(gAddress, count), d = instance.f32(dAddress, count), z32 = instance.f32(zAddress, count);
      let worstRelative = 0, worstDerivative = 0;
      for (let index = 0; index < count; index++) {
        const z = z32[index];
        const exact = exactGelu(z);
        if (Math.abs(z) >= 1e-3 && Math.abs(exact) > 1e-36) worstRelative = Math.max(worstRelative, Math.abs(g[index] - exact) / Math.abs(exact));
        worstDerivative = Math.max(worstDerivative, Math.abs(d[index] - geluDerivative(z)));
      }
      assert.ok(worstRelative <= 4e-7, `gelu relative error ${worstRelative}`);
      assert.ok(worstDerivative <= 2e-7, `gelu′ absolute error ${worstDerivative}`);
    });
  });
}

// ---- The engine against the float64 reference ----

/** vocabulary 11, width 16 (4 heads of 4), feed-forward 24, 2 layers, 2 tasks: every path, small. */
const SMALL: TransformerShape = { vocabulary: 11, width: 16, heads: 4, feedForward: 24, layers: 2, tasks: 2 };

function engineOptions(layout: ParameterLayout, initial: Float32Array, maxBatch: number): TransformerEngineOptions {
  return { layout, initial, optimizer: OPTIMIZER, maxBatch };
}

/** One slice: relative L2 error ≤ GRADIENT_TOLERANCE and every element within 10× that of the slice's largest. */
function assertSliceClose(slice: ParameterLayout['slices'][number], actual: Float32Array, exact: ArrayLike<number>, what: string): void {
  let squaredError = 0, squaredNorm = 0, largest = 0, largestError = 0;
  for (let index = slice.offset; index < slice.offset + slice.length; index++) {
    const error = actual[index] - exact[index];
    squaredError += error * error;
    squaredNorm += exact[index] * exact[index];
    largest = Math.max(largest, Math.abs(exact[index]));
    largestError = Math.max(largestError, Math.abs(error));
  }
  assert.ok(squaredNorm > 0, `${what} ${slice.name}: the reference gradient is zero`);
  const relative = Math.sqrt(squaredError / squaredNorm);
  assert.ok(relative <= GRADIENT_TOLERANCE, `${what} ${slice.name}: relative error ${relative}`);
  assert.ok(largestError <= 10 * GRADIENT_TOLERANCE * largest, `${what} ${slice.name}: largest error ${largestError} of ${largest}`);
}

/** Every slice of the layout within assertSliceClose's bounds. */
function assertGradientClose(layout: ParameterLayout, actual: Float32Array, exact: ArrayLike<number>, what: string): void {
  for (const slice of layout.slices) assertSliceClose(slice, actual, exact, what);
}

function checkAgainstReference(engine: WasmTransformerEngine, layout: ParameterLayout, parameters: Float32Array, batch: PairBatch, what: string): void {
  const loss = engine.backward(batch);
  const reference = transformerLossAndGradient(layout, parameters, batch);
  assert.ok(Math.abs(loss - reference.loss) <= 1e-6 * reference.loss, `${what}: loss ${loss} vs ${reference.loss}`);
  assertGradientClose(layout, engine.gradient(), reference.gradient, what);
}

for (const build of BUILDS) {
  describe(`wasm Transformer engine (${build} SIMD) against the float64 reference`, () => {
    it('loss and every gradient slice: 2 layers, 2 tasks, 13 pairs (not a multiple of 8), repeated pairs', () => {
      const layout = parameterLayout(SMALL);
      const parameters = perturbedParameters(layout, 7);
      const engine = createWasmTransformerEngine(engineOptions(layout, parameters, 16), { simd: build });
      assert.equal(engine.backend, build === 'relaxed' ? 'simd-relaxed-1-thread' : 'simd-1-thread');
      checkAgainstReference(engine, layout, parameters, randomBatch(SMALL, 13, 3, 11), 'small');
    });

    it('one layer (the last-layer shortcut on the only layer) and three layers', () => {
      for (const layers of [1, 3]) {
        const shape = { ...SMALL, layers, tasks: 1 };
        const layout = parameterLayout(shape);
        const parameters = perturbedParameters(layout, 8);
        const engine = createWasmTransformerEngine(engineOptions(layout, parameters, 24), { simd: build });
        checkAgainstReference(engine, layout, parameters, randomBatch(shape, 21, 2, 12), `${layers} layer(s)`);
      }
    });

    it('the default shape (p = 97, width 128, 4 heads, feed-forward 256) with a batch of 20', () => {
      const shape: TransformerShape = { vocabulary: 97, width: 128, heads: 4, feedForward: 256, layers: 2, tasks: 1 };
      const layout = parameterLayout(shape);
      const parameters = perturbedParameters(layout, 42);
      const engine = createWasmTransformerEngine(engineOptions(layout, parameters, 32), { simd: build });
      checkAgainstReference(engine, layout, parameters, randomBatch(shape, 20, 0, 13), 'default shape');
    });

    it('the first layer per (token, position) gives the per-row forward values exactly and the reference gradient: 40 pairs of 11 tokens, 1 and 2 layers', () => {
      for (const layers of [1, 2]) {
        const shape = { ...SMALL, layers };
        const layout = parameterLayout(shape);
        const parameters = perturbedParameters(layout, 21);
        const batch = randomBatch(shape, 40, 4, 22);
        const byToken = createWasmTransformerEngine(engineOptions(layout, parameters, 40), { simd: build });
        const byRow = createWasmTransformerEngine(engineOptions(layout, parameters, 40), { simd: build, firstLayerByToken: false });
        checkAgainstReference(byToken, layout, parameters, batch, `${layers} layer(s), per token`);
        checkAgainstReference(byRow, layout, parameters, batch, `${layers} layer(s), per row`);
        assert.equal(byToken.backward(batch), byRow.backward(batch), 'the same logits, so the same loss');
        // evaluate in chunks of 40, 40 and 20 pairs, all per token.
        const pairs = randomBatch(shape, 100, 10, 23);
        const exact = transformerMetrics(layout, parameters, pairs);
        byToken.evaluate(pairs).forEach((task, index) => {
          assert.ok(Math.abs(task.loss - exact[index].loss) <= 1e-6 * exact[index].loss, `evaluate, task ${index}: loss ${task.loss} vs ${exact[index].loss}`);
          assert.equal(task.accuracy, exact[index].accuracy, `evaluate, task ${index}: accuracy`);
        });
      }
    });

    it('a smaller batch after a larger one reads no stale rows', () => {
      const layout = parameterLayout(SMALL);
      const parameters = perturbedParameters(layout, 9);
      const engine = createWasmTransformerEngine(engineOptions(layout, parameters, 24), { simd: build });
      engine.backward(randomBatch(SMALL, 24, 0, 14));
      checkAgainstReference(engine, layout, parameters, randomBatch(SMALL, 5, 0, 15), 'after a larger batch');
    });

    it('clipGradient: the float64 norm, torch\'s factor maxNorm/(norm + 1e−6) below 1 only', () => {
      const layout = parameterLayout(SMALL);
      const options = engineOptions(layout, perturbedParameters(layout, 10), 16);
      const engine = createWasmTransformerEngine(options, { simd: build });
      const reference = new ReferenceTransformerEngine(options);
      const random = new RandomStream(16, 'gradient');
      const gradient = randomValues(layout.size, random, 0.01);
      for (const maxNorm of [0.5, 1e3]) {
        engine.gradient().set(gradient);
        reference.gradient().set(gradient);
        const norm = engine.clipGradient(maxNorm);
        const referenceNorm = reference.clipGradient(maxNorm);
        assert.ok(Math.abs(norm - referenceNorm) <= 1e-12 * referenceNorm, `norm ${norm} vs ${referenceNorm}`);
        if (maxNorm > norm) {
          assert.deepEqual(engine.gradient(), gradient, 'no clipping below maxNorm');
        } else {
          // One float32 multiply by the factor rounded to float32: within 2 u of the float64 product.
          const clipped = engine.gradient(), exact = reference.gradient();
          for (let index = 0; index < layout.size; index++) assert.ok(Math.abs(clipped[index] - exact[index]) <= 2 * UNIT_ROUNDOFF * Math.abs(exact[index]) + 1e-30);
        }
      }
    });

    it('optimizerStep: torch\'s AdamW, three steps on a fixed gradient, within float32 rounding of the reference', () => {
      const layout = parameterLayout(SMALL);
      const options = engineOptions(layout, perturbedParameters(layout, 17), 16);
      const engine = createWasmTransformerEngine(options, { simd: build });
      const reference = new ReferenceTransformerEngine(options);
      const gradient = randomValues(layout.size, new RandomStream(18, 'gradient'), 0.05);
      for (let step = 0; step < 3; step++) {
        engine.gradient().set(gradient);
        reference.gradient().set(gradient);
        engine.optimizerStep();
        reference.optimizerStep();
        const ours = engine.parameters(), theirs = reference.parameters();
        for (let index = 0; index < layout.size; index++) {
          // Per step a few float32 roundings of θ (torch's decay, then the update, each rounded; the
          // reference rounds once) and of lr·m/(√v/c + ε) (≈ lr in size), accumulated over the steps.
          const bound = (step + 1) * (4 * UNIT_ROUNDOFF * Math.abs(theirs[index]) + 8 * UNIT_ROUNDOFF * OPTIMIZER.lr);
          assert.ok(Math.abs(ours[index] - theirs[index]) <= bound, `step ${step + 1}, parameter ${index}: ${ours[index]} vs ${theirs[index]}`);
        }
      }
    });

    it('training steps (backward, clip 1, AdamW) follow the reference engine; evaluate matches its metrics', () => {
      const layout = parameterLayout(SMALL);
      const options = engineOptions(layout, perturbedParameters(layout, 19), 16);
      const engine = createWasmTransformerEngine(options, { simd: build });
      const reference = new ReferenceTransformerEngine(options);
      for (let step = 0; step < 6; step++) {
        const batch = randomBatch(SMALL, 16, 0, 100 + step);
        const loss = engine.backward(batch);
        const referenceLoss = reference.backward(batch);
        assert.ok(Math.abs(loss - referenceLoss) <= 1e-5 * referenceLoss, `step ${step + 1}: loss ${loss} vs ${referenceLoss}`);
        const norm = engine.clipGradient(1);
        assert.ok(Math.abs(norm - reference.clipGradient(1)) <= 1e-5 * norm, `step ${step + 1}: gradient norm`);
        engine.optimizerStep();
        reference.optimizerStep();
      }
      // Six AdamW steps of size ≈ lr each: parameters within a small fraction of one step.
      const ours = engine.parameters(), theirs = reference.parameters();
      let largest = 0;
      for (let index = 0; index < layout.size; index++) largest = Math.max(largest, Math.abs(ours[index] - theirs[index]));
      assert.ok(largest <= 0.05 * OPTIMIZER.lr, `parameters differ by ${largest} after 6 steps`);
      // evaluate: 45 pairs in chunks of maxBatch = 16 (the last 13), against the float64 metrics at our parameters.
      const pairs = randomBatch(SMALL, 45, 5, 200);
      const metrics = engine.evaluate(pairs);
      const exact = transformerMetrics(layout, engine.parameters(), pairs);
      metrics.forEach((task, index) => {
        assert.ok(Math.abs(task.loss - exact[index].loss) <= 1e-6 * exact[index].loss, `task ${index} loss ${task.loss} vs ${exact[index].loss}`);
        assert.equal(task.accuracy, exact[index].accuracy, `task ${index} accuracy`);
      });
    });

    it('is deterministic: two engines given the same inputs hold bit-identical parameters after 5 steps', () => {
      const layout = parameterLayout(SMALL);
      const options = engineOptions(layout, initialTransformerParameters(layout, 20), 16);
      const engines = [createWasmTransformerEngine(options, { simd: build }), createWasmTransformerEngine(options, { simd: build })];
      for (let step = 0; step < 5; step++) {
        const batch = randomBatch(SMALL, 16, 0, 300 + step);
        const losses = engines.map((engine) => {
          const loss = engine.backward(batch);
          engine.clipGradient(1);
          engine.optimizerStep();
          return loss;
        });
        assert.equal(losses[0], losses[1]);
      }
      assert.deepEqual(engines[0].parameters(), engines[1].parameters());
    });
  });
}

/**
 * One head's gradient against the reference's: the slices the head's loss reaches within
 * assertGradientClose's bounds, the others (the other heads' weights and biases) exactly 0.
 */
function assertHeadGradientClose(layout: ParameterLayout, actual: Float32Array, exact: Float64Array, what: string): void {
  for (const slice of layout.slices) {
    const part = exact.subarray(slice.offset, slice.offset + slice.length);
    if (part.every((value) => value === 0)) {
      assert.ok(actual.subarray(slice.offset, slice.offset + slice.length).every((value) => value === 0), `${what} ${slice.name}: not 0`);
      continue;
    }
    assertSliceClose(slice, actual, exact, what);
  }
}

/**
 * μ_x (2·width per pair) against the float64 reference, per pair: relative L2 error ≤ `tolerance`
 * and every element within 10× that of the pair's largest. The same chain of float32 stages as the
 * parameter gradient (the heads' product, final LN, the layers, LN1 of layer 0) with the CE seed
 * replaced by one-hot(y), but per pair: no sum over the batch averages the rounding errors out.
 * Small shapes (products of length ≤ 24): observed ≤ 3.8e−7, bound GRADIENT_TOLERANCE (3e−6).
 * The default shape (products of length 128 and 256, whose classical float32 bound is n·u ≈ 1.5e−5
 * each): observed ≤ 2.6e−6 (relative L2) and 2.8e−6 (element / largest) on 20 pairs, bound
 * INPUT_GRADIENT_DEFAULT_TOLERANCE (1e−5). A wrong row, position or missing path is of the order
 * of μ itself.
 */
function assertInputGradientClose(actual: Float64Array, exact: Float64Array, size: number, width: number, what: string, tolerance = GRADIENT_TOLERANCE): void {
  const span = 2 * width;
  for (let pair = 0; pair < size; pair++) {
    let squaredError = 0, squaredNorm = 0, largest = 0, largestError = 0;
    for (let index = pair * span; index < (pair + 1) * span; index++) {
      const error = actual[index] - exact[index];
      squaredError += error * error;
      squaredNorm += exact[index] * exact[index];
      largest = Math.max(largest, Math.abs(exact[index]));
      largestError = Math.max(largestError, Math.abs(error));
    }
    assert.ok(squaredNorm > 0, `${what} pair ${pair}: μ is zero`);
    const relative = Math.sqrt(squaredError / squaredNorm);
    assert.ok(relative <= tolerance, `${what} pair ${pair}: relative error ${relative}`);
    assert.ok(largestError <= 10 * tolerance * largest, `${what} pair ${pair}: largest error ${largestError} of ${largest}`);
  }
}

for (const build of BUILDS) {
  describe(`wasm Transformer engine (${build} SIMD): one head's gradient and μ_x`, () => {
    it('backward(batch, task) is the reference\'s one-head gradient (2 and 3 tasks); the heads\' gradients add up to the summed one', () => {
      for (const tasks of [2, 3]) {
        const shape = { ...SMALL, tasks };
        const layout = parameterLayout(shape);
        const parameters = perturbedParameters(layout, 30 + tasks);
        const batch = randomBatch(shape, 19, 3, 31);
        const engine = createWasmTransformerEngine(engineOptions(layout, parameters, 24), { simd: build });
        const whole = engine.backward(batch);
        const wholeGradient = engine.gradient().slice();
        const sum = new Float32Array(layout.size);
        let lossSum = 0;
        for (let task = 0; task < tasks; task++) {
          const loss = engine.backward(batch, task);
          const reference = transformerLossAndGradient(layout, parameters, batch, task);
          assert.ok(Math.abs(loss - reference.loss) <= 1e-6 * reference.loss, `${tasks} tasks, head ${task}: loss ${loss} vs ${reference.loss}`);
          assertHeadGradientClose(layout, engine.gradient(), reference.gradient, `${tasks} tasks, head ${task}`);
          engine.gradient().forEach((value, index) => { sum[index] += value; });
          lossSum += loss;
        }
        assert.ok(Math.abs(lossSum - whole) <= 1e-12 * whole, `${tasks} tasks: the heads' losses add up`);
        assertGradientClose(layout, sum, wholeGradient, `${tasks} tasks, Σ heads`);
        assert.throws(() => engine.backward(batch, tasks), /no head/);
      }
    });

    it('correctLogitInputGradients: the reference μ_x on small shapes (1–3 layers, every head, 37 pairs in chunks of 16), the engine\'s state unchanged', () => {
      for (const layers of [1, 2, 3]) {
        const shape = { ...SMALL, layers, tasks: 2 };
        const layout = parameterLayout(shape);
        const options = engineOptions(layout, perturbedParameters(layout, 40 + layers), 16);
        const engine = createWasmTransformerEngine(options, { simd: build });
        const twin = createWasmTransformerEngine(options, { simd: build });
        // Moments and a gradient that are not zero, on both engines.
        for (const each of [engine, twin]) {
          each.backward(randomBatch(shape, 16, 0, 41));
          each.optimizerStep();
          each.backward(randomBatch(shape, 16, 0, 42));
        }
        const parameters = engine.parameters().slice();
        const gradient = engine.gradient().slice();
        const given = perturbedParameters(layout, 50 + layers);
        const pairs = randomBatch(shape, 37, 5, 43);
        for (let task = 0; task < 2; task++) {
          const into = new Float64Array(pairs.size * 2 * shape.width);
          engine.correctLogitInputGradients(given, pairs, task, into);
          assertInputGradientClose(into, transformerCorrectLogitInputGradients(layout, given, pairs, task), pairs.size, shape.width, `${layers} layer(s), head ${task}`);
        }
        assert.deepEqual(engine.parameters(), parameters, 'parameters unchanged');
        assert.deepEqual(engine.gradient(), gradient, 'gradient unchanged');
        // The moments: the next step is bit-identical to the twin's, which never computed μ.
        for (const each of [engine, twin]) {
          each.optimizerStep();
          each.backward(randomBatch(shape, 16, 0, 44));
          each.optimizerStep();
        }
        assert.deepEqual(engine.parameters(), twin.parameters(), 'moments unchanged');
        assert.throws(() => engine.correctLogitInputGradients(given, pairs, 2, new Float64Array(pairs.size * 2 * shape.width)), /no head 2/);
      }
    });

    it('correctLogitInputGradients at the default shape (p = 97, width 128, 4 heads, ff 256), 6 pairs', () => {
      const shape: TransformerShape = { vocabulary: 97, width: 128, heads: 4, feedForward: 256, layers: 2, tasks: 1 };
      const layout = parameterLayout(shape);
      const engine = createWasmTransformerEngine(engineOptions(layout, perturbedParameters(layout, 60), 512), { simd: build });
      const given = perturbedParameters(layout, 61);
      const pairs = randomBatch(shape, 6, 0, 62);
      const into = new Float64Array(pairs.size * 2 * shape.width);
      engine.correctLogitInputGradients(given, pairs, 0, into);
      assertInputGradientClose(into, transformerCorrectLogitInputGradients(layout, given, pairs, 0), pairs.size, shape.width, 'default shape',
        INPUT_GRADIENT_DEFAULT_TOLERANCE);
    });
  });
}

describe('wasm Transformer engine: what it refuses', () => {
  it('throws on shapes it does not lay out, more than one thread, oversized batches and tokens out of range', () => {
    const odd = parameterLayout({ ...SMALL, width: 12, heads: 2 });
    assert.throws(() => createWasmTransformerEngine(engineOptions(odd, initialTransformerParameters(odd, 1), 8)), /multiples of 8/);
    const layout = parameterLayout(SMALL);
    const options = engineOptions(layout, initialTransformerParameters(layout, 1), 8);
    assert.throws(() => createWasmTransformerEngine(options, { threads: 2 }), /one thread only/);
    const engine = createWasmTransformerEngine(options);
    assert.throws(() => engine.backward(randomBatch(SMALL, 9, 0, 1)), /exceeds maxBatch/);
    const batch = randomBatch(SMALL, 4, 0, 1);
    batch.a[2] = SMALL.vocabulary;
    assert.throws(() => engine.backward(batch), /not a residue/);
    assert.throws(() => engine.backward({ ...batch, size: 0 }), /empty batch/);
    engine.dispose();
    assert.throws(() => engine.parameters(), /disposed/);
  });
});
