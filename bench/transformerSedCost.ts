// The cost of the Transformer's SED evaluation and gradient projection (docs/science.md §12.5–12.6)
// at the defaults (p = 97, width 128, 2 layers, one head; P_attn = 131 072), through the
// TransformerEngine interface: one 512-pair backward (the unit "a step"), one μ_x pass over 1024
// probes, one A(v) (two μ passes), the estimated evaluation (26 directions), and the projection per
// step of each intervention mode. Prints one JSON line of medians in milliseconds.
//
//   npx tsx bench/transformerSedCost.ts [--engine reference] [--repeats 3]
import { median } from '../src/shared/statistics';
import { randomUnitDirection } from '../src/training/diagnostics/sedWindows';
import { RandomStream } from '../src/training/random';
import { transformerDataset } from '../src/training/transformer/data';
import { createTransformerEngine } from '../src/training/transformer/engines';
import { GradientProjection } from '../src/training/transformer/intervention';
import { initialTransformerParameters, parameterGroup, parameterLayout } from '../src/training/transformer/model';
import { drawAllPairs, SED_GRADIENT_BATCH, TransformerDirectionSensitivity } from '../src/training/transformer/sed';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

function timed(repeats: number, run: () => void): number {
  const times: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times) as number;
}

async function main(): Promise<void> {
  const engineName = option('engine', 'reference');
  const repeats = Number(option('repeats', '3'));
  const layout = parameterLayout({ vocabulary: 97, width: 128, heads: 4, feedForward: 256, layers: 2, tasks: 1 });
  const engine = await createTransformerEngine(engineName, {
    layout,
    initial: initialTransformerParameters(layout, 0),
    optimizer: { lr: 1e-3, betas: [0.9, 0.98], eps: 1e-8, weightDecay: 1 },
    maxBatch: 2048,
  });
  const dataset = transformerDataset(['add'], 97, 4704, 0);
  const group = parameterGroup(layout, 'attention');
  const batch = drawAllPairs(dataset, SED_GRADIENT_BATCH, 0, 'gradient-sed-batch');
  const probes = drawAllPairs(dataset, 1024, 0, 'gradient-sed-probes');
  const backward = timed(repeats, () => engine.backward(batch));
  const into = new Float64Array(probes.size * 2 * layout.shape.width);
  const mu = timed(repeats, () => engine.correctLogitInputGradients(engine.parameters(), probes, 0, into));
  const probe = new TransformerDirectionSensitivity(engine, group, probes, 0);
  probe.setParameters(engine.parameters());
  const random = new RandomStream(0, 'bench');
  const direction = timed(repeats, () => probe.sensitivity(randomUnitDirection(random, group.size), 0.1));
  const projection: Record<string, number> = {};
  const gradient = Float32Array.from({ length: layout.size }, () => random.nextGaussian());
  for (const mode of ['removeSed', 'keepSed', 'removeRandom', 'keepRandom'] as const) {
    const projector = new GradientProjection({ config: { mode, window: 20, rank: 3 }, group, seed: 0 });
    for (let step = 0; step < 20; step++) projector.apply(Float32Array.from(gradient, (value) => value + Math.sin(step * value)));
    projection[mode] = timed(Math.max(repeats, 10), () => projector.apply(Float32Array.from(gradient)));
  }
  engine.dispose();
  const evaluation = 26 * direction;
  console.log(
    JSON.stringify({
      engine: engineName,
      backward512Ms: backward,
      muPass1024ProbesMs: mu,
      directionMs: direction,
      evaluationMsEstimate: evaluation,
      evaluationInBackwards: evaluation / backward,
      projectionMsPerStep: projection,
    }),
  );
}

void main();
