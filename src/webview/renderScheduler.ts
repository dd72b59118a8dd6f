/**
 * Decides what the dashboard redraws in each animation frame, so that live appends at ten a second
 * from dozens of seeds never freeze the panel. Pure and timer-free: the caller owns the clock and
 * the frames, and the tests drive it with plain numbers.
 *
 * Rules:
 * - a part is redrawn only when dirty, and a chart only when on screen (or near it): one off
 *   screen stays dirty until it scrolls into view;
 * - at most one chart per frame, so one frame costs one chart's `Plotly.react`;
 * - what the user asked for (a toggle, a theme switch, a new snapshot) is urgent: drawn in the
 *   next frames, charts in page order;
 * - a live change redraws a chart at most every `max(minimumIntervalMs, costFactor × its last
 *   cost)`, so a chart that takes 40 ms to draw uses at most a quarter of the time with the default
 *   factor 4; the most overdue chart goes first;
 * - and live chart redraws together get the same share: after a chart took c ms, no other live
 *   redraw starts before costFactor × c ms from its start. Several charts on screen would otherwise
 *   each take their quarter, and on a loaded machine (where every drawing takes longer) the panel
 *   would starve the workbench that shares its renderer;
 * - cheap parts (run chips, seed list) are drawn in every frame they are dirty; throttled parts
 *   (the summary tables, recomputed from every record) at most every `throttledIntervalMs` unless urgent.
 */

/** How a part is scheduled. */
export type PartKind = 'chart' | 'cheap' | 'throttled';

/** Options of {@link RenderScheduler}. */
export interface RenderSchedulerOptions {
  /** Shortest time between two live redraws of one chart. Default 250 ms. */
  minimumIntervalMs?: number;
  /** A chart's live redraws are at least this many times its last drawing time apart. Default 4. */
  costFactor?: number;
  /** Shortest time between two live redraws of a throttled part. Default 1000 ms. */
  throttledIntervalMs?: number;
}

interface PartState {
  kind: PartKind;
  dirty: boolean;
  urgent: boolean;
  visible: boolean;
  /** When it was last drawn (−∞ before). */
  drawnAt: number;
  /** Milliseconds its last drawing took. */
  cost: number;
  /** When it first became dirty since its last drawing (for "most overdue"). */
  dirtySince: number;
}

/** What to draw in one frame. */
export interface RenderPlan<P extends string> {
  /** Parts to draw now, cheap and throttled ones first, then at most one chart. */
  parts: P[];
  /** When something dirty becomes due, if nothing is due now but something waits (for a timer); undefined when nothing waits. */
  retryAt?: number;
}

export class RenderScheduler<P extends string> {
  private readonly parts = new Map<P, PartState>();
  private readonly minimumIntervalMs: number;
  private readonly costFactor: number;
  private readonly throttledIntervalMs: number;
  /** No live (non-urgent) chart redraw starts before this: the shared budget of all charts. */
  private liveChartsFreeAt = Number.NEGATIVE_INFINITY;

  /** @param parts Every part in page order, with its kind; charts start off screen. */
  constructor(parts: readonly (readonly [P, PartKind])[], options: RenderSchedulerOptions = {}) {
    this.minimumIntervalMs = options.minimumIntervalMs ?? 250;
    this.costFactor = options.costFactor ?? 4;
    this.throttledIntervalMs = options.throttledIntervalMs ?? 1000;
    for (const [part, kind] of parts) {
      this.parts.set(part, { kind, dirty: false, urgent: false, visible: kind !== 'chart', drawnAt: Number.NEGATIVE_INFINITY, cost: 0, dirtySince: 0 });
    }
  }

  /** Marks parts stale; `urgent` for what the user asked for (drawn without throttling). */
  mark(parts: readonly P[], now: number, urgent: boolean): void {
    for (const part of parts) {
      const state = this.state(part);
      if (!state.dirty) state.dirtySince = now;
      state.dirty = true;
      state.urgent ||= urgent;
    }
  }

  /** A chart scrolled into or out of view. */
  setVisible(part: P, visible: boolean): void {
    this.state(part).visible = visible;
  }

  isDirty(part: P): boolean {
    return this.state(part).dirty;
  }

  /** Whether some dirty part could be drawn (now or later): then the caller should keep a frame or timer pending. */
  get hasPendingWork(): boolean {
    return [...this.parts.values()].some((state) => state.dirty && state.visible);
  }

  /** When a dirty, visible part may be drawn. */
  private dueAt(state: PartState): number {
    if (state.urgent) return Number.NEGATIVE_INFINITY;
    switch (state.kind) {
      case 'cheap':
        return Number.NEGATIVE_INFINITY;
      case 'throttled':
        return state.drawnAt + this.throttledIntervalMs;
      case 'chart':
        return Math.max(state.drawnAt + Math.max(this.minimumIntervalMs, this.costFactor * state.cost), this.liveChartsFreeAt);
      default: {
        const unknown: never = state.kind;
        throw new Error(`Unknown part kind ${String(unknown)}`);
      }
    }
  }

  /** The parts to draw at `now` (see the module comment); they stay dirty until {@link done}. */
  plan(now: number): RenderPlan<P> {
    const parts: P[] = [];
    let chart: { part: P; urgent: boolean; overdue: number } | undefined;
    let retryAt = Number.POSITIVE_INFINITY;
    for (const [part, state] of this.parts) {
      if (!state.dirty || !state.visible) continue;
      const due = this.dueAt(state);
      if (due > now) {
        retryAt = Math.min(retryAt, due);
        continue;
      }
      if (state.kind !== 'chart') {
        parts.push(part);
        continue;
      }
      // Urgent charts in page order; otherwise the one dirty for the longest.
      const overdue = now - state.dirtySince;
      if (!chart || (state.urgent && !chart.urgent) || (state.urgent === chart.urgent && !state.urgent && overdue > chart.overdue)) {
        chart = { part, urgent: state.urgent, overdue };
      }
    }
    if (chart) parts.push(chart.part);
    const plan: RenderPlan<P> = { parts };
    if (parts.length === 0 && retryAt !== Number.POSITIVE_INFINITY) plan.retryAt = retryAt;
    return plan;
  }

  /** Records that a part was drawn at `now` in `costMs`. */
  done(part: P, now: number, costMs: number): void {
    const state = this.state(part);
    state.dirty = false;
    state.urgent = false;
    state.drawnAt = now;
    state.cost = costMs;
    if (state.kind === 'chart') this.liveChartsFreeAt = Math.max(this.liveChartsFreeAt, now + this.costFactor * costMs);
  }

  private state(part: P): PartState {
    const state = this.parts.get(part);
    if (!state) throw new Error(`Unknown dashboard part ${part}`);
    return state;
  }
}
