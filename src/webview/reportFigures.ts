/**
 * How the HTML report draws the dashboard's figures (src/webview/reportPage.ts): per condition the
 * seed median and IQR band with every seed faint underneath, linear epochs, no smoothing, on a light
 * theme that prints well whatever the viewer's theme. Pure, so the report's figures are tested in
 * Node like the dashboard's (test/unit/webviewFigureSnapshots.test.ts).
 */
import type { FigureContext } from './figures';
import type { RunState } from './store';
import { seriesStyles } from './seriesStyles';
import type { ChartTheme } from './theme';
import { chartTheme } from './theme';
import type { DashboardViewState } from './viewState';
import { defaultViewState } from './viewState';

/** The light theme of VS Code's fallbacks (no `--vscode-*` variables here): dark text on white, saturated series colours. */
function reportTheme(): ChartTheme {
  return chartTheme(() => '', 'light');
}

/** The dashboard's view for a report: median and IQR per condition, linear epochs, no smoothing. */
function reportViewState(runs: readonly RunState[]): DashboardViewState {
  return { ...defaultViewState(), runIds: runs.map((run) => run.runId), seedView: 'median' };
}

/** What the report's figures are built from. */
export function reportFigureContext(runs: readonly RunState[]): FigureContext {
  const view = reportViewState(runs);
  const theme = reportTheme();
  return { runs, view, theme, styles: seriesStyles(runs, view, theme) };
}
