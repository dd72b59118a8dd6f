/**
 * `grokking-lab report RUN_DIR [--html FILE] [--json | --markdown]`: the tables of a run in the
 * terminal (default), as Markdown or as the report's JSON on stdout, and optionally the
 * self-contained HTML report. Messages about what was done go to stderr, so stdout stays the
 * report alone (pipe `--json` into jq, `--markdown` into a file).
 */
import { renderReportMarkdown } from '../shared/report/markdown';
import type { ReportDocument } from '../shared/report/tables';
import { reportDocument } from '../shared/report/tables';
import { RunReportError, readRunReport, resolveRunFolder, writeHtmlReport } from '../runs/runReport';
import { EXIT_CODES, UserError, type ReportArguments } from './arguments';
import { renderTable } from './table';

/** The report as aligned plain-text tables (the terminal's view). */
export function renderReportText(document: ReportDocument): string {
  const labelWidth = Math.max(...document.facts.map(([label]) => label.length));
  const lines = [document.title, '', ...document.facts.map(([label, value]) => `${`${label}:`.padEnd(labelWidth + 1)}  ${value}`)];
  if (document.notes.length > 0) lines.push('', ...document.notes.map((note) => `Note: ${note}`));
  for (const table of document.tables) {
    lines.push('', table.title, '');
    const rows = table.rows.length > 0 ? table.rows : [table.columns.map((_, index) => (index === 0 ? 'none' : ''))];
    lines.push(
      renderTable(
        table.columns.map((column) => column.title),
        rows,
        table.columns.map((column) => column.align),
      ),
    );
    for (const note of table.notes) lines.push(`  ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs `report`; user errors (missing folder, unwritable file) become one-line UserErrors (exit 2). */
export function reportCommand(options: ReportArguments): number {
  try {
    const { runDirectory, note } = resolveRunFolder(options.runDirectory);
    if (note) process.stderr.write(`${note}\n`);
    // The page script and Plotly sit next to this bundle (dist/cli.js, dist/report.js, dist/plotly.min.js).
    const report = options.html ? writeHtmlReport(runDirectory, options.html, __dirname) : readRunReport(runDirectory);
    if (options.html) process.stderr.write(`HTML report written to ${options.html}\n`);
    switch (options.format) {
      case 'json':
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        break;
      case 'markdown':
        process.stdout.write(renderReportMarkdown(reportDocument(report)));
        break;
      case 'text':
        process.stdout.write(renderReportText(reportDocument(report)));
        break;
      default: {
        const unknown: never = options.format;
        throw new Error(`unhandled report format ${String(unknown)}`);
      }
    }
    return EXIT_CODES.success;
  } catch (error) {
    if (error instanceof RunReportError) throw new UserError(error.message);
    throw error;
  }
}
