/**
 * The self-contained HTML report: one file that opens offline in any browser and prints well. It
 * inlines everything: the tables (rendered here), the chart data (JSON), Plotly
 * (dist/plotly.min.js) and the page script that draws the dashboard's charts from the data
 * (dist/report.js, built from src/webview/reportPage.ts). Its Content Security Policy allows no
 * network request at all (`default-src 'none'`), so it cannot fetch anything.
 *
 * Everything inlined is escaped for where it goes: text and attributes as HTML; the JSON with
 * `<`, `>`, `&`, U+2028 and U+2029 as \u escapes (so a `</script>` in a run's description stays
 * text); the two scripts with `</script` and `<!--` broken up (see {@link inlineScript}). Colours
 * are light and theme-neutral, for screens and paper. Pure.
 */
import type { ReportChartData } from './chartData';
import { REPORT_DATA_ELEMENT_ID } from './chartData';
import type { ReportDocument, ReportTable } from './tables';

/** The scripts the page inlines. */
export interface ReportScripts {
  /** dist/plotly.min.js. */
  plotly: string;
  /** dist/report.js (src/webview/reportPage.ts). */
  page: string;
}

/** Everything the HTML is made of. */
export interface HtmlReportParts {
  document: ReportDocument;
  chartData: ReportChartData;
  scripts: ReportScripts;
  /** ISO time the report was written (shown in the footer). */
  generatedAt: string;
  /** The version of Grokking Lab that wrote it. */
  generator: string;
}

/** The page's Content Security Policy: inline scripts and styles only; no request of any kind (images only from data: and blob:, for Plotly's own image export). */
export const REPORT_CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:";

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** JSON that can sit inside a `<script>` element: no `<`, `>` or `&` (nothing the HTML parser reads), no U+2028/9. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Script source made safe to inline in a `<script>` element: `</script` would end the element and
 * `<!--` can change how the HTML parser reads what follows, so both are broken up with a backslash
 * (`<\/script`, `<\!--`). In a string, template or regular-expression literal (where bundlers and
 * Plotly's minified build have them) these escapes denote the same characters.
 */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const STYLE = `
:root { color-scheme: light; --text: #1f2328; --muted: #59636e; --rule: #d1d9e0; --stripe: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 24px 32px 48px; max-width: 1280px; background: #ffffff; color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 14px; margin: 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 12px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.run-notes { border-left: 4px solid #bf8700; background: #fff8c5; padding: 8px 12px; margin: 12px 0; }
.run-notes p { margin: 2px 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 4px 0; }
th, td { border: 1px solid var(--rule); padding: 4px 8px; vertical-align: top; }
th { background: var(--stripe); font-weight: 600; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
.right { text-align: right; white-space: nowrap; }
.left { text-align: left; }
th.right, th.left { white-space: normal; min-width: 4em; }
.table-notes p, .chart-notes p, .chart-description { color: var(--muted); font-size: 12.5px; margin: 4px 0; max-width: 110ch; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
.chart-card { border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px; break-inside: avoid; page-break-inside: avoid; }
.chart-card .plot { width: 100%; height: 360px; }
.chart-spectralEdge { grid-column: 1 / -1; }
.chart-spectralEdge .plot { height: 560px; }
.chart-error { color: #cf222e; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media (max-width: 900px) { .charts { grid-template-columns: minmax(0, 1fr); } }
@page { margin: 12mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table, .chart-card { break-inside: avoid; page-break-inside: avoid; }
  /* Paper cannot scroll: wide tables shrink instead. */
  .table-wrap { overflow: visible; }
  table { font-size: 9px; }
  th, td { padding: 2px 3px; }
  th.right, th.left { min-width: 0; }
  .charts { grid-template-columns: minmax(0, 1fr); }
}
`;

function tableHtml(table: ReportTable): string {
  // "≥ 0.99" and "− grok" stay on one line when a header wraps.
  const header = table.columns.map((column) => `<th class="${column.align}" scope="col">${escapeHtml(column.title).replace(/([≥−]) /g, '$1&nbsp;')}</th>`).join('');
  const rows =
    table.rows.length > 0
      ? table.rows.map((row) => `<tr>${row.map((cell, index) => `<td class="${table.columns[index]?.align ?? 'left'}">${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n')
      : `<tr><td colspan="${table.columns.length}">none</td></tr>`;
  const notes = table.notes.length > 0 ? `<div class="table-notes">${table.notes.map((note) => `<p>${escapeHtml(note)}</p>`).join('')}</div>` : '';
  return `<section class="report-table" id="table-${table.id}">
<h2>${escapeHtml(table.title)}</h2>
<div class="table-wrap"><table data-table="${table.id}"><thead><tr>${header}</tr></thead>
<tbody>
${rows}
</tbody></table></div>
${notes}
</section>`;
}

/** The complete HTML file. */
export function renderHtmlReport(parts: HtmlReportParts): string {
  const { document } = parts;
  const facts = document.facts.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join('');
  const notes = document.notes.length > 0 ? `<div class="run-notes" role="note">${document.notes.map((note) => `<p>${escapeHtml(note)}</p>`).join('')}</div>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_CONTENT_SECURITY_POLICY)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(parts.generator)}">
<title>${escapeHtml(document.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(document.title)}</h1>
<dl class="facts">${facts}</dl>
${notes}
</header>
<main>
${document.tables.map(tableHtml).join('\n')}
<section id="charts-section">
<h2>Charts</h2>
<p class="chart-description">The dashboard's charts: per condition the seed median (line) and interquartile band, every seed faint underneath; conditions on shared axes. Hover for values; drag to zoom, double-click to reset.</p>
<div class="charts" id="charts"></div>
<noscript><p class="chart-error">The charts need JavaScript (inlined in this file; nothing is downloaded).</p></noscript>
</section>
</main>
<footer>Written by ${escapeHtml(parts.generator)} on ${escapeHtml(parts.generatedAt)}. Self-contained: Plotly and the data are inlined; the page makes no network request.</footer>
<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">${jsonForScript(parts.chartData)}</script>
<script>${inlineScript(parts.scripts.plotly)}</script>
<script>${inlineScript(parts.scripts.page)}</script>
</body>
</html>
`;
}
