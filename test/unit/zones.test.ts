// The zone rules of docs/architecture.md §2 are enforced by ESLint: a wrong import must fail the lint.
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages.filter((message) => message.ruleId === 'no-restricted-imports' || message.ruleId === 'no-restricted-globals').map((message) => message.message);
}

describe('zone import rules', () => {
  const cases: [string, string, boolean][] = [
    ['src/shared/example.ts', "import fs from 'node:fs';\nexport const x = fs;\n", false],
    ['src/shared/example.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n", false],
    ['src/shared/example.ts', "import { trainSeed } from '../training/trainer';\nexport const x = trainSeed;\n", false],
    ['src/shared/example.ts', "import { median } from './statistics';\nexport const x = median;\n", true],
    ['src/training/example.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n", false],
    ['src/training/example.ts', "import { runCommand } from '../cli/runCommand';\nexport const x = runCommand;\n", false],
    ['src/training/example.ts', 'export const x = document.title;\n', false],
    ['src/training/example.ts', "import fs from 'node:fs';\nimport { median } from '../shared/statistics';\nexport const x = [fs, median];\n", true],
    ['src/cli/example.ts', "import { x } from '../extension/anything';\nexport const y = x;\n", false],
    ['src/webview/example.ts', "import fs from 'node:fs';\nexport const x = fs;\n", false],
    ['src/webview/example.ts', "import { x } from '../extension/anything';\nexport const y = x;\n", false],
    ['src/extension/example.ts', "import { EigengapTracker } from '../training/diagnostics/eigengap';\nexport const x = EigengapTracker;\n", false],
    ['src/extension/example.ts', "import { trainSeed } from '../training/trainer';\nexport const x = trainSeed;\n", false],
    ['src/extension/example.ts', "import { readRun } from '../runs/runFolder';\nexport const x = readRun;\n", true],
    ['src/shared/example.ts', "import { readRun } from '../runs/runFolder';\nexport const x = readRun;\n", false],
    ['src/runs/example.ts', "import { trainSeed } from '../training/trainer';\nexport const x = trainSeed;\n", false],
    ['src/runs/example.ts', "import fs from 'node:fs';\nimport { median } from '../shared/statistics';\nexport const x = [fs, median];\n", true],
    ['src/producer/example.ts', "import { trainSeed } from '../training/trainer';\nexport const x = trainSeed;\n", false],
    ['src/producer/example.ts', "import { readRun } from '../runs/runFolder';\nexport const x = readRun;\n", true],
    ['src/training/example.ts', "import { WorkerProcess } from '../producer/workerProcess';\nexport const x = WorkerProcess;\n", false],
    ['src/cli/example.ts', "import { trainSeed } from '../training/trainer';\nexport const x = trainSeed;\n", false],
    ['src/cli/example.ts', "import { WorkerProcess } from '../producer/workerProcess';\nexport const x = WorkerProcess;\n", true],
  ];
  for (const [file, code, allowed] of cases) {
    it(`${allowed ? 'allows' : 'forbids'} in ${file}: ${code.split('\n')[0]}`, async () => {
      const errors = await importErrors(file, code);
      if (allowed) assert.deepEqual(errors, []);
      else assert.ok(errors.length > 0, 'expected a zone error');
    });
  }
});
