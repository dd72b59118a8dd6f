/**
 * The report as GitHub-flavoured Markdown (`grokking-lab report --markdown`): the run's facts as a
 * list, then each table with its notes. Every text is escaped, so a description holding `|`, `*`
 * or `<script>` shows as written and cannot break a table. Pure.
 */
import type { ReportDocument, ReportTable } from './tables';

/** Escapes the characters Markdown would interpret (inline); line breaks become spaces. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/[\\`*_{}[\]<>#|~!]/g, (character) => `\\${character}`);
}

function tableMarkdown(table: ReportTable): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  const rule = `| ${table.columns.map((column) => (column.align === 'right' ? '---:' : ':---')).join(' | ')} |`;
  const lines = [`## ${escapeMarkdown(table.title)}`, '', line(table.columns.map((column) => column.title)), rule, ...table.rows.map(line)];
  if (table.rows.length === 0) lines.push(line(table.columns.map((_, index) => (index === 0 ? 'none' : ''))));
  for (const note of table.notes) lines.push('', escapeMarkdown(note));
  return lines.join('\n');
}

/** The whole report as Markdown, ending with a newline. */
export function renderReportMarkdown(document: ReportDocument): string {
  const parts = [`# ${escapeMarkdown(document.title)}`, document.facts.map(([label, value]) => `- **${escapeMarkdown(label)}**: ${escapeMarkdown(value)}`).join('\n')];
  if (document.notes.length > 0) parts.push(document.notes.map((note) => `> ${escapeMarkdown(note)}`).join('\n>\n'));
  for (const table of document.tables) parts.push(tableMarkdown(table));
  return `${parts.join('\n\n')}\n`;
}
