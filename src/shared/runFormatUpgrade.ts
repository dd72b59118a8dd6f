/**
 * Reading older run folders as the current format (docs/run-format.md §10): what an older producer
 * left out of run.json is filled in here, once, when it is read (src/runs/runFolder.ts, readManifest),
 * so that every viewer (the Runs view, the dashboard, the report, the exports) gets a full
 * RunManifest and none of them applies defaults of its own.
 *
 * Format version 1 is the only version so far; its writers added keys over time without a new
 * version (adding a field does not change it, §10). Handled:
 *   - version 1 before `diagnostics.gradientSed` existed (runs recorded before commit 0e687f5):
 *     the block is filled in with its defaults, disabled, which is what its absence meant;
 *   - version 1 as written today: returned as it is;
 *   - any key added later to the schema with a default: filled in the same way, with no change here.
 * A condition's `configHash` is kept as recorded: it identifies the configuration as its producer
 * wrote it, so an older run keeps the hash it was listed under.
 *
 * summary.json is upgraded the same way (upgradeRunSummary, applied by readSummary): a seed written
 * before the grok ≥ 0.98 milestone existed lacks `grokEpoch98`, which is filled in from the seed's
 * rows by the rule the producer applies (src/shared/summary.ts), so the numbers read as if the
 * summary had been written today.
 */
import { withDefaults, type DeepPartial } from './config/defaults';
import type { RunConfig } from './config/types';
import type { EpochRecord, ManifestCondition, RunManifest, RunSummary, SeedSummary } from './runFormat';
import { milestoneEpochs } from './summary';

/** A run.json as an older producer may have written it: a condition's config may lack keys added since. */
export type StoredRunManifest = Omit<RunManifest, 'conditions'> & {
  conditions: (Omit<ManifestCondition, 'config'> & { config: DeepPartial<RunConfig> })[];
};

/**
 * The manifest with every condition's config completed from the defaults of the schema
 * (src/shared/config/defaults.ts, withDefaults); everything else as stored, unknown keys included.
 * Tolerates what a damaged file may hold (no conditions, a condition without a config object): that
 * is left as it is. Pure: returns a new manifest; does not mutate `stored`.
 */
export function upgradeRunManifest(stored: StoredRunManifest): RunManifest {
  if (!Array.isArray(stored.conditions)) return stored as RunManifest;
  return {
    ...stored,
    conditions: stored.conditions.map((condition) => {
      const config: unknown = condition?.config;
      return typeof config === 'object' && config !== null && !Array.isArray(config)
        ? { ...condition, config: withDefaults(condition.config) }
        : (condition as ManifestCondition);
    }),
  };
}

/** A summary.json as an older producer may have written it: a seed may lack `grokEpoch98`. */
export type StoredRunSummary = Omit<RunSummary, 'seeds'> & { seeds: (Omit<SeedSummary, 'grokEpoch98'> & { grokEpoch98?: number | null })[] };

/**
 * The summary with every seed's `grokEpoch98` present: as written, or for a seed that lacks it (a
 * summary written before the milestone existed) the first row of `recordsOf(condition, seed)` with
 * test accuracy ≥ 0.98, or null. `recordsOf` is called only for such seeds. Everything else is kept
 * as stored, in its order; a damaged file (no seed list, a seed that is not an object) is left as it
 * is. Pure: returns a new summary; does not mutate `stored`.
 */
export function upgradeRunSummary(stored: StoredRunSummary, recordsOf: (condition: string, seed: number) => readonly EpochRecord[]): RunSummary {
  if (!Array.isArray(stored.seeds) || stored.seeds.every((seed) => typeof seed !== 'object' || seed === null || seed.grokEpoch98 !== undefined)) return stored as RunSummary;
  return {
    ...stored,
    seeds: stored.seeds.map((seed): SeedSummary => {
      if (typeof seed !== 'object' || seed === null || seed.grokEpoch98 !== undefined) return seed as SeedSummary;
      const grokEpoch98 = milestoneEpochs(recordsOf(seed.condition, seed.seed)).grok98;
      // In the order a producer writes it today: after grokEpoch95.
      const entries: [string, unknown][] = Object.entries(seed);
      const after = entries.findIndex(([key]) => key === 'grokEpoch95');
      entries.splice(after < 0 ? entries.length : after + 1, 0, ['grokEpoch98', grokEpoch98]);
      return Object.fromEntries(entries) as unknown as SeedSummary;
    }),
  };
}
