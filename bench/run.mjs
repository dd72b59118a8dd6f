// `npm run bench`: our engine against a PyTorch script of the same epoch, side by side in one run.
//
//   node bench/run.mjs            defaults (K = 2048, 20 timed epochs after 3 warm-up epochs)
//   node bench/run.mjs --quick    smoke check (K = 512, 5 timed epochs after 2 warm-up epochs)
//
// Runs one process at a time, alternating the peers so that they share the machine's noise:
// ours 1 thread, PyTorch 1 thread, ours 2 threads, PyTorch 2 threads; then the Theorem-6 check
// (ours, and the PyTorch float64 core for reference), one study row with every per-row diagnostic
// (ours only, reported, not a target) and one real worker's peak memory. Prints a
// Markdown table with the targets of docs/performance.md and writes the same as JSON to
// bench/results/bench-<timestamp>.json. See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearInterval, setInterval } from 'node:timers';

const root = path.resolve(import.meta.dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const python = '/usr/bin/python3';
const peerScript = path.join(root, 'bench', 'peer_torch.py');
const engineScript = path.join(root, 'bench', 'engineEpoch.ts');
const theorem6Script = path.join(root, 'bench', 'theorem6.ts');
const studyRowScript = path.join(root, 'bench', 'studyRow.ts');
const workerScript = path.join(root, 'dist', 'worker.js');
const timeBinary = '/usr/bin/time';

const MODULUS = 71;
const TRAIN_SIZE = 2016;
const TEST_SIZE = MODULUS * MODULUS - TRAIN_SIZE;
/** Targets of docs/performance.md. */
const THEOREM6_TARGET_MS = 500;
const WORKER_MEMORY_TARGET_MB = 300;
/** A benchmark process that takes longer than this is stopped (and reported as failed). */
const PROCESS_TIMEOUT_MS = 15 * 60 * 1000;

function parseArguments(argv) {
  const quick = argv.includes('--quick');
  const settings = quick ? { hidden: 512, epochs: 5, warmup: 2 } : { hidden: 2048, epochs: 20, warmup: 3 };
  for (const name of ['hidden', 'epochs', 'warmup']) {
    const index = argv.indexOf(`--${name}`);
    if (index >= 0) settings[name] = Number.parseInt(argv[index + 1], 10);
  }
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isInteger(value) || value < (name === 'warmup' ? 0 : 1)) {
      throw new Error(`--${name} must be a positive integer, got ${value}`);
    }
  }
  const atDefaults = settings.hidden === 2048 && settings.epochs >= 20 && settings.warmup >= 3;
  return { quick, atDefaults, ...settings };
}

/** Nominal FLOPs of one epoch, 2·(3·n_train + n_test)·K·M (docs/performance.md). */
function epochFlops(hidden) {
  return 2 * (3 * TRAIN_SIZE + TEST_SIZE) * hidden * MODULUS;
}

function loadAverage() {
  return fs.readFileSync('/proc/loadavg', 'utf8').trim();
}

function cpuModel() {
  const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((text) => text.startsWith('model name'));
  return line ? line.split(':')[1].trim() : os.cpus()[0]?.model ?? 'unknown';
}

function log(message) {
  process.stderr.write(`${message}\n`);
}

/**
 * Runs one benchmark process to completion and parses the last stdout line that is a JSON object.
 * Returns { ok, result, seconds, loadBefore, error }; never throws.
 */
