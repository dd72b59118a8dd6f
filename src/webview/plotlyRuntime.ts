/**
 * Plotly is loaded by its own `<script nonce>` (dist/plotly.min.js, copied from plotly.js-dist-min
 * by esbuild.js) before dist/webview.js, and sets `window.Plotly`; this module gives it its type
 * (the package's own declarations). Plotly's SVG traces work under the panel's strict CSP: no
 * `unsafe-eval` (only the WebGL traces compile shaders with `Function`, and none is used here).
 */
import type PlotlyModule from 'plotly.js-dist-min';

/** The Plotly API. */
export type Plotly = typeof PlotlyModule;

/** `window.Plotly`, or undefined when its script did not load. */
export function plotlyRuntime(): Plotly | undefined {
  return (globalThis as { Plotly?: Plotly }).Plotly;
}
