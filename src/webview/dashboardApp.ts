/**
 * The dashboard webview: holds the store (src/webview/store.ts) fed by the host's
 * messages, the persisted view state and the theme, and redraws what is stale.
 *
 * Rendering: every change marks parts dirty (the store says which charts a message touched; a
 * toggle marks the charts it affects; a theme switch marks every chart), and animation frames
 * redraw them under the rules of renderScheduler.ts: only charts on screen (or near it), at most
 * one chart per frame, live redraws of a chart spaced by its cost, what the user asked for first.
 * Each redraw is a `Plotly.react` of a figure whose seeds are merged into few traces (figures/traces.ts).
 * Each frame's work is measured as the performance entry `grokking-lab:render` (and each part as
 * `grokking-lab:render:<part>`).
 */
import type { HostToWebviewMessage, LogLevel, SeedFocus } from '../shared/protocol/webview';
import { WEBVIEW_PROTOCOL_VERSION, isHostMessage } from '../shared/protocol/webview';
import type { DashboardChange } from './store';
import { DashboardStore } from './store';
import { summaryTables } from '../shared/dashboard/summaryTable';
import type { ChartId } from './chartDefinitions';
import { CHART_DEFINITIONS, CHART_IDS } from './chartDefinitions';
import { ChartCard } from './chartCard';
import { element } from './dom';
import type { ImageFormat } from './exportFile';
import { conditionTableCsv, exportFileName, imageSaveMessage, seedTableCsv } from './exportFile';
import type { FigureContext } from './figures';
import { buildFigure, exportFigure } from './figures';
import type { Plotly } from './plotlyRuntime';
import { SeedList } from './seedList';
import type { SeriesStyles } from './seriesStyles';
import { seriesStyles } from './seriesStyles';
import { SummaryView } from './summaryView';
import type { ChartTheme } from './theme';
import { observeThemeChanges, readDocumentTheme } from './themeObserver';
import { RenderScheduler } from './renderScheduler';
import { Toolbar } from './toolbar';
import type { DashboardViewState } from './viewState';
import { parseViewState, seedToggleKey, withRuns, withSeedShown } from './viewState';
import type { DashboardHostApi } from './vscodeApi';

/** Parts of the page redrawn separately. */
type Part = ChartId | 'toolbar' | 'seeds' | 'summary';

/** Name of the performance measure of one render pass. */
const RENDER_MEASURE = 'grokking-lab:render';

export class DashboardApp {
  private readonly store = new DashboardStore();
  private view: DashboardViewState;
  private theme: ChartTheme;
  private focus?: SeedFocus;
  private readonly cards = new Map<ChartId, ChartCard>();
  private readonly toolbar: Toolbar;
  private readonly seedList: SeedList;
  private readonly summary: SummaryView;
  private readonly banner: HTMLElement;
  private readonly scheduler = new RenderScheduler<Part>([
    ['toolbar', 'cheap'],
    ['seeds', 'cheap'],
    ['summary', 'throttled'],
    ...CHART_IDS.map((chart) => [chart, 'chart'] as const),
  ]);
  private frame: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private rendering = false;
  private revision = 0;

  constructor(
    root: HTMLElement,
    private readonly api: DashboardHostApi,
    private readonly plotly: Plotly | undefined,
  ) {
    this.view = parseViewState(api.getState());
    this.theme = readDocumentTheme();
    this.toolbar = new Toolbar({
      setSeedView: (seedView) => this.updateView({ ...this.view, seedView }, [...CHART_IDS, 'seeds']),
      setSmoothing: (smoothing) => this.updateView({ ...this.view, smoothing }, CHART_IDS),
      setLogX: (logX) => this.updateView({ ...this.view, logX }, CHART_IDS),
      openRunFolder: (runId) => this.api.postMessage({ type: 'openRunFolder', runId }),
      showOnly: (runId) => this.api.postMessage({ type: 'requestRun', runId }),
      remove: (runId) => this.removeRun(runId),
    });
    this.seedList = new SeedList({
      setSeedsShown: (keys, shown) => this.updateView(keys.reduce((view, key) => withSeedShown(view, key, shown), this.view), [...CHART_IDS, 'seeds']),
    });
    this.summary = new SummaryView({ exportCsv: (table) => this.exportCsv(table) });
    this.banner = element('div', { className: 'banner', attributes: { role: 'alert', hidden: true } });
    const charts = element('div', { className: 'charts' });
    for (const chart of CHART_IDS) {
      const card = new ChartCard(CHART_DEFINITIONS[chart], {
        setLogY: (id, logY) => this.updateView({ ...this.view, logY: { ...this.view.logY, [id]: logY } }, [id]),
        setCouplingNormalized: (couplingNormalized) => this.updateView({ ...this.view, couplingNormalized }, ['coupling']),
        exportImage: (id, format) => void this.exportImage(id, format),
      });
      card.root.dataset.chart = chart;
      this.cards.set(chart, card);
      charts.append(card.root);
    }
    root.replaceChildren(element('div', { className: 'dashboard' }, [this.toolbar.root, this.banner, this.seedList.root, charts, this.summary.root]));
  }

