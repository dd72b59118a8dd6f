/**
 * The data the HTML report's charts are drawn from: the run as the dashboard holds it (a
 * `RunSnapshot`, src/shared/protocol/webview.ts), so that the report's page draws it with the
 * dashboard's own figure code (src/webview/figures/ via src/webview/reportPage.ts). Pure.
 *
 * A report is one file, so its data is kept lean: record fields no chart draws are left out, the
 * coupling pair lists are kept for each seed's latest checkpoint only (the only one the coupling
 * chart shows), per-unit Fourier events are left out (no report chart), and a long run's rows are
 * thinned like a dashboard snapshot (min/max buckets on epochs shared by the seeds, spikes kept).
 */
import { decimateAlignedRecords } from '../dashboard/decimate';
import type { RunSnapshot, SeedSnapshot } from '../protocol/webview';
import type { EpochRecord, RunEvent, RepulsionEvent } from '../runFormat';
import type { ReportInput } from './model';
import { lastRowOf } from '../config/modelKind';

/** Version of {@link ReportChartData}. */
export const REPORT_CHART_DATA_VERSION = 1;

/** Id of the `<script type="application/json">` element holding the chart data in the HTML report. */
export const REPORT_DATA_ELEMENT_ID = 'grokking-lab-report-data';

/** What the report page reads. */
export interface ReportChartData {
  chartDataVersion: typeof REPORT_CHART_DATA_VERSION;
  /** The run, as the dashboard's store holds one (one run per report). */
  runs: RunSnapshot[];
}

/**
 * Record fields the dashboard's charts draw (src/webview/figures/: accuracy, loss, eigenvalues,
 * gap, detector slope, spectral edge, weight norms, gradient-direction SED). A field added to a
 * chart must be added here: test/unit/webviewFigures.test.ts checks that every chart drawn from
 * this data equals the chart drawn from the full records.
 */
export const CHARTED_RECORD_FIELDS = [
  'epoch',
  'trainLoss',
  'trainAcc',
  'testLoss',
  'testAcc',
  'eigenvalues',
  'gap23',
  'gapSlope',
  'weightNorm',
  'secondLayerNorm',
  'kStar',
  'edgeRatio',
  'g23',
  'adiabatic',
  'gradientSedRatios',
  'updateSedRatios',
] as const satisfies readonly (keyof EpochRecord)[];

/** Rows over all seeds the report's data carries at most before thinning (as the dashboard's snapshot budget). */
export const REPORT_RECORD_BUDGET = 40_000;
/** A seed keeps at least this many rows. */
export const MINIMUM_REPORT_RECORDS_PER_SEED = 1_000;

function chartedRecord(record: EpochRecord): EpochRecord {
  const kept: Record<string, unknown> = {};
  for (const field of CHARTED_RECORD_FIELDS) {
    if (record[field] !== undefined) kept[field] = record[field];
  }
  return kept as unknown as EpochRecord;
}

/** Events the report's charts use; each seed's pair list only at its latest applicable checkpoint. */
function chartedEvents(events: readonly RunEvent[]): RunEvent[] {
  const latestApplicable = new Map<string, RepulsionEvent>();
  for (const event of events) {
    if (event.type !== 'repulsion' || !event.applicable) continue;
    const key = `${event.condition}\u0000${event.seed}`;
    const previous = latestApplicable.get(key);
    if (!previous || event.epoch >= previous.epoch) latestApplicable.set(key, event);
  }
  const kept = new Set(latestApplicable.values());
  return events.flatMap((event): RunEvent[] => {
    if (event.type === 'fourier') return [];
    if (event.type === 'repulsion' && !kept.has(event) && event.pairList !== undefined) {
      const { pairList: _pairList, ...rest } = event;
      return [rest];
    }
    return [event];
  });
}

/** The chart data of a run. */
export function reportChartData(input: ReportInput, budget = REPORT_RECORD_BUDGET): ReportChartData {
  const perSeed = Math.max(MINIMUM_REPORT_RECORDS_PER_SEED, Math.floor(budget / Math.max(1, input.seeds.length)));
  const thinned = decimateAlignedRecords(
    input.seeds.map((seed) => seed.records),
    perSeed,
  );
  const epochsOf = new Map(input.manifest?.conditions.map((condition) => [condition.name, lastRowOf(condition.config)]) ?? []);
  const seeds = input.seeds.map((seed, index): SeedSnapshot => {
    const records = thinned.records[index].map(chartedRecord);
    return {
      condition: seed.condition,
      seed: seed.seed,
      status: seed.status,
      ...(seed.message !== undefined ? { message: seed.message } : {}),
      epochs: epochsOf.get(seed.condition) ?? seed.records.at(-1)?.epoch ?? 0,
      records,
      ...(records.length < seed.records.length ? { decimation: { sourceRecordCount: seed.records.length, method: 'minMaxBuckets' as const } } : {}),
    };
  });
  return {
    chartDataVersion: REPORT_CHART_DATA_VERSION,
    runs: [{ runId: input.manifest?.runId ?? input.runId, manifest: input.manifest, status: input.status, seeds, events: chartedEvents(input.events), summary: input.summary }],
  };
}
