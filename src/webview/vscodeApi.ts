/**
 * The one place that touches `acquireVsCodeApi()` (docs/architecture.md §3: "type it once"): the webview's
 * messages to the host are typed by the protocol, and its persisted state by viewState.ts. VS Code
 * allows one call per page load, so the API is acquired once, lazily. A test page defines a fake
 * `acquireVsCodeApi` before the bundle runs (test/unit/webviewCsp.test.ts): nothing else is mocked.
 */
/// <reference types="vscode-webview" />
import type { WebviewToHostMessage } from '../shared/protocol/webview';

/** What the dashboard uses of the webview API. */
export interface DashboardHostApi {
  /** Sends a message to the panel host. */
  postMessage(message: WebviewToHostMessage): void;
  /** The state persisted by {@link setState} before a reload, or undefined on a first load; unchecked (parse it). */
  getState(): unknown;
  /** Persists a JSON-serialisable state across reloads of the webview (and across VS Code restarts through the panel serializer). */
  setState(state: unknown): void;
}

let api: DashboardHostApi | undefined;

/** The webview API, acquired on first use. */
export function vsCodeApi(): DashboardHostApi {
  if (!api) {
    const acquired = acquireVsCodeApi<unknown>();
    api = {
      postMessage: (message) => acquired.postMessage(message),
      getState: () => acquired.getState(),
      setState: (state) => void acquired.setState(state),
    };
  }
  return api;
}