  /** Wires messages, theme and visibility, then says `ready` (the host sends nothing before). */
  start(): void {
    if (!this.plotly) {
      this.showBanner('Plotly did not load, so no chart can be drawn. Reload the window; if it persists, reinstall the extension.');
      this.log('error', 'window.Plotly is missing: dist/plotly.min.js did not load.');
    }
    this.store.onDidChange((change) => this.onStoreChange(change));
    window.addEventListener('message', (event: MessageEvent<unknown>) => this.onMessage(event.data));
    window.addEventListener('error', (event) => this.log('error', `Uncaught error: ${event.message}`));
    window.addEventListener('unhandledrejection', (event) => this.log('error', `Unhandled rejection: ${String(event.reason)}`));
    observeThemeChanges(() => {
      this.theme = readDocumentTheme();
      this.markDirty([...CHART_IDS, 'seeds'], true);
    });
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) this.scheduler.setVisible((entry.target as HTMLElement).dataset.chart as ChartId, entry.isIntersecting);
        this.scheduleRender();
      },
      { rootMargin: '200px 0px' },
    );
    for (const card of this.cards.values()) observer.observe(card.root);
    this.toolbar.sync(this.view);
    for (const card of this.cards.values()) card.sync(this.view);
    this.markDirty(['toolbar', 'seeds', 'summary', ...CHART_IDS], true);
    this.api.postMessage({ type: 'ready', protocolVersion: WEBVIEW_PROTOCOL_VERSION, ...(this.view.runIds.length > 0 ? { runIds: this.view.runIds } : {}) });
  }

  private onMessage(data: unknown): void {
    if (!isHostMessage(data)) {
      this.log('warn', `Ignored a malformed message from the host (${typeof data === 'object' && data !== null && 'type' in data ? String((data as { type: unknown }).type) : typeof data}).`);
      return;
    }
    this.apply(data);
  }

  private apply(message: HostToWebviewMessage): void {
    if (message.type === 'snapshot') {
      if (message.protocolVersion !== WEBVIEW_PROTOCOL_VERSION) {
        this.showBanner(`This dashboard (protocol ${WEBVIEW_PROTOCOL_VERSION}) and the extension (protocol ${message.protocolVersion}) differ: reload the window.`);
        this.log('warn', `Protocol mismatch: webview ${WEBVIEW_PROTOCOL_VERSION}, host ${message.protocolVersion}.`);
      }
      this.focus = message.focus;
      let view = withRuns(this.view, message.runs.map((run) => run.runId));
      if (message.focus) view = withSeedShown(view, seedToggleKey(message.focus.runId, message.focus.condition, message.focus.seed), true);
      this.view = view;
      this.api.setState(this.view);
    }
    this.store.applyMessage(message);
  }

  private onStoreChange(change: DashboardChange): void {
    const parts: Part[] = [];
    for (const chart of change.charts) {
      if (chart === 'summary') parts.push('summary');
      else if (chart === 'seeds') parts.push('seeds', 'toolbar');
      else if ((CHART_IDS as readonly string[]).includes(chart)) parts.push(chart as ChartId);
    }
    // A new set of runs is drawn at once; live changes of the same runs are throttled.
    if (change.runsChanged) this.markDirty(['toolbar', 'seeds', 'summary', ...CHART_IDS], true);
    else this.markDirty(parts, false);
  }

  private updateView(view: DashboardViewState, parts: readonly Part[]): void {
    this.view = view;
    this.api.setState(view);
    this.toolbar.sync(view);
    for (const card of this.cards.values()) card.sync(view);
    this.markDirty(parts, true);
  }

  private removeRun(runId: string): void {
    const others = this.store.runs.map((run) => run.runId).filter((id) => id !== runId);
    if (others.length >= 2) this.api.postMessage({ type: 'selectRuns', runIds: others });
    else if (others.length === 1) this.api.postMessage({ type: 'requestRun', runId: others[0] });
  }

  private markDirty(parts: readonly Part[], urgent: boolean): void {
    this.scheduler.mark(parts, performance.now(), urgent);
    this.scheduleRender();
  }

  private scheduleRender(): void {
    if (this.frame !== undefined || this.rendering) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      void this.render();
    });
  }

  private figureContext(styles: SeriesStyles): FigureContext {
    return { runs: this.store.runs, view: this.view, theme: this.theme, styles };
  }

  /** Draws what the scheduler says is due (one frame's work). */
  private async render(): Promise<void> {
    this.rendering = true;
    const start = performance.now();
    const plan = this.scheduler.plan(start);
    try {
      if (plan.parts.length > 0) {
        const styles = seriesStyles(this.store.runs, this.view, this.theme, this.focus);
        for (const part of plan.parts) {
          const partStart = performance.now();
          await this.draw(part, styles);
          const partEnd = performance.now();
          this.scheduler.done(part, partStart, partEnd - partStart);
          performance.measure(`${RENDER_MEASURE}:${part}`, { start: partStart, end: partEnd });
        }
        performance.measure(RENDER_MEASURE, { start, end: performance.now(), detail: plan.parts });
      }
    } catch (error) {
      // Marked done above or not: a part that throws is not retried in a loop; the next change redraws it.
      for (const part of plan.parts) this.scheduler.done(part, start, 0);
      this.log('error', `Rendering failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      this.rendering = false;
      document.body.dataset.renderRevision = String(this.revision);
    }
    if (plan.parts.length > 0) {
      if (this.scheduler.hasPendingWork) this.scheduleRender();
    } else if (plan.retryAt !== undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.scheduleRender();
      }, Math.max(0, plan.retryAt - performance.now()));
    }
  }

  private async draw(part: Part, styles: SeriesStyles): Promise<void> {
    switch (part) {
      case 'toolbar':
        this.toolbar.renderRuns(this.store.runs, styles.runLabels);
        return;
      case 'seeds':
        this.seedList.render(styles);
        return;
      case 'summary':
        this.summary.render(this.store.runs.map((run) => summaryTables(run)), styles.runLabels);
        return;
      default: {
        if (!this.plotly) return;
        this.revision++;
        await (this.cards.get(part) as ChartCard).render(this.plotly, buildFigure(part, this.figureContext(styles)), this.revision);
      }
    }
  }

  /** The label of the runs shown, for exported file names and image titles. */
  private runsLabel(styles: SeriesStyles): string {
    return this.store.runs.map((run) => styles.runLabels.get(run.runId) ?? run.runId).join(' vs ') || 'no run';
  }

  private async exportImage(chart: ChartId, format: ImageFormat): Promise<void> {
    if (!this.plotly) return;
    try {
      const styles = seriesStyles(this.store.runs, this.view, this.theme, this.focus);
      const label = this.runsLabel(styles);
      const figure = exportFigure(chart, buildFigure(chart, this.figureContext(styles)), label);
      const card = this.cards.get(chart) as ChartCard;
      const box = card.plot.getBoundingClientRect();
      const width = Math.max(720, Math.round(box.width));
      const height = Math.max(420, Math.round(box.height) + 40);
      const dataUrl = await this.plotly.toImage({ data: figure.data, layout: figure.layout }, { format, width, height, scale: format === 'png' ? 2 : 1 });
      this.api.postMessage(imageSaveMessage(dataUrl, exportFileName([label, CHART_DEFINITIONS[chart].title], format)));
    } catch (error) {
      this.log('error', `Export of ${chart} as ${format.toUpperCase()} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private exportCsv(table: 'seeds' | 'conditions'): void {
    const tables = this.store.runs.map((run) => summaryTables(run));
    const styles = seriesStyles(this.store.runs, this.view, this.theme, this.focus);
    const text = table === 'seeds' ? seedTableCsv(tables) : conditionTableCsv(tables);
    this.api.postMessage({ type: 'saveFile', fileName: exportFileName([this.runsLabel(styles), table === 'seeds' ? 'summary per seed' : 'summary per condition'], 'csv'), mime: 'text/csv', text });
  }

  private showBanner(text: string): void {
    this.banner.textContent = text;
    this.banner.hidden = false;
  }

  private log(level: LogLevel, message: string): void {
    this.api.postMessage({ type: 'log', level, message });
  }
}
