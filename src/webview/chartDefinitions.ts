/**
 * The charts of the dashboard (docs/product.md §2.4, "Dashboard"), their titles, axis titles and log-axis
 * rules. Axis titles follow the papers' conventions and say what the symbols are (docs/architecture.md §7:
 * "eigenvalue of the Gram, i.e. squared singular value").
 */
import type { DashboardChart } from '../shared/dashboard/series';
import type { RunTimeUnit } from '../shared/timeUnit';

/** The Plotly charts, in page order (the store's `summary` and `seeds` parts are not charts). */
// Two per row: the curves, the eigengap next to its detector slope, the eigenvalues next to the
// weight norms, repulsion next to the coupling distribution; the spectral edge's four rows span the
// width; the gradient-direction SED (opt-in) and a multitask run's accuracy per operation come last.
export const CHART_IDS = ['accuracy', 'loss', 'gap', 'detectorSlope', 'eigenvalues', 'dynamics', 'repulsion', 'coupling', 'spectralEdge', 'gradientSed', 'operations'] as const satisfies readonly DashboardChart[];
export type ChartId = (typeof CHART_IDS)[number];

/** Whether a chart offers a log-y toggle, and its default. */
export type LogYRule = 'off' | 'on' | 'never';

/** How a chart is shown. */
export interface ChartDefinition {
  id: ChartId;
  /** Card title, also the exported image's title and file name. */
  title: string;
  /** One line under the title: what is drawn and how to read it. */
  description: string;
  /** Log-y toggle: default off, default on, or not offered (values can be ≤ 0 or are small integers). */
  logY: LogYRule;
  /** Whether the x axis is the rows' time, epochs or steps (and follows the log-x toggle); the coupling chart's x is seeds. */
  epochAxis: boolean;
  /** For a diagnostic or chart that experiments switch on: its config key. The report leaves the chart out when no run has data for it. */
  optIn?: string;
}

/**
 * The x-axis title of every time axis, in the runs' unit (src/shared/timeUnit.ts): an MLP's epoch is
 * one full-batch optimiser step; a Transformer's step is one minibatch step; runs of both share one axis.
 */
export function timeAxisTitle(unit: RunTimeUnit): string {
  switch (unit) {
    case 'epoch':
      return 'epoch (optimiser steps)';
    case 'step':
      return 'step (minibatch optimiser steps)';
    case 'mixed':
      return 'epoch (MLP) or step (Transformer)';
    default: {
      const unknown: never = unit;
      return String(unknown);
    }
  }
}

export const CHART_DEFINITIONS: Record<ChartId, ChartDefinition> = {
  accuracy: {
    id: 'accuracy',
    title: 'Accuracy',
    description: 'Train (dashed) and test (solid) accuracy per seed.',
    logY: 'off',
    epochAxis: true,
  },
  loss: {
    id: 'loss',
    title: 'Loss',
    description: 'Train (dashed) and test (solid) loss per seed.',
    logY: 'on',
    epochAxis: true,
  },
  eigenvalues: {
    id: 'eigenvalues',
    title: 'Rolling eigenvalues λ₁…λ₅',
    description: 'Top eigenvalues of the Gram of the last w first-layer updates; dotted lines mark detector fires.',
    logY: 'on',
    epochAxis: true,
  },
  gap: {
    id: 'gap',
    title: 'Eigengap λ₂/λ₃',
    description: 'g(t) = λ₂/λ₃ of the rolling Gram; × marks where the lock-in detector fired.',
    logY: 'on',
    epochAxis: true,
  },
  detectorSlope: {
    id: 'detectorSlope',
    title: 'Detector slope',
    description: 's(t) = [ln g(t) − ln g(t − lag)] / lag; the detector fires at the first evaluation after the warm-up with s(t) above the threshold.',
    logY: 'never',
    epochAxis: true,
  },
  spectralEdge: {
    id: 'spectralEdge',
    title: 'Spectral edge',
    description: 'k* (weighted gap position), R = σ_k*/σ_k*+1, g₂₃ = σ₂² − σ₃² and the adiabatic parameter 𝒜 of the update window.',
    logY: 'off',
    epochAxis: true,
  },
  gradientSed: {
    id: 'gradientSed',
    title: 'Gradient-direction SED (adapted)',
    description:
      'R_k = A(v_k) / median A(random) for the top right singular vectors of the gradient window (full colours) and of the update window (the same colours faded); arXiv 2604.25143 adapted to this MLP (docs/science.md §8).',
    logY: 'on',
    epochAxis: true,
    optIn: 'diagnostics.gradientSed.enabled',
  },
  repulsion: {
    id: 'repulsion',
    title: 'Feature repulsion (Theorem 6)',
    description: 'At each checkpoint: share of the top pairs with B_jl < 0 (solid), sign-match by the exact closed form (dashed) and as published (dotted).',
    logY: 'never',
    epochAxis: true,
  },
  coupling: {
    id: 'coupling',
    title: 'Coupling B_jl distribution',
    description: 'B_jl over the examined pairs at each seed’s latest checkpoint (box: quartiles; whiskers: range).',
    logY: 'never',
    epochAxis: false,
  },
  dynamics: {
    id: 'dynamics',
    title: 'Weight norms',
    description: '‖W‖_F of the first layer (solid) and ‖V‖_F of the second (dashed).',
    logY: 'off',
    epochAxis: true,
  },
  operations: {
    id: 'operations',
    title: 'Accuracy per operation',
    description: 'A multitask Transformer’s test accuracy per operation (head), and its train accuracy in the same colour faded; the Accuracy chart shows the smallest over the heads.',
    logY: 'off',
    epochAxis: true,
    optIn: 'task.operations',
  },
};

/** Whether a chart is drawn with a log-y axis under the user's choices. */
export function isLogY(chart: ChartId, choices: Partial<Record<ChartId, boolean>>): boolean {
  const rule = CHART_DEFINITIONS[chart].logY;
  if (rule === 'never') return false;
  return choices[chart] ?? rule === 'on';
}
