/**
 * The @vscode-elements/elements components the dashboard uses (the maintained successor of the
 * deprecated @vscode/webview-ui-toolkit; see the README). Importing a component registers its
 * custom element and adds its tag to `HTMLElementTagNameMap`; esbuild bundles them (with Lit) into
 * dist/webview.js. Lit adopts its styles as constructable stylesheets, which the strict CSP allows.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
