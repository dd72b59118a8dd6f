/**
 * Times the Theorem-6 feature-repulsion check (docs/science.md §6) at one checkpoint of the default
 * workload: K = 2048 hidden units, n = 2016 training pairs, η = 2e-4, 200 pairs, on the activations
 * of the initial model, F = (Wᵀ[a] + Wᵀ[M + b])² with W ~ U(±1/√142) (seed 0).
 *
 *   npx tsx bench/theorem6.ts [--hidden K] [--repetitions R] [--samples-repetitions S] [--simd auto|plain|relaxed]
 *
 * Prints one JSON line: `totalMs` is the median wall-clock time of the check in the form chosen by
 * default (after one untimed first call, reported as `firstCallMs`: it includes compiling linalg.wasm
 * and running its first calls unoptimised), `cpuMedianMs` the median CPU time of the process,
 * `samplesForm` the same for the n × n (Woodbury) form for comparison, and the load average before
 * and after. Every time is taken here, around a call: the check returns numbers only. For a
 * breakdown, `kernelsMedianMs` times the two dominant operations of the `features` form on their
 * own, through the driver's whole-matrix calls (src/training/diagnostics/linalgKernels.ts): the
 * K × K Gram of F̃ (`gram`, with its copy out) and the Cholesky factorisation of F̃ᵀF̃ + ηI
 * (`cholesky`, with its copies), and their GFLOP/s. `--simd` picks the linalg.wasm build
 * (`relaxed` needs dist/kernels/linalg-relaxed.wasm).
 */
import fs from 'node:fs';
import { makeDataset } from '../src/training/data';
import { linalgKernels } from '../src/training/diagnostics/linalgKernels';
import { repulsionCheckDetailed, type RepulsionDetails, type RepulsionForm } from '../src/training/diagnostics/repulsion';
import { initialParameters } from '../src/training/parameters';
import type { SimdChoice } from '../src/training/wasmKernels';
import { median } from './support';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const modulus = 71;
const units = option('hidden', 2048);
const samples = 2016;
const weightDecay = 2e-4;
const pairs = 200;
const repetitions = option('repetitions', 5);
const samplesRepetitions = option('samples-repetitions', 2);
const simdIndex = process.argv.indexOf('--simd');
const simd = (simdIndex >= 0 ? process.argv[simdIndex + 1] : 'auto') as SimdChoice;

function loadAverage(): number[] {
  return fs.readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

const dataset = makeDataset('add', modulus, samples, 0);
const { firstLayerTransposed } = initialParameters(modulus, units, 0);
const hidden = new Float32Array(samples * units);
for (let i = 0; i < samples; i++) {
  const a = dataset.train.a[i] * units;
  const b = (modulus + dataset.train.b[i]) * units;
  for (let unit = 0; unit < units; unit++) {
    const z = firstLayerTransposed[a + unit] + firstLayerTransposed[b + unit];
    hidden[i * units + unit] = z * z;
  }
}
const input = { hidden, samples, units, weightDecay, pairs };

/** Wall-clock milliseconds of `work()`, timed around the call. */
function timed<T>(work: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = work();
  return { value, ms: performance.now() - start };
}

/** Runs the check `count` times; wall-clock medians, and the median process CPU time (less sensitive to other tenants). */
function measure(form: RepulsionForm | 'auto', count: number): { runs: RepulsionDetails[]; wall: number[]; totalMs: number; cpuMs: number } {
  const runs: RepulsionDetails[] = [];
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let repetition = 0; repetition < count; repetition++) {
    const before = process.cpuUsage();
    const { value, ms } = timed(() => repulsionCheckDetailed(input, { form, simd }));
    const used = process.cpuUsage(before);
    runs.push(value);
    wall.push(ms);
    cpu.push((used.user + used.system) / 1000);
  }
  return { runs, wall, totalMs: round(median(wall)), cpuMs: round(median(cpu)) };
}

/** The features form's two dominant operations, each timed around its own call (median of `count`). */
function measureKernels(count: number): { gram: number; cholesky: number } {
  const kernels = linalgKernels(simd);
  const gramTimes: number[] = [];
  const choleskyTimes: number[] = [];
  for (let repetition = 0; repetition < count; repetition++) {
    const gram = timed(() => kernels.centredGram(hidden, samples, units, 'columns'));
    gramTimes.push(gram.ms);
    for (let unit = 0; unit < units; unit++) gram.value[unit * units + unit] += weightDecay;
    const factor = timed(() => kernels.cholesky(gram.value, units));
    if (!('factor' in factor.value)) throw new Error('the Cholesky factorisation of F̃ᵀF̃ + ηI failed');
    choleskyTimes.push(factor.ms);
  }
  return { gram: round(median(gramTimes)), cholesky: round(median(choleskyTimes)) };
}

const loadBefore = loadAverage();
const first = timed(() => repulsionCheckDetailed(input, { simd }));
const chosen = measure('auto', repetitions);
const kernelsMedianMs = measureKernels(Math.min(repetitions, 3));
const other: RepulsionForm = chosen.runs[0].form === 'features' ? 'samples' : 'features';
const alternative = samplesRepetitions > 0 ? measure(other, samplesRepetitions) : undefined;
const loadAfter = loadAverage();
const result = chosen.runs[0].result;
const gramGflop = (units * units * samples) / 1e9;
const choleskyGflop = units ** 3 / 3 / 1e9;

console.log(JSON.stringify({
  benchmark: 'theorem6-check',
  units,
  samples,
  pairs,
  weightDecay,
  implementation: chosen.runs[0].implementation,
  simd: chosen.runs[0].simd,
  form: chosen.runs[0].form,
  totalMs: chosen.totalMs,
  minMs: round(Math.min(...chosen.wall)),
  cpuMedianMs: chosen.cpuMs,
  repetitions,
  kernelsMedianMs,
  gflopsGram: round(gramGflop / (kernelsMedianMs.gram / 1e3)),
  gflopsCholesky: round(choleskyGflop / (kernelsMedianMs.cholesky / 1e3)),
  firstCallMs: round(first.ms),
  [`${other}Form`]: alternative
    ? { medianMs: alternative.totalMs, cpuMedianMs: alternative.cpuMs, repetitions: samplesRepetitions }
    : undefined,
  check: {
    fractionNegative: result.fractionNegative,
    fractionNegativePositiveCos: result.fractionNegativePositiveCos,
    signMatch: result.signMatch,
    publishedSignMatch: result.publishedSignMatch,
    diagonality: result.diagonality,
    sameAsOtherForm: alternative
      ? alternative.runs[0].result.fractionNegative === result.fractionNegative && alternative.runs[0].result.signMatch === result.signMatch
      : undefined,
  },
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadAfter,
  node: process.version,
}));
