/**
 * A Transformer run folder written the way a producer and its workers write one, through the run
 * folder's own writers (src/runs/runFolder.ts): run.json, rows keyed `step` on disk (recordRow), status
 * files, events, and summary.json from the producer's summary (src/producer/runLaunch.ts). The CLI
 * cannot train a Transformer yet (its wasm engine is on another branch), so the tests of what users
 * see of such runs (the report, the summary table, the dashboard) read this folder.
 *
 * Every number is set by the rules below, so the expected values can be worked out by hand:
 * - two conditions × seeds 0, 1; rows at steps 0, 100, …, 3000 (evaluation every 100 steps);
 * - `multi` has two heads (add, subtract), its rows carry `operations`, and a row's accuracies are the
 *   smaller head's; `single` has one head (add) and no `operations`;
 * - each head's test accuracy steps 0.1 → 0.6 → 0.96 → 0.985 → 1 at its four steps (HEADS), so the
 *   first steps at ≥ 0.5, 0.95, 0.98, 0.99 are those four;
 * - train accuracy is 1 from step 300 (multi) or 200 (single): memorisation;
 * - λ₂/λ₃ is 2 until the condition's jump (multi 1200, single 700) and 20 from it; the slope over the
 *   lag (500 steps = 5 snapshot intervals) is [ln g(t) − ln g(t − 500)] / 5 from step 800, so it first
 *   exceeds 0.04 at the jump, and the detector (warm-up 1000) fires at 1200 (multi) and 1000 (single);
 * - the late stage is steps 2000–3000, where λ₂/λ₃ = 20.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withDefaults } from '../../src/shared/config/defaults';
import type { TransformerRunConfig } from '../../src/shared/config/types';
import type { EpochRecord, ManifestCondition, OperationMetrics, RunEvent, RunManifest } from '../../src/shared/runFormat';
import { LineAppender, RUN_EVENTS, recordRow, seedAssignmentPath, seedRecordsPath, writeJsonAtomic, writeManifest, writeSeedStatus } from '../../src/runs/runFolder';
import { writeRunSummary } from '../../src/producer/runLaunch';

export const TRANSFORMER_RUN_ID = '2026-02-03T04-05-06Z-beef';
export const TRANSFORMER_STEPS = 3000;

/** Per condition and seed: each head's four steps (test accuracy ≥ 0.5, 0.95, 0.98, 0.99). */
export const HEADS: Record<string, Record<number, Record<string, [number, number, number, number]>>> = {
  multi: {
    0: { add: [500, 800, 1000, 1200], subtract: [900, 1300, 1600, 1900] },
    1: { add: [500, 800, 1000, 1200], subtract: [1100, 1500, 1800, 2100] },
  },
  single: {
    0: { add: [500, 800, 1000, 1200] },
    1: { add: [600, 900, 1100, 1300] },
  },
};
const MEMORIZED: Record<string, number> = { multi: 300, single: 200 };
const JUMP: Record<string, number> = { multi: 1200, single: 700 };

function config(operations: TransformerRunConfig['task']['operations']): TransformerRunConfig {
  return withDefaults({
    model: { kind: 'transformer' },
    task: { operations },
    steps: TRANSFORMER_STEPS,
    diagnostics: { eigengap: { window: 10, detector: { lag: 500, threshold: 0.04, warmup: 1000 }, lateStage: [2000, 3000] } },
  });
}

function headAccuracy(steps: [number, number, number, number], step: number): number {
  const [at50, at95, at98, at99] = steps;
  if (step >= at99) return 1;
  if (step >= at98) return 0.985;
  if (step >= at95) return 0.96;
  if (step >= at50) return 0.6;
  return 0.1;
}

function gapAt(condition: string, step: number): number {
  return step >= JUMP[condition] ? 20 : 2;
}

/** The row a worker would record at `step`. */
export function transformerRecord(condition: string, seed: number, step: number): EpochRecord {
  const heads = HEADS[condition][seed];
  const trainAcc = step >= MEMORIZED[condition] ? 1 : 0.5;
  const operations: OperationMetrics[] = Object.entries(heads).map(([operation, steps]) => {
    const testAcc = headAccuracy(steps, step);
    return { operation, trainLoss: 1 - trainAcc + 0.01, trainAcc, testLoss: 2 - testAcc, testAcc };
  });
  const row: EpochRecord = {
    epoch: step,
    trainLoss: operations.reduce((sum, head) => sum + head.trainLoss, 0),
    trainAcc,
    testLoss: operations.reduce((sum, head) => sum + head.testLoss, 0),
    testAcc: Math.min(...operations.map((head) => head.testAcc)),
    weightNorm: 30 + step / 1000,
  };
  // Three snapshots (one every 100 steps) from step 300: the rolling spectrum starts there.
  if (step >= 300) {
    const gap = gapAt(condition, step);
    row.eigenvalues = [4 * gap, gap, 1, 0.5, 0.25];
    row.gap23 = gap;
    if (step >= 800) row.gapSlope = (Math.log(gap) - Math.log(gapAt(condition, step - 500))) / 5;
  }
  if (operations.length > 1) row.operations = operations;
  row.milliseconds = 40;
  return row;
}

