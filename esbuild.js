// One build for every entry: the WebAssembly kernels (AssemblyScript -> dist/kernels/*.wasm); the
// training worker, the CLI, the wasm engine's second thread and the VS Code extension (Node,
// CommonJS); the dashboard webview and the HTML report's page (browser, iife). `--watch` rebuilds
// on change; `--production` minifies. Types are checked separately by `tsc --noEmit` (npm run
// typecheck). A source named here that does not exist fails the build.
const esbuild = require('esbuild');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const root = __dirname;
const dist = path.join(root, 'dist');

/** AssemblyScript kernels: one .wasm per source file. The `shared` variant imports a shared
 * memory so that two threads can run the same kernels on the same buffers (see src/kernels/README.md). */
const kernels = [
  { source: 'src/kernels/epoch.ts', output: 'epoch.wasm', shared: false },
  { source: 'src/kernels/epoch.ts', output: 'epoch-shared.wasm', shared: true },
  // Relaxed SIMD (fused multiply-add) variants; the engine falls back to the two above when the
  // runtime rejects them (Node 20 needs V8's --experimental-wasm-relaxed-simd).
  { source: 'src/kernels/epoch.ts', output: 'epoch-relaxed.wasm', shared: false, flags: ['--enable', 'relaxed-simd'] },
  { source: 'src/kernels/epoch.ts', output: 'epoch-shared-relaxed.wasm', shared: true, flags: ['--enable', 'relaxed-simd'] },
  { source: 'src/kernels/linalg.ts', output: 'linalg.wasm', shared: false },
  { source: 'src/kernels/linalg.ts', output: 'linalg-relaxed.wasm', shared: false, flags: ['--enable', 'relaxed-simd'] },
  { source: 'src/kernels/window.ts', output: 'window.wasm', shared: false },
  // The Transformer step (src/training/transformer/wasmEngine.ts), plain and relaxed SIMD.
  { source: 'src/kernels/transformer.ts', output: 'transformer.wasm', shared: false },
  { source: 'src/kernels/transformer.ts', output: 'transformer-relaxed.wasm', shared: false, flags: ['--enable', 'relaxed-simd'] },
];

function buildKernels() {
  fs.mkdirSync(path.join(dist, 'kernels'), { recursive: true });
  const asc = path.join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
  for (const kernel of kernels) {
    const args = [asc, kernel.source, '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd',
      '-o', path.join('dist', 'kernels', kernel.output)];
    if (kernel.shared) {
      args.push('--enable', 'threads', '--importMemory', '--sharedMemory',
        '--initialMemory', '1', '--maximumMemory', '65536');
    }
    if (kernel.flags) args.push(...kernel.flags);
    execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  }
}

/**
 * tfjs stays an external package, loaded at run time only when the tfjs engine is chosen (and
 * tfjs-node is optional). Only tfjs-core's gradient registrations are bundled: that file is ES
 * module source that plain Node cannot load, and it registers into the external tfjs-core.
 */
const tfjsExternal = {
  name: 'tfjs-external',
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\/tfjs-(core|backend-cpu|node)$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** Node entries: bundled so that the worker and the CLI start fast and need no TS loader. */
const nodeEntries = [
  { entry: 'src/training/worker.ts', output: 'worker.js' },
  { entry: 'src/cli/main.ts', output: 'cli.js', banner: '#!/usr/bin/env node' },
  // The second thread of the two-thread wasm engine (a worker_threads entry, found next to the bundle).
  { entry: 'src/training/engines/wasmThread.ts', output: 'wasmThread.js' },
  // The VS Code extension host entry (package.json `main`); `vscode` is provided by the host.
  { entry: 'src/extension/extension.ts', output: 'extension.js' },
];

/**
 * The dashboard webview (src/webview): browser code in one iife, with @vscode-elements/elements and
 * Lit bundled in. Plotly is not bundled: its minified build is copied next to it and loaded by its
 * own `<script nonce>` (src/extension/dashboard/dashboardHtml.ts), since re-bundling 4.8 MB of
 * minified code would only slow every rebuild.
 */
const webviewEntries = [
  { entry: 'src/webview/main.ts', output: 'webview.js' },
  // The HTML report's page script: the dashboard's figures, inlined with Plotly into each report.
  { entry: 'src/webview/reportPage.ts', output: 'report.js' },
];
const copyPlotly = {
  name: 'copy-plotly',
  setup(build) {
    build.onEnd(() => {
      const source = path.join(root, 'node_modules', 'plotly.js-dist-min', 'plotly.min.js');
      const target = path.join(dist, 'plotly.min.js');
      if (!fs.existsSync(target) || fs.statSync(target).mtimeMs < fs.statSync(source).mtimeMs) fs.copyFileSync(source, target);
    });
  },
};

/** Every source the build names must exist: a renamed file fails the build instead of leaving an old bundle in dist/. */
function checkSources() {
  const sources = [...kernels.map((kernel) => kernel.source), ...nodeEntries.map(({ entry }) => entry), ...webviewEntries.map(({ entry }) => entry)];
  const missing = sources.filter((source) => !fs.existsSync(path.join(root, source)));
  if (missing.length > 0) throw new Error(`esbuild.js names sources that do not exist: ${missing.join(', ')}`);
}

async function main() {
  checkSources();
  buildKernels();
  const contexts = [];
  for (const { entry, output, banner } of nodeEntries) {
    contexts.push(await esbuild.context({
      entryPoints: [entry],
      outfile: path.join('dist', output),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: !production,
      minify: production,
      banner: banner ? { js: banner } : undefined,
      external: ['vscode'],
      plugins: [tfjsExternal],
      logLevel: 'warning',
    }));
  }
  for (const { entry, output } of webviewEntries) {
    contexts.push(await esbuild.context({
      entryPoints: [entry],
      outfile: path.join('dist', output),
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome114',
      sourcemap: !production,
      minify: production,
      plugins: [copyPlotly],
      logLevel: 'warning',
    }));
  }
  if (watch) {
    await Promise.all(contexts.map((context) => context.watch()));
    fs.watch(path.join(root, 'src', 'kernels'), () => {
      try { buildKernels(); } catch { /* asc already printed the error */ }
    });
  } else {
    await Promise.all(contexts.map((context) => context.rebuild()));
    await Promise.all(contexts.map((context) => context.dispose()));
    for (const { output, banner } of nodeEntries) {
      if (banner) fs.chmodSync(path.join(dist, output), 0o755);
    }
  }
}

main().catch((error) => {
  console.error(error.message ?? error);
  process.exit(1);
});
