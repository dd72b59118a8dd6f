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
 */
import { withDefaults, type DeepPartial } from './config/defaults';
import type { RunConfig } from './config/types';
import type { ManifestCondition, RunManifest } from './runFormat';

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
