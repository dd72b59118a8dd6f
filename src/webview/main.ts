/**
 * Entry of the dashboard webview (bundled by esbuild to dist/webview.js, browser/iife). Plotly is
 * loaded before it by its own script tag; the host's HTML is src/extension/dashboard/dashboardHtml.ts.
 */
import './elements';
import { DashboardApp } from './dashboardApp';
import { plotlyRuntime } from './plotlyRuntime';
import { vsCodeApi } from './vscodeApi';

const root = document.getElementById('app') ?? document.body;
new DashboardApp(root, vsCodeApi(), plotlyRuntime()).start();
