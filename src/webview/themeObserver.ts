/**
 * Reads the chart theme from the document and tells when VS Code switches theme: it changes the
 * body's class (`vscode-light`, `vscode-dark`, `vscode-high-contrast`…) and the `--vscode-*`
 * variables on the html element's style. The pure part is theme.ts.
 */
import type { ChartTheme } from './theme';
import { chartTheme, themeKindOf } from './theme';

/** The theme of the document now. */
export function readDocumentTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const kind = themeKindOf(document.body.classList, document.body.getAttribute('data-vscode-theme-kind'));
  return chartTheme((name) => style.getPropertyValue(name), kind);
}

/** Calls `onChange` after a theme switch (several mutations of one switch may each call it: coalesce in the caller). */
export function observeThemeChanges(onChange: () => void): { dispose(): void } {
  const observer = new MutationObserver(() => onChange());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return { dispose: () => observer.disconnect() };
}
