/**
 * The dashboard panel's HTML and its Content Security Policy. No `vscode` import: the webview's
 * `cspSource` and the resource URIs come in as strings, so the exact page VS Code shows is also
 * loaded in headless Chromium by test/unit/webviewCsp.test.ts.
 *
 * The CSP (docs/product.md §4.1, "Webview security"):
 *   default-src 'none'; script-src 'nonce-…'; style-src ${cspSource}; img-src ${cspSource} data: blob:; font-src ${cspSource}
 * - scripts: only the two tags carrying the nonce (Plotly, then the dashboard); no 'unsafe-eval'
 *   (Plotly's SVG traces never evaluate code; only its WebGL traces would, and none is used);
 * - styles: the extension's stylesheet, plus exactly one inline stylesheet, the empty one (by its
 *   hash, {@link EMPTY_STYLE_HASH}); no 'unsafe-inline'. Plotly creates an empty
 *   `<style id="plotly.js-style-global">` and adds its rules through CSSOM `insertRule`, which the
 *   CSP does not govern; only the empty element itself is checked, and an empty stylesheet can
 *   carry nothing. Lit (@vscode-elements) adopts constructable stylesheets and element styles are
 *   set as CSSOM properties: neither is an inline style the CSP governs. Plotly 4.1.2 also injects
 *   maplibre's 83 kB of map CSS (unused here) as an inline `<style>` unless an element with its id
 *   exists: the page carries that placeholder ({@link PLOTLY_MAPLIBRE_STYLE_ID}). The Chromium
 *   test checks that the page raises no `securitypolicyviolation` (a Plotly upgrade that changes
 *   the id fails it);
 * - images: data: and blob: for Plotly's image export (it rasterises an SVG data URL in a canvas).
 */
import crypto from 'node:crypto';

/** The panel's view type (also its serializer's, and the `onWebviewPanel:` activation event's). */
export const DASHBOARD_VIEW_TYPE = 'grokkingLab.dashboard';

/** Files of the extension the page loads, relative to the extension's folder. */
export const DASHBOARD_RESOURCES = {
  plotlyScript: ['dist', 'plotly.min.js'],
  webviewScript: ['dist', 'webview.js'],
  stylesheet: ['media', 'dashboard.css'],
} as const;

/** What the page is built from: the webview's CSP source and the URIs of its resources, as the webview sees them. */
export interface DashboardPage {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce per page ({@link createNonce}). */
  nonce: string;
  plotlyScript: string;
  webviewScript: string;
  stylesheet: string;
}

/** CSP hash source of the empty string: allows an empty inline `<style>` (Plotly's, filled through CSSOM) and nothing else. */
export const EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

/** Id of the `<style>` with maplibre's CSS that Plotly 4.1.2 injects at load unless an element with this id exists (plotly.min.js, `document.getElementById("ce8d46…")`). */
export const PLOTLY_MAPLIBRE_STYLE_ID = 'ce8d464691048653ffe3a57c6c18ab566e8366f186677868cf724621a857b4fe';

/** A random nonce (128 bits, base64) for the page's script tags. */
export function createNonce(): string {
  return crypto.randomBytes(16).toString('base64');
}

/** The Content Security Policy of the dashboard page (see the module comment). */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} ${EMPTY_STYLE_HASH}`,
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The dashboard page. */
export function dashboardHtml(page: DashboardPage): string {
  const nonce = escapeAttribute(page.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(page.stylesheet)}">
<template id="${PLOTLY_MAPLIBRE_STYLE_ID}"></template>
<title>Grokking Lab Dashboard</title>
</head>
<body>
<div id="app"><p>Loading the dashboard…</p></div>
<script nonce="${nonce}" src="${escapeAttribute(page.plotlyScript)}"></script>
<script nonce="${nonce}" src="${escapeAttribute(page.webviewScript)}"></script>
</body>
</html>
`;
}
