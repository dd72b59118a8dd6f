/**
 * Words for seed statuses in the seed list: one seed's ("running epoch 120/300", "diverged at epoch
 * 87: loss is NaN") and a group's ("3 running (epoch 120–131 of 300), 1 diverged"), with "step" for
 * a Transformer's seeds (the group's unit, src/shared/timeUnit.ts). Pure.
 */
import type { SeedStatus } from '../shared/runFormat';
import type { DashboardSeed } from './store';
import { plural } from '../shared/text';
import { type RunTimeUnit, timeWords } from '../shared/timeUnit';

/** The order statuses are listed in a group's summary. */
const STATUS_ORDER: readonly SeedStatus[] = ['running', 'queued', 'completed', 'diverged', 'failed', 'cancelled', 'interrupted'];

/** Statuses that need the user's attention: their seeds show their message in the list. */
export const PROBLEM_STATUSES: readonly SeedStatus[] = ['diverged', 'failed', 'cancelled', 'interrupted'];

/** "running epoch 120/300", "completed", "queued", "diverged at epoch 87: loss is NaN"; `unit`: what the seed's rows count. */
export function seedStatusText(seed: DashboardSeed, unit: RunTimeUnit): string {
  const last = seed.records.at(-1)?.epoch;
  const time = timeWords(unit).singular;
  switch (seed.status) {
    case 'running':
      return last !== undefined && seed.epochs > 0 ? `running ${time} ${last}/${seed.epochs}` : 'running';
    case 'queued':
    case 'completed':
      return seed.status;
    case 'diverged':
    case 'failed':
    case 'cancelled':
    case 'interrupted':
      return `${seed.status}${last !== undefined ? ` at ${time} ${last}` : ''}${seed.message ? `: ${seed.message}` : ''}`;
    default: {
      const unknown: never = seed.status;
      return String(unknown);
    }
  }
}

/** A group's statuses in one line: counts per status, with the epoch (or step) range of the running seeds. */
export function groupStatusText(seeds: readonly DashboardSeed[], unit: RunTimeUnit): string {
  if (seeds.length === 0) return 'no seeds';
  const parts = STATUS_ORDER.flatMap((status) => {
    const members = seeds.filter((seed) => seed.status === status);
    if (members.length === 0) return [];
    if (status !== 'running') return [`${members.length} ${status}`];
    const epochs = members.map((seed) => seed.records.at(-1)?.epoch).filter((epoch): epoch is number => epoch !== undefined);
    if (epochs.length === 0) return [`${members.length} running`];
    const low = Math.min(...epochs);
    const high = Math.max(...epochs);
    const planned = Math.max(...members.map((seed) => seed.epochs));
    return [`${members.length} running (${timeWords(unit).singular} ${low === high ? low : `${low}–${high}`}${planned > 0 ? ` of ${planned}` : ''})`];
  });
  return `${plural(seeds.length, 'seed')}: ${parts.join(', ')}`;
}
