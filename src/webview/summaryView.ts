/**
 * The summary tables (docs/product.md §2.4): per seed (memorisation, grokking at 0.5/0.95/0.98/0.99, detector
 * fire, fire − grok, late gap, λ₁/λ₂, largest-gap position, energy rank) and per condition (fired
 * x/n, median and IQR of the fire epoch, separation, the rank readings over seeds), from
 * src/shared/dashboard/summaryTable.ts, in @vscode-elements tables, with CSV export; under them, what
 * the two rank readings mean.
 */
import type { ColumnTitle, ConditionColumn, SeedColumn, SummaryTables } from '../shared/dashboard/summaryTable';
import { CONDITION_COLUMNS, SEED_COLUMNS } from '../shared/dashboard/summaryTable';
import { rankReadingNotes } from '../shared/spectrumRank';
import { combineTimeUnits, timeWords } from '../shared/timeUnit';
import { element, replaceChildren } from './dom';
import './elements';

/** What the summary's buttons ask for. */
export interface SummaryActions {
  exportCsv(table: 'seeds' | 'conditions'): void;
}

/** Builds a table and collects its cells (row by row) into `cells`, for in-place updates; `titles` in the run's time words. */
function table<C extends SeedColumn | ConditionColumn>(columns: readonly C[], titles: Readonly<Record<C, ColumnTitle>>, rows: readonly Record<C, string>[], caption: string, cells: HTMLElement[]): HTMLElement {
  return element('vscode-table', { className: 'summary-table', attributes: { zebra: true, 'bordered-columns': true, 'aria-label': caption } }, [
    element(
      'vscode-table-header',
      { attributes: { slot: 'header' } },
      columns.map((column) => element('vscode-table-header-cell', { text: titles[column].title, title: titles[column].tooltip })),
    ),
    element(
      'vscode-table-body',
      { attributes: { slot: 'body' } },
      rows.map((row) =>
        element(
          'vscode-table-row',
          {},
          columns.map((column) => {
            const cell = element('vscode-table-cell', { text: row[column] });
            cells.push(cell);
            return cell;
          }),
        ),
      ),
    ),
  ]);
}

export class SummaryView {
  readonly root: HTMLElement;
  private readonly content: HTMLElement;
  /** What the tables were built from (runs, row counts, notes): while it holds, only cell texts change. */
  private structure = '';
  private cells: HTMLElement[] = [];

  constructor(actions: SummaryActions) {
    const button = (label: string, title: string, onClick: () => void) => {
      const created = element('vscode-button', { text: label, title, attributes: { secondary: true } });
      created.addEventListener('click', onClick);
      return created;
    };
    this.content = element('div', { className: 'summary-content' });
    this.root = element('section', { className: 'summary', attributes: { 'aria-label': 'Summary' } }, [
      element('header', { className: 'summary-header' }, [
        element('h2', { text: 'Summary' }),
        element('div', { className: 'chart-actions' }, [
          button('Seeds CSV', 'Save the per-seed table as CSV', () => actions.exportCsv('seeds')),
          button('Conditions CSV', 'Save the per-condition table as CSV', () => actions.exportCsv('conditions')),
        ]),
      ]),
      this.content,
    ]);
  }

  /** Shows the tables; rebuilds them only when their shape changed, else updates the cells' texts in place. */
  render(tables: readonly SummaryTables[], labels: ReadonlyMap<string, string>): void {
    const structure = JSON.stringify(tables.map((entry) => [entry.runId, labels.get(entry.runId), entry.source, entry.timeUnit, entry.note, entry.seeds.length, entry.conditions.length, entry.separations.map((row) => row.text)]));
    const texts = tables.flatMap((entry) => [
      ...entry.seeds.flatMap((row) => SEED_COLUMNS.map((column) => row.cells[column])),
      ...entry.conditions.flatMap((row) => CONDITION_COLUMNS.map((column) => row.cells[column])),
    ]);
    if (structure === this.structure && texts.length === this.cells.length) {
      texts.forEach((text, index) => {
        if (this.cells[index].textContent !== text) this.cells[index].textContent = text;
      });
      return;
    }
    this.structure = structure;
    // Cells are collected in the order the texts above list them: per run, seed rows then condition rows.
    const cells: HTMLElement[] = [];
    this.cells = cells;
    replaceChildren(this.content, [
      ...tables.map((entry) => {
        const label = labels.get(entry.runId) ?? entry.runId;
        return element('div', { className: 'summary-run', attributes: { 'data-run-id': entry.runId } }, [
          element('h3', { text: tables.length > 1 ? label : 'Per seed' }, [
            element('vscode-badge', { className: 'summary-source', text: entry.source === 'final' ? 'final (summary.json)' : 'live (so far)' }),
          ]),
          table(SEED_COLUMNS, entry.columns, entry.seeds.map((row) => row.cells), `Per-seed summary of ${label}`, cells),
          element('h3', { text: 'Per condition' }),
          table(CONDITION_COLUMNS, entry.columns, entry.conditions.map((row) => row.cells), `Per-condition summary of ${label}`, cells),
          entry.separations.length > 0 ? element('p', { className: 'separations', text: `Separation of late gaps: ${entry.separations.map((row) => row.text).join('; ')}` }) : null,
          entry.note ? element('p', { className: 'note', text: entry.note }) : null,
        ]);
      }),
      ...(tables.length > 0 ? rankReadingNotes(timeWords(combineTimeUnits(tables.map((entry) => entry.timeUnit)))).map((note) => element('p', { className: 'note rank-note', text: note })) : []),
    ]);
  }
}