function runJson(label, command, args, options = {}) {
  const loadBefore = loadAverage().split(' ')[0];
  log(`- ${label} (load ${loadBefore}): ${[command, ...args].map((part) => (part.startsWith(`${root}/`) ? path.relative(root, part) : part)).join(' ')}`);
  const started = performance.now();
  const child = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: PROCESS_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...options.env },
  });
  const seconds = (performance.now() - started) / 1000;
  const stdout = child.stdout ?? '';
  const stderr = child.stderr ?? '';
  const jsonLine = stdout.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('{')).pop();
  if (child.error || child.status !== 0 || !jsonLine) {
    const reason = child.error?.message ?? (child.status !== 0 ? `exit code ${child.status ?? child.signal}` : 'no JSON line on stdout');
    const tail = stderr.trim().split('\n').slice(-5).join('\n    ');
    log(`  failed: ${reason}${tail ? `\n    ${tail}` : ''}`);
    return { ok: false, seconds, loadBefore, error: `${reason}${tail ? `: ${tail}` : ''}`, stderr };
  }
  try {
    const result = JSON.parse(jsonLine);
    log(`  done in ${seconds.toFixed(1)} s`);
    return { ok: true, result, seconds, loadBefore, stderr };
  } catch (error) {
    log(`  failed: unparsable JSON (${error.message})`);
    return { ok: false, seconds, loadBefore, error: `unparsable JSON: ${jsonLine.slice(0, 200)}` };
  }
}

function torchAvailable() {
  if (!fs.existsSync(python)) return { ok: false, reason: `${python} not found` };
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { ok: false, reason: 'python3-torch is not installed (import torch failed)' };
  return { ok: true, version: probe.stdout.trim() };
}

function runOurs(settings, threads) {
  const label = `ours (wasm) ${threads} thread${threads > 1 ? 's' : ''}`;
  if (!fs.existsSync(engineScript)) {
    log(`- ${label}: not measured: bench/engineEpoch.ts does not exist`);
    return { ok: false, error: 'not measured: bench/engineEpoch.ts does not exist' };
  }
  return runJson(label, tsx, [engineScript, '--engine', 'wasm', '--threads', String(threads),
    '--hidden', String(settings.hidden), '--epochs', String(settings.epochs), '--warmup', String(settings.warmup)]);
}

function runPeer(settings, threads, torch) {
  const label = `PyTorch ${threads} thread${threads > 1 ? 's' : ''}`;
  if (!torch.ok) return { ok: false, error: `not measured: ${torch.reason}` };
  // OPENBLAS_NUM_THREADS as well as the script's own openblas_set_num_threads: the pool is sized
  // from it when the library loads, before torch can say anything.
  return runJson(label, python, [peerScript, String(settings.hidden), String(settings.epochs), String(settings.warmup), String(threads)],
    { env: { OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) } });
}

/** Finds the total time of the Theorem-6 check in bench/theorem6.ts's JSON line, in ms. */
function theorem6TotalMs(result) {
  for (const [key, value] of Object.entries(result)) {
    if (typeof value !== 'number' || !/total/i.test(key)) continue;
    if (/ms$/i.test(key)) return value;
    if (/(seconds|s)$/i.test(key)) return value * 1000;
  }
  return undefined;
}

