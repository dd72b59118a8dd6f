/**
 * Entry of the HTML report's page (bundled by esbuild to dist/report.js, browser/iife, and inlined
 * into the report by src/shared/report/html.ts after Plotly). Draws the dashboard's charts with the
 * dashboard's own figure code (figures/) from the run data inlined in the page, so a chart of the
 * report is the chart of the dashboard: per condition the seed median and IQR band, every seed faint
 * underneath, conditions on shared axes; a light theme that prints well, whatever the viewer's theme
 * (reportFigures.ts).
 *
 * When done, `document.body.dataset.charts` is `drawn` (or `failed`), for tests and print scripts.
 */
import type { Config } from 'plotly.js-dist-min';
import type { ReportChartData } from '../shared/report/chartData';
import { REPORT_CHART_DATA_VERSION, REPORT_DATA_ELEMENT_ID } from '../shared/report/chartData';
import type { RunState } from './store';
import { CHART_DEFINITIONS, CHART_IDS } from './chartDefinitions';
import { element } from './dom';
import { buildFigure } from './figures';
import type { Plotly } from './plotlyRuntime';
import { plotlyRuntime } from './plotlyRuntime';
import { reportFigureContext } from './reportFigures';

/** Plotly's options in the report: its own PNG download works in a browser (unlike in a webview). */
const REPORT_PLOT_CONFIG: Partial<Config> = {
  responsive: true,
  displaylogo: false,
  displayModeBar: 'hover',
  modeBarButtonsToRemove: ['select2d', 'lasso2d'],
  scrollZoom: false,
};

function readChartData(): ReportChartData {
  const text = document.getElementById(REPORT_DATA_ELEMENT_ID)?.textContent;
  if (!text) throw new Error('the report holds no chart data');
  const data = JSON.parse(text) as ReportChartData;
  if (data.chartDataVersion !== REPORT_CHART_DATA_VERSION) throw new Error(`chart data version ${String(data.chartDataVersion)} is not ${REPORT_CHART_DATA_VERSION}`);
  return data;
}

async function drawCharts(container: HTMLElement, plotly: Plotly): Promise<HTMLElement[]> {
  const runs: RunState[] = readChartData().runs;
  const context = reportFigureContext(runs);
  const plots: HTMLElement[] = [];
  for (const chart of CHART_IDS) {
    const definition = CHART_DEFINITIONS[chart];
    const figure = buildFigure(chart, context);
    // A diagnostic no run of the report switched on would be an empty card: left out.
    if (definition.optIn !== undefined && !figure.hasData) continue;
    const plot = element('div', { className: 'plot', attributes: { role: 'img', 'aria-label': definition.title } });
    const card = element('section', { className: `chart-card chart-${chart}`, attributes: { 'data-chart': chart, 'data-has-data': String(figure.hasData) } }, [
      element('h3', { text: definition.title }),
      element('p', { className: 'chart-description', text: definition.description }),
      plot,
      element(
        'div',
        { className: 'chart-notes' },
        figure.notes.map((note) => element('p', { text: note })),
      ),
    ]);
    container.append(card);
    await plotly.newPlot(plot, figure.data, figure.layout, REPORT_PLOT_CONFIG);
    plots.push(plot);
  }
  return plots;
}

async function main(): Promise<void> {
  const container = document.getElementById('charts');
  if (!container) return;
  const plotly = plotlyRuntime();
  try {
    if (!plotly) throw new Error('Plotly did not load');
    const plots = await drawCharts(container, plotly);
    // Printing changes the page's width without a window resize: fit the charts to it and back.
    const resize = () => plots.forEach((plot) => void plotly.Plots.resize(plot));
    window.addEventListener('beforeprint', resize);
    window.addEventListener('afterprint', resize);
    document.body.dataset.charts = 'drawn';
  } catch (error) {
    container.append(element('p', { className: 'chart-error', text: `The charts could not be drawn: ${(error as Error).message}.` }));
    document.body.dataset.charts = 'failed';
  }
}

void main();