/**
 * Writes the run under `<parent>/tritask/<run id>` and returns its folder. `manifest: false` leaves
 * run.json out (a producer killed early) and writes the seeds' assignment files instead; `summary:
 * false` leaves summary.json out (a run still running, or one that ended without it).
 */
export function writeTransformerRun(parent: string, options: { manifest?: boolean; summary?: boolean } = {}): string {
  const directory = path.join(parent, 'tritask', TRANSFORMER_RUN_ID);
  fs.mkdirSync(directory, { recursive: true });
  const conditions: ManifestCondition[] = [
    { name: 'multi', configHash: 'a'.repeat(64), config: config(['add', 'subtract']) },
    { name: 'single', configHash: 'b'.repeat(64), config: config(['add']) },
  ];
  const seeds = [0, 1];
  const startTime = '2026-02-03T04:05:06.000Z';
  const manifest: RunManifest = {
    formatVersion: 1,
    runId: TRANSFORMER_RUN_ID,
    experiment: 'tritask',
    description: 'Hand-made Transformer run for the view tests',
    file: 'examples/tritask.grok.yaml',
    seeds,
    conditions,
    configHash: 'c'.repeat(64),
    engine: { name: 'wasm', threads: 1 },
    versions: { grokkingLab: '0.1.0', node: 'v20.19.0' },
    startTime,
    endTime: '2026-02-03T05:00:00.000Z',
    status: 'completed',
    producer: 'cli',
    host: 'fixture-host',
  };
  if (options.manifest !== false) writeManifest(directory, manifest);
  const events = new LineAppender(path.join(directory, RUN_EVENTS));
  for (const condition of conditions) {
    for (const seed of seeds) {
      if (options.manifest === false) {
        writeJsonAtomic(seedAssignmentPath(directory, condition.name, seed), { runId: TRANSFORMER_RUN_ID, runDirectory: directory, condition: condition.name, seed, config: condition.config });
      }
      const rows = new LineAppender(seedRecordsPath(directory, condition.name, seed));
      const reached = new Set<string>();
      let fired = false;
      for (let step = 0; step <= TRANSFORMER_STEPS; step += 100) {
        const record = transformerRecord(condition.name, seed, step);
        rows.appendJson(recordRow(record, 'step'));
        const base = { condition: condition.name, seed, epoch: step, time: startTime };
        const milestones: [string, boolean][] = [
          ['memorized', record.trainAcc >= 1],
          ['grok50', record.testAcc >= 0.5],
          ['grok95', record.testAcc >= 0.95],
          ['grok98', record.testAcc >= 0.98],
          ['grok99', record.testAcc >= 0.99],
        ];
        for (const [milestone, holds] of milestones) {
          if (holds && !reached.has(milestone)) {
            reached.add(milestone);
            events.appendJson({ type: 'milestone', ...base, milestone } as RunEvent);
          }
        }
        if (!fired && step >= 1000 && record.gapSlope !== undefined && record.gapSlope > 0.04 && record.gap23 !== undefined) {
          fired = true;
          events.appendJson({ type: 'detectorFired', ...base, gap23: record.gap23, gapSlope: record.gapSlope } satisfies RunEvent);
        }
      }
      rows.close();
      events.appendJson({ type: 'seedFinished', condition: condition.name, seed, epoch: TRANSFORMER_STEPS, time: startTime, status: 'completed' } satisfies RunEvent);
      writeSeedStatus(directory, { condition: condition.name, seed, status: 'completed', lastEpoch: TRANSFORMER_STEPS, epochs: TRANSFORMER_STEPS, startTime, endTime: manifest.endTime, pid: 4242, host: 'fixture-host' });
    }
  }
  events.close();
  if (options.manifest !== false && options.summary !== false) writeRunSummary(directory, manifest);
  return directory;
}