/** The RunConfig of one seed at the defaults (withDefaults in src/shared/config/defaults.ts), read through tsx. */
function workerConfig(hidden, epochs, checkpoints) {
  const program = [
    "import { withDefaults } from './src/shared/config/defaults';",
    'const [hidden, epochs, checkpoints] = JSON.parse(process.argv[process.argv.length - 1]);',
    'const config = withDefaults({ model: { hidden }, epochs, diagnostics: { repulsion: { checkpoints } } });',
    'console.log(JSON.stringify(config));',
  ].join('\n');
  const child = spawnSync(tsx, ['-e', program, JSON.stringify([hidden, epochs, checkpoints])], { cwd: root, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`cannot build the worker's config: ${child.stderr.trim()}`);
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

/**
 * Peak resident memory of one real worker (`node dist/worker.js ASSIGNMENT.json`): one seed,
 * 3 epochs, Theorem-6 checkpoint at epoch 2. Uses GNU time's maximum RSS (the child's VmHWM at
 * exit) when /usr/bin/time exists, else polls VmHWM in /proc/<pid>/status every 20 ms.
 */
async function measureWorkerMemory(hidden) {
  if (!fs.existsSync(workerScript)) {
    log('- worker memory: not measured: worker not built');
    return { ok: false, error: 'not measured: worker not built (dist/worker.js)' };
  }
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-bench-'));
  try {
    const epochs = 3;
    const assignment = {
      runId: `bench-${Date.now()}`,
      runDirectory: path.join(directory, 'run'),
      condition: 'default',
      seed: 0,
      config: workerConfig(hidden, epochs, [2]),
    };
    fs.mkdirSync(path.join(assignment.runDirectory, assignment.condition), { recursive: true });
    const assignmentFile = path.join(directory, 'assignment.json');
    fs.writeFileSync(assignmentFile, JSON.stringify(assignment));
    const loadBefore = loadAverage().split(' ')[0];
    const useTime = fs.existsSync(timeBinary) && spawnSync(timeBinary, ['-v', 'true'], { encoding: 'utf8' }).stderr.includes('Maximum resident');
    log(`- worker memory (load ${loadBefore}): node dist/worker.js, K=${hidden}, ${epochs} epochs, Theorem-6 at epoch 2${useTime ? ', /usr/bin/time -v' : ', polling VmHWM'}`);
    const started = performance.now();
    const outcome = useTime ? await peakWithTime(assignmentFile) : await peakByPolling(assignmentFile);
    const seconds = (performance.now() - started) / 1000;
    if (outcome.exitCode !== 0) {
      log(`  failed: exit code ${outcome.exitCode}: ${outcome.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return { ok: false, seconds, error: `worker exited with ${outcome.exitCode}: ${outcome.stderr.trim().split('\n').slice(-3).join(' | ')}` };
    }
    const records = fs.readdirSync(path.join(assignment.runDirectory, assignment.condition))
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => fs.readFileSync(path.join(assignment.runDirectory, assignment.condition, name), 'utf8').trim().split('\n').length);
    // The Theorem-6 event proves the checkpoint ran inside the measured process (and gives its time).
    const eventsFile = path.join(assignment.runDirectory, 'events.jsonl');
    const repulsion = fs.existsSync(eventsFile)
      ? fs.readFileSync(eventsFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line))
        .find((event) => event.type === 'repulsion' && event.epoch === 2)
      : undefined;
    log(`  done in ${seconds.toFixed(1)} s: peak ${(outcome.peakKiB / 1024).toFixed(1)} MiB`);
    return {
      ok: true, seconds, loadBefore, method: outcome.method, peakMiB: outcome.peakKiB / 1024, epochs, checkpoints: [2], hidden,
      recordLines: Math.max(0, ...records), theorem6Ran: repulsion !== undefined, theorem6Ms: repulsion?.milliseconds,
    };
  } catch (error) {
    log(`  failed: ${error.message}`);
    return { ok: false, error: error.message };
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

async function peakWithTime(assignmentFile) {
  const child = spawnSync(timeBinary, ['-v', process.execPath, workerScript, assignmentFile], { cwd: root, encoding: 'utf8', timeout: PROCESS_TIMEOUT_MS });
  const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr ?? '');
  return { method: '/usr/bin/time -v (maximum resident set size)', exitCode: child.status ?? -1, stderr: child.stderr ?? '', peakKiB: match ? Number(match[1]) : Number.NaN };
}

async function peakByPolling(assignmentFile) {
  const child = spawn(process.execPath, [workerScript, assignmentFile], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  let peakKiB = 0;
  const poll = () => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (match) peakKiB = Math.max(peakKiB, Number(match[1]));
    } catch { /* the process has just exited */ }
  };
  const timer = setInterval(poll, 20);
  const exitCode = await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  clearInterval(timer);
  return { method: 'VmHWM polled every 20 ms (a lower bound)', exitCode, stderr, peakKiB };
}

const formatMs = (value) => (value === undefined ? '—' : value.toFixed(1));
const formatRatio = (value) => (value === undefined ? '—' : `${value.toFixed(2)}×`);

function verdict(met, applicable) {
  if (met === undefined) return 'not measured';
  if (!applicable) return `${met ? 'met' : 'not met'} (quick run: the target applies at the defaults)`;
  return met ? 'met' : 'NOT MET';
}

async function main() {
  const settings = parseArguments(process.argv.slice(2));
  const started = new Date();
  const loadBefore = loadAverage();
  const torch = torchAvailable();
  const warnings = [];
  log(`Grokking Lab bench: K=${settings.hidden}, ${settings.epochs} timed epochs after ${settings.warmup} warm-up, load ${loadBefore}`);
  if (!torch.ok) {
    const message = `PyTorch peer not measured: ${torch.reason}. Install it with \`sh bench/setup.sh\` (apt-get install python3-torch libopenblas0-pthread).`;
    warnings.push(message);
    log(message);
  }

  // One process at a time, the peers alternating, so that both see the same slice of noise.
  const epochRuns = [];
  for (const threads of [1, 2]) {
    epochRuns.push({ implementation: 'ours (wasm)', threads, run: runOurs(settings, threads) });
    epochRuns.push({ implementation: 'PyTorch + BLAS', threads, run: runPeer(settings, threads, torch) });
  }
  for (const entry of epochRuns) {
    const blas = entry.run.ok ? entry.run.result.blas : undefined;
    if (!entry.implementation.startsWith('PyTorch') || !blas) continue;
    entry.implementation = blas.openblas ? 'PyTorch + OpenBLAS' : `PyTorch + ${path.basename(blas.library)} (NOT OpenBLAS)`;
    if (!blas.openblas) {
      warnings.push(`PyTorch ran on ${blas.library}, NOT OpenBLAS: its times are 10–20× too slow and the comparison flatters us. Run \`sh bench/setup.sh\`.`);
    }
  }

  const ourTheorem6 = fs.existsSync(theorem6Script)
    ? runJson('Theorem-6 check (ours)', tsx, [theorem6Script])
    : (log('- Theorem-6 check (ours): not measured: bench/theorem6.ts does not exist'), { ok: false, error: 'not measured: bench/theorem6.ts does not exist' });
  // The PyTorch reference at 1 thread (a worker's share of the machine) and, in a full run, 2 threads.
  const peerTheorem6 = (settings.quick ? [1] : [1, 2]).map((threads) => (torch.ok
    ? runJson(`Theorem-6 core, PyTorch float64, ${threads} thread${threads > 1 ? 's' : ''}`, python,
      [peerScript, '2048', settings.quick ? '2' : '5', '1', String(threads), '--mode', 'theorem6'],
      { env: { OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) } })
    : { ok: false, error: `not measured: ${torch.reason}` }));
  // A study row as the trainer times it (evaluate, the per-row diagnostics, step), and ‖G_F‖'s share.
  const studyRow = runJson('study row with every per-row diagnostic (ours, 1 thread)', tsx, [studyRowScript, '--hidden', String(settings.hidden),
    '--rows', String(settings.epochs), '--warmup', String(settings.warmup), '--rounds', settings.quick ? '1' : '2']);
  const memory = await measureWorkerMemory(settings.hidden);
  const loadAfter = loadAverage();

  // The table: GFLOP/s recomputed from the medians with one formula for every row.
  const flops = epochFlops(settings.hidden);
  const rows = epochRuns.map(({ implementation, threads, run }) => ({
    implementation,
    threads,
    ok: run.ok,
    medianMs: run.ok ? run.result.medianMs : undefined,
    minMs: run.ok ? run.result.minMs : undefined,
    gflops: run.ok ? flops / run.result.medianMs / 1e6 : undefined,
    loadBefore: run.loadBefore,
    error: run.ok ? undefined : run.error,
  }));
  for (const row of rows) {
    const peer = rows.find((other) => other.implementation.startsWith('PyTorch') && other.threads === row.threads);
    row.ratioToPyTorch = row.ok && peer?.ok ? row.medianMs / peer.medianMs : undefined;
    // Minima are less sensitive to other tenants than medians: shown alongside, never judged.
    row.minRatioToPyTorch = row.ok && peer?.ok ? row.minMs / peer.minMs : undefined;
  }
  const ours = (threads) => rows.find((row) => row.implementation.startsWith('ours') && row.threads === threads);
  const ourTheorem6Ms = ourTheorem6.ok ? theorem6TotalMs(ourTheorem6.result) : undefined;
  const targets = [
    { name: 'ms/epoch, 1 thread: ours ≤ PyTorch + OpenBLAS', target: 'ratio ≤ 1', value: ours(1).ratioToPyTorch,
      met: ours(1).ratioToPyTorch === undefined ? undefined : ours(1).ratioToPyTorch <= 1 },
    { name: 'ms/epoch, 2 threads: ours < PyTorch + OpenBLAS', target: 'ratio < 1', value: ours(2).ratioToPyTorch,
      met: ours(2).ratioToPyTorch === undefined ? undefined : ours(2).ratioToPyTorch < 1 },
    { name: 'Theorem-6 checkpoint at K = 2048 (ours)', target: `< ${THEOREM6_TARGET_MS} ms`, value: ourTheorem6Ms,
      met: ourTheorem6Ms === undefined ? undefined : ourTheorem6Ms < THEOREM6_TARGET_MS },
    { name: `worker peak memory, one seed, K = ${settings.hidden}`, target: `< ${WORKER_MEMORY_TARGET_MB} MB`, value: memory.ok ? memory.peakMiB : undefined,
      met: memory.ok ? memory.peakMiB < WORKER_MEMORY_TARGET_MB : undefined },
  ];
  for (const [index, target] of targets.entries()) {
    // The Theorem-6 check always runs at K = 2048; the others only meet their definition at the defaults.
    target.applicable = index === 2 || settings.atDefaults;
    target.verdict = verdict(target.met, target.applicable);
  }

  const peerRun = epochRuns.find(({ implementation, run }) => implementation.startsWith('PyTorch') && run.ok)?.run.result;
  const lines = [];
  lines.push(`## Grokking Lab bench — ${started.toISOString()}${settings.quick ? ' (quick)' : ''}`);
  lines.push('');
  lines.push(`M = ${MODULUS}, K = ${settings.hidden}, n_train = ${TRAIN_SIZE}, test ${TEST_SIZE}, σ = x², Adam (coupled L2 2e-4), class-centred MSE; ` +
    `median of ${settings.epochs} epochs after ${settings.warmup} warm-up; ${(flops / 1e9).toFixed(2)} GFLOP/epoch nominal.`);
  lines.push(`CPU ${cpuModel()} (${os.cpus().length} cores), node ${process.version}, torch ${torch.ok ? torch.version : 'not installed'}` +
    (peerRun ? `, BLAS ${peerRun.blas.openblas ? `${peerRun.blas.config} (core ${peerRun.blas.core})` : peerRun.blas.library}` : ''));
  lines.push(`load average before: ${loadBefore}; after: ${loadAfter}`);
  lines.push('');
  lines.push('| implementation | threads | ms/epoch median | min | GFLOP/s | ratio vs PyTorch (same threads) | ratio of minima | load at start |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    if (!row.ok) {
      lines.push(`| ${row.implementation} | ${row.threads} | ${row.error} | | | | | ${row.loadBefore ?? ''} |`);
      continue;
    }
    const peer = row.implementation.startsWith('PyTorch');
    const ratio = peer ? '1 (peer)' : formatRatio(row.ratioToPyTorch);
    const minRatio = peer ? '1 (peer)' : formatRatio(row.minRatioToPyTorch);
    lines.push(`| ${row.implementation} | ${row.threads} | ${formatMs(row.medianMs)} | ${formatMs(row.minMs)} | ${row.gflops.toFixed(1)} | ${ratio} | ${minRatio} | ${row.loadBefore} |`);
  }
  lines.push('');
  for (const target of targets) {
    let value = '—';
    if (target.value !== undefined) {
      value = target.name.startsWith('ms/epoch') ? `ratio ${target.value.toFixed(2)}` : target.name.startsWith('worker')
        ? `${target.value.toFixed(1)} MiB` : `${target.value.toFixed(0)} ms`;
    }
    lines.push(`- ${target.name}: ${value} (target ${target.target}): **${target.verdict}**`);
  }
  if (!ourTheorem6.ok) lines.push(`  - Theorem-6 (ours): ${ourTheorem6.error}`);
  else if (ourTheorem6Ms === undefined) lines.push(`  - Theorem-6 (ours): no total field in ${JSON.stringify(ourTheorem6.result)}`);
  for (const [index, run] of peerTheorem6.entries()) {
    const threads = index + 1;
    lines.push(run.ok
      ? `- reference only — Theorem-6 core in PyTorch float64, ${threads} thread${threads > 1 ? 's' : ''} (K × K Gram + top-200 cosine pairs, Cholesky, solves): ` +
        `${run.result.medianMs.toFixed(0)} ms median (${Object.entries(run.result.partsMedianMs).map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ')})`
      : `- reference only — Theorem-6 core in PyTorch, ${threads} thread(s): ${run.error}`);
  }
  lines.push(studyRow.ok
    ? `- study row, 1 thread, every per-row diagnostic (not a target): ${studyRow.result.rowMedianMs.toFixed(1)} ms median ` +
      `(${studyRow.result.rowWithoutLi2MedianMs.toFixed(1)} ms without Li₂); ‖G_F‖ alone ${studyRow.result.gradientFNormMedianMs.toFixed(2)} ms ` +
      `(${(100 * studyRow.result.gradientFNormShare).toFixed(0)} % of a row)`
    : `- study row: ${studyRow.error}`);
  if (!memory.ok) lines.push(`  - worker memory: ${memory.error}`);
  else {
    lines.push(`  - worker memory: ${memory.method}; ${memory.epochs} epochs, ${memory.recordLines} record rows written; ` +
      (memory.theorem6Ran ? `Theorem-6 check ran at epoch 2${typeof memory.theorem6Ms === 'number' ? ` (${memory.theorem6Ms.toFixed(0)} ms in the worker)` : ''}` : 'NO Theorem-6 event at epoch 2'));
  }
  if (warnings.length > 0) {
    lines.push('');
    for (const warning of warnings) lines.push(`> **WARNING:** ${warning}`);
  }

  const resultsDirectory = path.join(root, 'bench', 'results');
  fs.mkdirSync(resultsDirectory, { recursive: true });
  const resultsFile = path.join(resultsDirectory, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    timestamp: started.toISOString(),
    mode: settings.quick ? 'quick' : 'full',
    settings: { modulus: MODULUS, trainSize: TRAIN_SIZE, testSize: TEST_SIZE, hidden: settings.hidden, epochs: settings.epochs, warmup: settings.warmup, flopsPerEpoch: flops },
    machine: {
      cpu: cpuModel(),
      cores: os.cpus().length,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAfter,
      node: process.version,
      torch: torch.ok ? torch.version : null,
      blas: peerRun ? peerRun.blas : null,
    },
    table: rows,
    targets,
    theorem6: { ours: ourTheorem6.ok ? { totalMs: ourTheorem6Ms, ...ourTheorem6.result } : { error: ourTheorem6.error }, pytorchFloat64Reference: peerTheorem6.map((run) => (run.ok ? run.result : { error: run.error })) },
    studyRow: studyRow.ok ? studyRow.result : { error: studyRow.error },
    memory,
    runs: epochRuns.map(({ implementation, threads, run }) => ({ implementation, threads, ...(run.ok ? { result: run.result, seconds: run.seconds, loadBefore: run.loadBefore } : { error: run.error }) })),
    warnings,
  };
  fs.writeFileSync(resultsFile, `${JSON.stringify(report, null, 2)}\n`);

  console.log(lines.join('\n'));
  console.log('');
  console.log(`JSON: ${path.relative(root, resultsFile)}`);
  if (warnings.length > 0) {
    for (const warning of warnings) log(`\n!!!!!!!! WARNING: ${warning}`);
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error.stack ?? error}`);
  process.exit(1);
});
