// The dashboard panel host's pure parts: the page and its Content Security Policy, and the
// snapshot read from a real run folder (written through src/runs/runFolder.ts).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DASHBOARD_RESOURCES, EMPTY_STYLE_HASH, PLOTLY_MAPLIBRE_STYLE_ID, contentSecurityPolicy, createNonce, dashboardHtml } from '../../src/extension/dashboard/dashboardHtml';
import { MINIMUM_RECORDS_PER_SEED, readRunSnapshots, recordsPerSeed, snapshotOfRun } from '../../src/extension/dashboard/runSnapshot';
import { withDefaults } from '../../src/shared/config/defaults';
import { WEBVIEW_PROTOCOL_VERSION, isHostMessage } from '../../src/shared/protocol/webview';
import type { EpochRecord, RunManifest } from '../../src/shared/runFormat';
import { LineAppender, RUN_EVENTS, readRun, seedRecordsPath, writeManifest, writeSeedStatus } from '../../src/runs/runFolder';
import { writeTransformerRun } from './transformerRunFixture';

const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-dashboard-'));
after(() => fs.rmSync(temporary, { recursive: true, force: true }));

function row(epoch: number): EpochRecord {
  return { epoch, trainLoss: 1 / (epoch + 1), trainAcc: Math.min(1, epoch / 50), testLoss: 1, testAcc: epoch === 123 ? 0.99 : 0.1, weightNorm: 1, gap23: 2 };
}

/** Writes a run folder the way a producer does: manifest, per-seed rows and statuses, events. */
function writeRun(name: string, rowsPerSeed: number, seeds: number[], conditions: string[]): string {
  const directory = path.join(temporary, 'lockin', name);
  const manifest: RunManifest = {
    formatVersion: 1,
    runId: name,
    experiment: 'lockin',
    file: 'lockin.grok.yaml',
    seeds,
    conditions: conditions.map((condition) => ({ name: condition, configHash: condition, config: withDefaults({ epochs: 1000 }) })),
    configHash: 'hash',
    engine: { name: 'wasm', threads: 1 },
    versions: { grokkingLab: '0.1.0', node: process.version },
    startTime: '2026-01-01T00:00:00Z',
    status: 'running',
    producer: 'cli',
  };
  writeManifest(directory, manifest);
  for (const condition of conditions) {
    for (const seed of seeds) {
      const appender = new LineAppender(seedRecordsPath(directory, condition, seed));
      for (let epoch = 0; epoch < rowsPerSeed; epoch++) appender.appendJson(row(epoch));
      appender.close();
      writeSeedStatus(directory, { condition, seed, status: seed === 0 ? 'running' : 'diverged', lastEpoch: rowsPerSeed - 1, epochs: 1000, startTime: manifest.startTime, ...(seed === 0 ? {} : { message: 'loss is NaN' }) });
    }
  }
  const events = new LineAppender(path.join(directory, RUN_EVENTS));
  events.appendJson({ type: 'detectorFired', condition: conditions[0], seed: 0, epoch: 40, gap23: 3, gapSlope: 0.05 });
  events.close();
  return directory;
}

describe('dashboard page', () => {
  const page = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: createNonce(), plotlyScript: 'https://x/dist/plotly.min.js', webviewScript: 'https://x/dist/webview.js', stylesheet: 'https://x/media/dashboard.css' };
  const html = dashboardHtml(page);

  it('has a strict CSP: nothing by default, scripts by nonce only, no eval, no inline styles but the empty one', () => {
    const csp = contentSecurityPolicy(page.cspSource, page.nonce);
    assert.equal(
      csp,
      `default-src 'none'; script-src 'nonce-${page.nonce}'; style-src ${page.cspSource} ${EMPTY_STYLE_HASH}; img-src ${page.cspSource} data: blob:; font-src ${page.cspSource}`,
    );
    assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|\*/);
    assert.ok(html.includes(`content="${csp}"`));
    // The hash is the one of the empty string, so it allows an empty <style> and nothing else.
    assert.equal(EMPTY_STYLE_HASH, `'sha256-${crypto.createHash('sha256').update('').digest('base64')}'`);
  });

  it('loads Plotly, then the dashboard, both with the nonce, and the stylesheet; fresh nonces differ', () => {
    const scripts = [...html.matchAll(/<script nonce="([^"]+)" src="([^"]+)"><\/script>/g)];
    assert.deepEqual(scripts.map((match) => match[2]), [page.plotlyScript, page.webviewScript]);
    assert.ok(scripts.every((match) => match[1] === page.nonce));
    assert.equal((html.match(/<script/g) ?? []).length, 2, 'no inline script');
    assert.ok(html.includes(`<link rel="stylesheet" href="${page.stylesheet}">`));
    assert.ok(html.includes(`<template id="${PLOTLY_MAPLIBRE_STYLE_ID}"></template>`));
    assert.notEqual(createNonce(), createNonce());
    assert.deepEqual(DASHBOARD_RESOURCES.webviewScript, ['dist', 'webview.js']);
  });

  it('names the maplibre stylesheet id Plotly really looks for', () => {
    const plotly = fs.readFileSync(path.join(__dirname, '..', '..', 'node_modules', 'plotly.js-dist-min', 'plotly.min.js'), 'utf8');
    assert.ok(plotly.includes(`document.getElementById("${PLOTLY_MAPLIBRE_STYLE_ID}")`), 'Plotly changed: update PLOTLY_MAPLIBRE_STYLE_ID');
  });
});

