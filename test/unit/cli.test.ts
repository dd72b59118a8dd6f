// End-to-end tests of the command line: the real CLI bundle spawning real worker processes that
// write real run folders (built by `npm test`'s pretest step).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochRecord, RunEvent, RunManifest, RunSummary, SeedStatusFile } from '../../src/shared/runFormat';
import { parseJsonLines } from '../../src/runs/jsonLines';
import { isProcessAlive } from '../../src/runs/runFolderReader';
import { mlpConfigOf } from '../../src/shared/config/modelKind';

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

  it('refuses a file larger than 1 MiB before reading it, with one line naming the file and the limit (run and validate)', () => {
    const directory = temporaryDirectory();
    // A valid experiment followed by 50 MiB of comment: before the limit, validate read and parsed it all.
    const file = path.join(directory, 'big.grok.yaml');
    fs.writeFileSync(file, tinyExperiment);
    fs.appendFileSync(file, `# ${'x'.repeat(50 * 2 ** 20)}\n`);
    const bytes = fs.statSync(file).size;
    const message = `${file} is 50 MiB (${bytes} bytes); an experiment file may be at most 1 MiB (1048576 bytes), a limit that keeps a mistake such as a generated list from exhausting memory before anything is checked.`;
    for (const args of [['validate', file], ['run', file, '--out', 'runs']]) {
      const started = Date.now();
      const result = runCli(args, directory);
      assert.ok(Date.now() - started < 10_000, `${args[0]} took ${Date.now() - started} ms`);
      assert.equal(result.status, 2, args[0]);
      // `run` says who speaks first, as for every error of its own.
      assert.equal(result.stderr.trim().replace(/^grokking-lab: /, ''), message);
    }
    assert.equal(fs.existsSync(path.join(directory, 'runs')), false);
    // From a pipe the size is unknown: at most one byte past the limit is read.
    // (A shell's pipe: Node gives a child's stdin as a socket, which /dev/stdin cannot open.)
    const piped = spawnSync('sh', ['-c', 'cat "$1" | "$2" "$3" validate /dev/stdin', 'sh', file, process.execPath, cli], { cwd: directory, encoding: 'utf8', timeout: 60_000 });
    assert.equal(piped.status, 2);
    assert.equal(piped.stderr.trim(), '/dev/stdin is more than 1 MiB; an experiment file may be at most 1 MiB (1048576 bytes), a limit that keeps a mistake such as a generated list from exhausting memory before anything is checked.');
  });

  it('refuses a condition named like a file of the run folder, with file:line:column', () => {
    const directory = temporaryDirectory();
    const file = writeExperiment(directory, tinyExperiment.replace('grok: {}', 'run.json: {}').replace('control:', 'summary.json:'));
    for (const args of [['validate', file], ['run', file, '--out', 'runs']]) {
      const result = runCli(args, directory);
      assert.equal(result.status, 2, args[0]);
      assert.deepEqual(result.stderr.trim().replace(/^grokking-lab: /, '').split('\n'), [
        `${file}:9:7: Condition name "run.json" must not end with ".json": condition names become folder names in the run folder, beside its files (run.json, events.jsonl, summary.json), whose endings (.json, .jsonl, .log, .tmp) are reserved.`,
        `${file}:10:7: Condition name "summary.json" must not end with ".json": condition names become folder names in the run folder, beside its files (run.json, events.jsonl, summary.json), whose endings (.json, .jsonl, .log, .tmp) are reserved.`,
      ]);
    }
    assert.equal(fs.existsSync(path.join(directory, 'runs')), false);
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
      manifest.conditions.map((condition) => [condition.name, condition.baseCondition, condition.gridPoint, condition.config.diagnostics.eigengap.window, mlpConfigOf(condition.config).epochs]),
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

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  it(`stops cleanly on ${signal}: exit 130, status cancelled, rows kept`, async () => {
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
    child.kill(signal);
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
  }
});

/** Polls `check` every 100 ms until it returns a value, or fails naming `what`. */
async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const readJsonIfThere = <T>(file: string): T | undefined => {
  try {
    return readJson<T>(file);
  } catch {
    return undefined;
  }
};


describe('grokking-lab run: faults and resume', () => {
  it('after a kill -9 of the command line, report calls the run interrupted and run --resume finishes it in the same folder', async () => {
    const directory = temporaryDirectory();
    // Three seeds one at a time, a second or so each: seed 0 completes, seed 1 is killed midway, seed 2 never starts.
    const file = writeExperiment(directory, tinyExperiment.replace('epochs: 30', 'epochs: 400').replace('hidden: 12', 'hidden: 48').replace('seeds: [0, 1]', 'seeds: [0, 1, 2]'));
    const child = spawn(process.execPath, [cli, 'run', file, '--out', 'runs', '--condition', 'grok', '--jobs', '1', '--quiet'], { cwd: directory });
    const runDirectory = await waitFor('the run folder', () => {
      const experimentFolder = path.join(directory, 'runs', 'tiny');
      const [run] = fs.existsSync(experimentFolder) ? fs.readdirSync(experimentFolder) : [];
      return run && path.join(experimentFolder, run);
    });
    const statusOf = (seed: number) => readJsonIfThere<SeedStatusFile>(path.join(runDirectory, 'grok', `seed-${seed}.status.json`));
    await waitFor('seed 0 to complete and seed 1 to write rows', () => statusOf(0)?.status === 'completed' && statusOf(1)?.status === 'running' && fs.existsSync(path.join(runDirectory, 'grok', 'seed-1.jsonl')));
    const completedRows = fs.readFileSync(path.join(runDirectory, 'grok', 'seed-0.jsonl'), 'utf8');
    const orphan = statusOf(1)?.pid as number;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    // Its worker notices that its parent is gone and stops after its epoch.
    await waitFor('the orphaned worker to stop', () => !isProcessAlive(orphan), 30_000);
    assert.equal(readJson<RunManifest>(path.join(runDirectory, 'run.json')).status, 'running', 'nobody could write the end');
    assert.equal(statusOf(2)?.status, 'queued');
    assert.equal(fs.existsSync(path.join(runDirectory, 'summary.json')), false);

    // The report sees at once that the producer is gone (run.json records its pid).
    const report = runCli(['report', runDirectory, '--json'], directory);
    assert.equal(report.status, 0, report.stderr);
    const json = JSON.parse(report.stdout) as { run: { status: string }; conditions: { incompleteSeeds: { seed: number; status: string; message?: string }[] }[] };
    assert.equal(json.run.status, 'interrupted');
    assert.deepEqual(json.conditions[0].incompleteSeeds.map((seed) => [seed.seed, seed.status]), [[1, 'cancelled'], [2, 'interrupted']]);
    assert.match(json.conditions[0].incompleteSeeds[1].message ?? '', /abandoned before it started/);

    const resumed = runCli(['run', '--resume', runDirectory, '--quiet'], directory);
    assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout);
    assert.match(resumed.stdout, /grok\/seed-2\s+completed/);
    assert.deepEqual(fs.readdirSync(path.join(directory, 'runs', 'tiny')), [path.basename(runDirectory)], 'no second run folder');
    for (const seed of [0, 1, 2]) {
      assert.equal(statusOf(seed)?.status, 'completed');
      assert.deepEqual(readLines<EpochRecord>(path.join(runDirectory, 'grok', `seed-${seed}.jsonl`)).map((row) => row.epoch), Array.from({ length: 401 }, (_, epoch) => epoch));
    }
    assert.equal(fs.readFileSync(path.join(runDirectory, 'grok', 'seed-0.jsonl'), 'utf8'), completedRows, 'the completed seed was not run again');
    assert.equal(readJson<RunManifest>(path.join(runDirectory, 'run.json')).status, 'completed');
    assert.equal(readJson<RunSummary>(path.join(runDirectory, 'summary.json')).seeds.length, 3);
    const events = readLines<RunEvent>(path.join(runDirectory, 'events.jsonl'));
    assert.equal(events.filter((event) => event.type === 'seedFinished' && event.seed === 1).length, 1, "seed 1's earlier end is gone with its rows");

    const again = runCli(['run', '--resume', runDirectory], directory);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /nothing to re-run/);
  });

  it('ends with a clear message when the disk fills up: no hang, no worker left, no temporary file', async () => {
    // A real full disk: a 160 KiB tmpfs (mounting needs root, like the rest of npm test's toolchain).
    const disk = temporaryDirectory();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=160k', 'tmpfs', disk], { encoding: 'utf8' });
    assert.equal(mounted.status, 0, `cannot mount a small tmpfs (this test needs root): ${mounted.stderr}`);
    try {
      const directory = temporaryDirectory();
      const file = writeExperiment(directory, tinyExperiment.replace('epochs: 30', 'epochs: 100000'));
      const started = Date.now();
      const result = spawnSync(process.execPath, [cli, 'run', file, '--out', disk, '--condition', 'grok', '--quiet'], { cwd: directory, encoding: 'utf8', timeout: 90_000 });
      assert.notEqual(result.signal, 'SIGTERM', `the run hung for ${Date.now() - started} ms`);
      assert.equal(result.status, 3, result.stdout + result.stderr);
      assert.match(result.stdout + result.stderr, /no space left on the disk \(ENOSPC\)/);
      assert.doesNotMatch(result.stdout + result.stderr, /internal error|\n\s+at /);
      const runDirectory = onlyRun(disk, 'tiny');
      const leftovers = fs.readdirSync(runDirectory, { recursive: true }).filter((name) => String(name).endsWith('.tmp'));
      assert.deepEqual(leftovers, []);
      for (const seed of [0, 1]) {
        const status = readJsonIfThere<SeedStatusFile>(path.join(runDirectory, 'grok', `seed-${seed}.status.json`));
        if (status?.pid !== undefined) assert.equal(isProcessAlive(status.pid), false, `the worker of seed ${seed} is still alive`);
      }
    } finally {
      spawnSync('umount', [disk]);
    }
  });

  it('refuses bad --out and --resume arguments with one line and exit 2, writing nothing', () => {
    const directory = temporaryDirectory();
    const file = writeExperiment(directory, tinyExperiment);
    fs.writeFileSync(path.join(directory, 'a-file'), 'not a folder');
    const cases: [string[], RegExp][] = [
      [['run', file, '--out', 'a-file'], /cannot make the runs folder .*a-file.*(not a folder|in the way|exists)/],
      [['run', file, '--out', 'a-file/inside'], /cannot make the runs folder .*a-file\/inside.*ENOTDIR/],
      [['run', file, '--out', '--quiet'], /--out needs a folder/],
      [['run', file, '--out'], /--out needs a folder/],
      [['run', '--resume'], /--resume needs a run folder/],
      [['run', '--resume', directory], /not a run folder with a readable run\.json/],
      [['run', '--resume', directory, file], /drop .*test\.grok\.yaml/],
      [['run', '--resume', directory, '--seeds', '1'], /drop --seeds/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(args, directory);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
    }
    assert.deepEqual(fs.readdirSync(directory).sort(), ['a-file', 'test.grok.yaml']);
  });
});

