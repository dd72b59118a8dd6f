// Lint rules, including the zone rules of docs/architecture.md §2: a wrong import fails the lint.
// Zones, imports only downward: shared ← runs ← training; shared ← runs ← producer ← cli, extension;
// shared ← webview.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'util', 'events', 'stream'];
const pattern = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/kernels/**', 'bench/results/**', '.tmp/**', '**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly', require: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', performance: 'readonly', structuredClone: 'readonly', WebAssembly: 'readonly', SharedArrayBuffer: 'readonly', Atomics: 'readonly', URL: 'readonly', Buffer: 'readonly', module: 'writable' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The engine and the CLI run in Node: the DOM typings exist only for WebAssembly's types.
    files: ['src/shared/**/*.ts', 'src/runs/**/*.ts', 'src/training/**/*.ts', 'src/producer/**/*.ts', 'src/cli/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage'] },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['vscode'],
        patterns: [
          pattern(['vscode', ...nodeBuiltins], 'src/shared is pure TypeScript: no Node modules, no vscode (it also runs in the webview).'),
          pattern(['**/runs/**', '**/training/**', '**/producer/**', '**/cli/**', '**/extension/**', '**/webview/**', '**/kernels/**'], 'src/shared imports nothing else of ours.'),
        ],
      }],
    },
  },
  {
    files: ['src/runs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['vscode'],
        patterns: [pattern(['**/training/**', '**/producer/**', '**/cli/**', '**/extension/**', '**/webview/**', '**/kernels/**'], 'src/runs owns the run-folder format: it imports only shared/.')],
      }],
    },
  },
  {
    files: ['src/training/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['vscode'],
        patterns: [pattern(['**/producer/**', '**/cli/**', '**/extension/**', '**/webview/**'], 'src/training is the engine: it imports only shared/, runs/ and itself.')],
      }],
    },
  },
  {
    files: ['src/producer/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['vscode'],
        patterns: [pattern(['**/training/**', '**/cli/**', '**/extension/**', '**/webview/**', '**/kernels/**'], 'src/producer launches workers (dist/worker.js) and writes runs: it imports only shared/ and runs/.')],
      }],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['vscode'],
        patterns: [pattern(['**/extension/**', '**/webview/**', '**/training/**', '**/kernels/**'], 'src/cli is a producer: it uses producer/, runs/ and shared/ only.')],
      }],
    },
  },
  {
    files: ['src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['vscode'],
        patterns: [pattern(['vscode', ...nodeBuiltins, '**/extension/**', '**/training/**', '**/cli/**'], 'src/webview is browser code: it imports shared/ only.')],
      }],
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [pattern(['**/webview/**', '**/cli/**', '**/kernels/**', '**/training/**'], 'src/extension runs workers (producer/) and shows records (runs/): no training code, no webview code.')],
      }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { sourceType: 'module' },
  },
  {
    files: ['esbuild.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
