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
 * `phasesMedianMs` the breakdown, `samplesForm` the same for the n × n (Woodbury) form for
 * comparison, and the load average before and after. `--simd` picks the linalg.wasm build
 * (`relaxed` needs dist/kernels/linalg-relaxed.wasm).
 */
import fs from 'node:fs';
import { makeDataset } from '../src/training/data';
import { repulsionCheckDetailed, type LinalgSimd, type RepulsionDetails, type RepulsionForm } from '../src/training/diagnostics/repulsion';
import { initialParameters } from '../src/training/parameters';

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
const simd = (simdIndex >= 0 ? process.argv[simdIndex + 1] : 'auto') as 'auto' | LinalgSimd;

function loadAverage(): number[] {
  return fs.readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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

/** Runs the check `count` times; wall-clock medians, and the median process CPU time (less sensitive to other tenants). */
function measure(form: RepulsionForm | 'auto', count: number): { runs: RepulsionDetails[]; totalMs: number; cpuMs: number; phasesMedianMs: Record<string, number> } {
  const runs: RepulsionDetails[] = [];
  const cpu: number[] = [];
  for (let repetition = 0; repetition < count; repetition++) {
    const before = process.cpuUsage();
    runs.push(repulsionCheckDetailed(input, { form, simd }));
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  const phasesMedianMs: Record<string, number> = {};
  for (const name of Object.keys(runs[0].phases)) phasesMedianMs[name] = round(median(runs.map((run) => run.phases[name])));
  return { runs, totalMs: round(median(runs.map((run) => run.result.milliseconds))), cpuMs: round(median(cpu)), phasesMedianMs };
}

const loadBefore = loadAverage();
const first = repulsionCheckDetailed(input, { simd });
const chosen = measure('auto', repetitions);
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
  minMs: round(Math.min(...chosen.runs.map((run) => run.result.milliseconds))),
  cpuMedianMs: chosen.cpuMs,
  repetitions,
  phasesMedianMs: chosen.phasesMedianMs,
  gflopsGram: chosen.phasesMedianMs.gram ? round(gramGflop / (chosen.phasesMedianMs.gram / 1e3)) : undefined,
  gflopsCholesky: chosen.phasesMedianMs.cholesky ? round(choleskyGflop / (chosen.phasesMedianMs.cholesky / 1e3)) : undefined,
  firstCallMs: round(first.result.milliseconds),
  firstCallPhasesMs: Object.fromEntries(Object.entries(first.phases).map(([name, value]) => [name, round(value)])),
  [`${other}Form`]: alternative
    ? { medianMs: alternative.totalMs, cpuMedianMs: alternative.cpuMs, repetitions: samplesRepetitions, phasesMedianMs: alternative.phasesMedianMs }
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
