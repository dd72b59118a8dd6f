// End-to-end tests of the command line: the real CLI bundle spawning real worker processes that
// write real run folders (built by `npm test`'s pretest step).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochRecord, RunEvent, RunManifest, RunSummary, SeedStatusFile } from '../../src/shared/runFormat';
import { parseJsonLines } from '../../src/runs/runFolder';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

function temporaryDirectory(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-cli-'));
}

function writeExperiment(directory: string, text: string): string {
  const file = path.join(directory, 'test.grok.yaml');
  fs.writeFileSync(file, text);
  return file;
}

function runCli(args: string[], cwd: string) {
  return spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
}

function onlyRun(runsFolder: string, experiment: string): string {
  const runs = fs.readdirSync(path.join(runsFolder, experiment));
  assert.equal(runs.length, 1, `one run folder expected, found ${runs.join(', ')}`);
  return path.join(runsFolder, experiment, runs[0]);
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const readLines = <T>(file: string): T[] => parseJsonLines<T>(fs.readFileSync(file, 'utf8'));

const tinyExperiment = `
experiments:
  tiny:
    task: { modulus: 7, trainSize: 30 }
    model: { hidden: 12 }
    epochs: 30
    seeds: [0, 1]
    conditions:
      grok: {}
      control: { optimizer: { weightDecay: 0 } }
    diagnostics:
      eigengap: { window: 5, detector: { lag: 3, warmup: 5 } }
      repulsion: { checkpoints: [10, 20], pairs: 10 }
`;

describe('grokking-lab validate', () => {
  it('accepts a valid file and names its experiments', () => {
    const directory = temporaryDirectory();
    const file = writeExperiment(directory, tinyExperiment);
    const result = runCli(['validate', file], directory);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /valid: tiny \(2 conditions × 2 seeds\)/);
  });

  it('reports every problem with file:line:column and exits 2, without a stack trace', () => {
    const directory = temporaryDirectory();
    const file = writeExperiment(directory, 'experiments:\n  broken:\n    model: { hiden: 10 }\n    epochs: -3\n');
    const result = runCli(['validate', file], directory);
    assert.equal(result.status, 2);
    assert.match(result.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: .*hiden.*hidden`));
    assert.match(result.stderr, /:4:\d+: .*epochs/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('says plainly that a file is missing', () => {
    const directory = temporaryDirectory();
    const result = runCli(['validate', 'nowhere.grok.yaml'], directory);
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim(), 'nowhere.grok.yaml: no such file.');
  });

  it('rejects unknown options and commands with one line', () => {
    const directory = temporaryDirectory();
    for (const args of [['frobnicate'], ['run', 'x.grok.yaml', '--jbos', '2'], ['run', 'x.grok.yaml', '--seeds', '4-1']]) {
      const result = runCli(args, directory);
      assert.equal(result.status, 2, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });
});

describe('grokking-lab run', () => {
  it('runs every condition and seed into a complete run folder', () => {
    const directory = temporaryDirectory();
    const file = writeExperiment(directory, tinyExperiment);
    const result = runCli(['run', file, '--out', 'runs', '--jobs', '2'], directory);
    assert.equal(result.status, 0, result.stderr + result.stdout);
    const runDirectory = onlyRun(path.join(directory, 'runs'), 'tiny');
    const manifest = readJson<RunManifest>(path.join(runDirectory, 'run.json'));
    assert.equal(manifest.status, 'completed');
    assert.deepEqual(manifest.seeds, [0, 1]);
    assert.deepEqual(manifest.conditions.map((condition) => condition.name), ['grok', 'control']);
    assert.match(manifest.configHash, /^[0-9a-f]{64}$/);
    assert.equal(manifest.conditions[1].config.optimizer.weightDecay, 0);
    assert.ok(manifest.endTime);
    for (const condition of ['grok', 'control']) {
      for (const seed of [0, 1]) {
        const rows = readLines<EpochRecord>(path.join(runDirectory, condition, `seed-${seed}.jsonl`));
        assert.deepEqual(rows.map((row) => row.epoch), Array.from({ length: 31 }, (_, epoch) => epoch));
        for (const field of ['trainLoss', 'trainAcc', 'testLoss', 'testAcc', 'weightNorm'] as const) {
          assert.ok(rows.every((row) => Number.isFinite(row[field])), field);
        }
        assert.equal(rows[0].eigenvalues, undefined, 'row 0 has no updates');
        assert.equal(rows[10].eigenvalues?.length, 5);
        const status = readJson<SeedStatusFile>(path.join(runDirectory, condition, `seed-${seed}.status.json`));
        assert.equal(status.status, 'completed');
        assert.equal(status.lastEpoch, 30);
      }
    }
    const events = readLines<RunEvent>(path.join(runDirectory, 'events.jsonl'));
    const repulsion = events.filter((event) => event.type === 'repulsion');
    assert.equal(repulsion.length, 8, '2 checkpoints × 4 seeds');
    assert.ok(repulsion.filter((event) => event.condition === 'control').every((event) => event.applicable === false));
    assert.ok(repulsion.filter((event) => event.condition === 'grok').every((event) => event.applicable === true && event.signMatch !== undefined));
    assert.equal(events.filter((event) => event.type === 'seedFinished').length, 4);
    const summary = readJson<RunSummary>(path.join(runDirectory, 'summary.json'));
    assert.equal(summary.seeds.length, 4);
    assert.deepEqual(summary.conditions.map((condition) => condition.seedCount), [2, 2]);
    assert.match(result.stdout, /grok\/seed-0/);
    assert.match(result.stdout, /Run folder: /);
  });

  it('runs a grid as conditions, and run.json records each point\'s grid values (also with --epochs)', () => {
    const directory = temporaryDirectory();
    const file = writeExperiment(
      directory,
      `
experiments:
  sweep:
    task: { modulus: 7, trainSize: 30 }
    model: { hidden: 12 }
    epochs: 30
    seeds: [0]
    conditions:
      grok: {}
      control: { optimizer: { weightDecay: 0 } }
    grid:
      diagnostics.eigengap.window: [4, 6]
`,
    );
    const result = runCli(['run', file, '--out', path.join(directory, 'runs'), '--epochs', '5', '--quiet'], directory);
    assert.equal(result.status, 0, result.stderr);
    const runDirectory = onlyRun(path.join(directory, 'runs'), 'sweep');
    const manifest = readJson<RunManifest>(path.join(runDirectory, 'run.json'));
    assert.deepEqual(
      manifest.conditions.map((condition) => [condition.name, condition.baseCondition, condition.gridPoint, condition.config.diagnostics.eigengap.window, condition.config.epochs]),
      [
        ['grok_window-4', 'grok', { 'diagnostics.eigengap.window': 4 }, 4, 5],
        ['grok_window-6', 'grok', { 'diagnostics.eigengap.window': 6 }, 6, 5],
        ['control_window-4', 'control', { 'diagnostics.eigengap.window': 4 }, 4, 5],
        ['control_window-6', 'control', { 'diagnostics.eigengap.window': 6 }, 6, 5],
      ],
    );
    for (const condition of manifest.conditions) assert.equal(readLines<EpochRecord>(path.join(runDirectory, condition.name, 'seed-0.jsonl')).length, 6);
  });

  it('is deterministic: the same config and seed give the same records', () => {
    const directory = temporaryDirectory();
    const file = writeExperiment(directory, tinyExperiment);
    const records: string[] = [];
    for (const out of ['first', 'second']) {
      const result = runCli(['run', file, '--out', out, '--condition', 'grok', '--seeds', '1', '--epochs', '12'], directory);
      assert.equal(result.status, 0, result.stderr);
      const rows = readLines<EpochRecord>(path.join(onlyRun(path.join(directory, out), 'tiny'), 'grok', 'seed-1.jsonl'));
      records.push(JSON.stringify(rows.map(({ milliseconds: _milliseconds, ...row }) => row)));
    }
    assert.equal(records[0], records[1]);
  });

  it('marks a seed whose loss becomes NaN as diverged, keeps its rows, and lets the others finish', () => {
    const directory = temporaryDirectory();
    const file = writeExperiment(
      directory,
      tinyExperiment.replace('control: { optimizer: { weightDecay: 0 } }', 'explode: { optimizer: { name: sgd, lr: 1.0e+30 } }'),
    );
    const result = runCli(['run', file, '--out', 'runs', '--seeds', '0'], directory);
    assert.equal(result.status, 3, result.stdout + result.stderr);
    const runDirectory = onlyRun(path.join(directory, 'runs'), 'tiny');
    const exploded = readJson<SeedStatusFile>(path.join(runDirectory, 'explode', 'seed-0.status.json'));
    assert.equal(exploded.status, 'diverged');
    assert.match(exploded.message ?? '', /loss became (NaN|Infinity|-Infinity) at epoch \d+/);
    const rows = readLines<EpochRecord>(path.join(runDirectory, 'explode', 'seed-0.jsonl'));
    assert.equal(rows.length, exploded.lastEpoch + 1);
    const grok = readJson<SeedStatusFile>(path.join(runDirectory, 'grok', 'seed-0.status.json'));
    assert.equal(grok.status, 'completed');
    assert.equal(readJson<RunManifest>(path.join(runDirectory, 'run.json')).status, 'completed');
    assert.match(result.stdout, /explode\/seed-0\s+diverged/);
  });

  it('records a worker that was killed as failed, with the reason, and keeps its rows', async () => {
    const directory = temporaryDirectory();
    const file = writeExperiment(directory, tinyExperiment.replace('epochs: 30', 'epochs: 100000').replace('hidden: 12', 'hidden: 64'));
    const child = spawn(process.execPath, [cli, 'run', file, '--out', 'runs', '--seeds', '0', '--condition', 'grok'], { cwd: directory });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const statusFile = () => {
      const experimentFolder = path.join(directory, 'runs', 'tiny');
      const [run] = fs.existsSync(experimentFolder) ? fs.readdirSync(experimentFolder) : [];
      return run ? path.join(experimentFolder, run, 'grok', 'seed-0.status.json') : undefined;
    };
    const deadline = Date.now() + 60_000;
    let workerPid: number | undefined;
    while (workerPid === undefined) {
      const file = statusFile();
      if (file && fs.existsSync(file)) {
        const status = readJson<SeedStatusFile>(file);
        if (status.status === 'running' && status.pid && fs.existsSync(file.replace('.status.json', '.jsonl')) && readLines(file.replace('.status.json', '.jsonl')).length >= 3) workerPid = status.pid;
      }
      assert.ok(Date.now() < deadline, 'the worker did not start within a minute');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    process.kill(workerPid, 'SIGKILL');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 3, stdout);
    const runDirectory = onlyRun(path.join(directory, 'runs'), 'tiny');
    const status = readJson<SeedStatusFile>(path.join(runDirectory, 'grok', 'seed-0.status.json'));
    assert.equal(status.status, 'failed');
    assert.match(status.message ?? '', /killed by SIGKILL/);
    const rows = readLines<EpochRecord>(path.join(runDirectory, 'grok', 'seed-0.jsonl'));
    assert.ok(rows.length >= 3);
    assert.ok(status.lastEpoch >= 2 && status.lastEpoch <= (rows.at(-1)?.epoch ?? -1), `lastEpoch ${status.lastEpoch}`);
    assert.equal(readJson<RunManifest>(path.join(runDirectory, 'run.json')).status, 'failed');
  });

  it('stops cleanly on SIGINT: exit 130, status cancelled, rows kept', async () => {
    const directory = temporaryDirectory();
    const file = writeExperiment(directory, tinyExperiment.replace('epochs: 30', 'epochs: 100000').replace('hidden: 12', 'hidden: 64'));
    const child = spawn(process.execPath, [cli, 'run', file, '--out', 'runs', '--seeds', '0', '--condition', 'grok'], { cwd: directory });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const recordsFile = () => {
      const experimentFolder = path.join(directory, 'runs', 'tiny');
      if (!fs.existsSync(experimentFolder)) return undefined;
      const [run] = fs.readdirSync(experimentFolder);
      return run ? path.join(experimentFolder, run, 'grok', 'seed-0.jsonl') : undefined;
    };
    const deadline = Date.now() + 60_000;
    for (;;) {
      const file = recordsFile();
      if (file && fs.existsSync(file) && readLines(file).length >= 5) break;
      assert.ok(Date.now() < deadline, 'the worker wrote no rows within a minute');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 130, stdout);
    const runDirectory = onlyRun(path.join(directory, 'runs'), 'tiny');
    assert.equal(readJson<RunManifest>(path.join(runDirectory, 'run.json')).status, 'cancelled');
    const status = readJson<SeedStatusFile>(path.join(runDirectory, 'grok', 'seed-0.status.json'));
    assert.equal(status.status, 'cancelled');
    const rows = readLines<EpochRecord>(path.join(runDirectory, 'grok', 'seed-0.jsonl'));
    assert.ok(rows.length >= 5);
    assert.equal(rows.at(-1)?.epoch, status.lastEpoch);
    assert.ok(fs.existsSync(path.join(runDirectory, 'summary.json')));
  });
});