describe('dashboard snapshots from run folders', () => {
  it('reads every seed with its status, message and rows, the events, and what the host knows better', () => {
    const directory = writeRun('run-small', 30, [0, 1], ['grok', 'control']);
    const [snapshot] = readRunSnapshots([directory], () => undefined);
    assert.equal(snapshot.runId, 'run-small');
    assert.equal(snapshot.status, 'running');
    assert.deepEqual(snapshot.seeds.map((seed) => [seed.condition, seed.seed, seed.status, seed.records.length, seed.epochs]), [
      ['grok', 0, 'running', 30, 1000],
      ['grok', 1, 'diverged', 30, 1000],
      ['control', 0, 'running', 30, 1000],
      ['control', 1, 'diverged', 30, 1000],
    ]);
    assert.equal(snapshot.seeds[1].message, 'loss is NaN');
    assert.equal(snapshot.seeds[0].decimation, undefined);
    assert.equal(snapshot.events.length, 1);
    assert.equal(snapshot.summary, null);
    assert.ok(isHostMessage({ type: 'snapshot', protocolVersion: WEBVIEW_PROTOCOL_VERSION, runs: [snapshot] }));

    // The catalog knows the worker of seed 0 is gone: its status wins over the file's.
    const [known] = readRunSnapshots([directory], () => ({ status: 'interrupted', seeds: [{ condition: 'grok', seed: 0, status: 'interrupted', message: 'its worker is gone' }] }));
    assert.equal(known.status, 'interrupted');
    assert.deepEqual([known.seeds[0].status, known.seeds[0].message], ['interrupted', 'its worker is gone']);
    assert.equal(known.seeds[1].status, 'diverged');
  });

  it('shares a row budget between seeds and thins long seeds together, keeping spikes and saying so', () => {
    assert.equal(recordsPerSeed(4, 40_000), 10_000);
    assert.equal(recordsPerSeed(1000, 40_000), MINIMUM_RECORDS_PER_SEED);
    const directory = writeRun('run-long', 2000, [0, 1], ['grok']);
    const snapshot = snapshotOfRun(readRun(directory), 200);
    for (const seed of snapshot.seeds) {
      assert.ok(seed.records.length <= 200, `${seed.records.length} rows`);
      assert.deepEqual(seed.decimation, { sourceRecordCount: 2000, method: 'minMaxBuckets' });
      assert.equal(seed.records[0].epoch, 0);
      assert.equal(seed.records.at(-1)?.epoch, 1999);
      assert.ok(seed.records.some((record) => record.epoch === 123), 'the test-accuracy spike at epoch 123 is kept');
    }
    // Seeds keep the same epochs, so medians over seeds stay exact.
    assert.deepEqual(snapshot.seeds[0].records.map((record) => record.epoch), snapshot.seeds[1].records.map((record) => record.epoch));
  });

  it('says what a run’s rows count: steps for a Transformer run written keyed by step, epochs for an MLP run, from run.json or the assignment files', () => {
    const [transformer] = readRunSnapshots([writeTransformerRun(path.join(temporary, 'tf-full'))], () => undefined);
    assert.equal(transformer.timeUnit, 'step');
    // Rows keyed `step` on disk arrive with their step as the row's time.
    assert.deepEqual(transformer.seeds[0].records.slice(0, 3).map((record) => record.epoch), [0, 100, 200]);
    assert.equal(transformer.seeds[0].records.at(-1)?.epoch, 3000);
    assert.equal(transformer.seeds[0].epochs, 3000);
    assert.deepEqual(transformer.seeds[0].records[16].operations?.map((head) => [head.operation, head.testAcc]), [['add', 1], ['subtract', 0.985]]);
    // summary.json, written by the producer's own code, has the grok ≥ 0.98 milestone.
    assert.deepEqual(transformer.summary?.seeds.map((seed) => seed.grokEpoch98), [1600, 1800, 1000, 1100]);
    assert.ok(isHostMessage({ type: 'snapshot', protocolVersion: WEBVIEW_PROTOCOL_VERSION, runs: [transformer] }));
    // Without run.json, the seeds' assignment files say it.
    const [orphan] = readRunSnapshots([writeTransformerRun(path.join(temporary, 'tf-orphan'), { manifest: false })], () => undefined);
    assert.deepEqual([orphan.manifest, orphan.timeUnit], [null, 'step']);
    const [mlp] = readRunSnapshots([writeRun('run-mlp', 5, [0], ['grok'])], () => undefined);
    assert.equal(mlp.timeUnit, 'epoch');
  });

  it('shows a folder without run.json with what it has, as interrupted', () => {
    const directory = path.join(temporary, 'lockin', 'run-orphan');
    const appender = new LineAppender(seedRecordsPath(directory, 'default', 3));
    appender.appendJson(row(0));
    appender.close();
    const [snapshot] = readRunSnapshots([directory], () => undefined);
    assert.deepEqual([snapshot.runId, snapshot.manifest, snapshot.status], ['run-orphan', null, 'interrupted']);
    assert.deepEqual(snapshot.seeds.map((seed) => [seed.condition, seed.seed, seed.status, seed.records.length]), [['default', 3, 'interrupted', 1]]);
    // Nothing says how it was configured: its rows count epochs, as every run before the Transformer.
    assert.equal(snapshot.timeUnit, 'epoch');
  });
});
