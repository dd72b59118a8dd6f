// Reading older run.json files as the current format (src/shared/runFormatUpgrade.ts, applied by
// readManifest in src/runs/runFolder.ts): docs/run-format.md §10.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultRunConfig, type DeepPartial } from '../../src/shared/config/defaults';
import { parseExperimentFile } from '../../src/shared/config/parse';
import type { RunConfig } from '../../src/shared/config/types';
import { readManifest, readRun } from '../../src/runs/runFolder';
import { manifestCondition, type RunManifest } from '../../src/shared/runFormat';
import { upgradeRunManifest, type StoredRunManifest } from '../../src/shared/runFormatUpgrade';
import { FIXTURE_RUN, copyFixture } from './reportFixture';
import { mlpConfigOf } from '../../src/shared/config/modelKind';

const readStored = (run: string): StoredRunManifest => JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')) as StoredRunManifest;

/** A manifest as the CLI writes it today, around the resolved conditions of `text`. */
function currentManifest(text: string): RunManifest {
  const [experiment] = parseExperimentFile('x.grok.yaml', text).experiments;
  return {
    formatVersion: 1,
    runId: '2026-01-02T03-04-05Z-abcd',
    experiment: experiment.name,
    file: 'x.grok.yaml',
    seeds: experiment.seeds,
    conditions: experiment.conditions.map(manifestCondition),
    configHash: 'c'.repeat(64),
    engine: { name: 'wasm', threads: 1 },
    versions: { grokkingLab: '0.1.0', node: 'v20.19.0' },
    startTime: '2026-01-02T03:04:05.000Z',
    status: 'running',
    producer: 'cli',
  };
}

describe('reading an older run.json', () => {
  it('fills in the gradient-SED block and the model kind that the fixture run, recorded before they existed, lacks: disabled, with its defaults; mlp', () => {
    // test/fixtures/report/generate.mjs writes the manifest as producers did before diagnostics.gradientSed.
    const stored = readStored(FIXTURE_RUN);
    assert.ok(stored.conditions.every((condition) => (condition.config.diagnostics as { gradientSed?: unknown }).gradientSed === undefined), 'the fixture is in the older format');

    const manifest = readManifest(FIXTURE_RUN);
    assert.ok(manifest);
    const sedDefaults = defaultRunConfig().diagnostics.gradientSed;
    assert.equal(sedDefaults.enabled, false);
    manifest.conditions.forEach((condition, index) => {
      const config = mlpConfigOf(condition.config);
      const { gradientSed, ...otherDiagnostics } = config.diagnostics;
      assert.deepEqual(gradientSed, sedDefaults);
      // Runs recorded before the Transformer are MLP runs (docs/science.md §12).
      const { kind, ...otherModel } = config.model;
      assert.equal(kind, 'mlp');
      // Everything that was recorded is kept, the hash included.
      assert.deepEqual({ ...config, model: otherModel, diagnostics: otherDiagnostics }, stored.conditions[index].config);
      assert.equal(condition.configHash, stored.conditions[index].configHash);
    });
    const { conditions: _upgraded, ...rest } = manifest;
    const { conditions: _stored, ...storedRest } = stored;
    assert.deepEqual(rest, storedRest);
    // readRun, which every viewer uses, reads it the same way; the file itself is not rewritten.
    assert.deepEqual(readRun(FIXTURE_RUN).manifest, manifest);
    assert.deepEqual(readStored(FIXTURE_RUN), stored);
  });

  it('returns a manifest written today as it is, in the same key order', () => {
    const manifest = currentManifest('experiments:\n  x:\n    epochs: 120\n    conditions: { grok: {}, control: { optimizer: { weightDecay: 0 } } }\n');
    const stored = JSON.parse(JSON.stringify(manifest)) as StoredRunManifest;
    assert.equal(JSON.stringify(upgradeRunManifest(stored)), JSON.stringify(manifest));
  });

  it('fills a key missing at any depth from the schema, computes no recorded value again, keeps unknown keys and mutates nothing', () => {
    const config = mlpConfigOf(currentManifest('experiments:\n  x:\n    model: { activation: relu }\n').conditions[0].config);
    const { lag: _lag, ...detector } = config.diagnostics.eigengap.detector;
    const { gradientSed: _gradientSed, ...diagnostics } = config.diagnostics;
    const older: DeepPartial<RunConfig> & { future: string } = {
      ...config,
      diagnostics: { ...diagnostics, eigengap: { ...config.diagnostics.eigengap, detector } },
      future: 'a key of a newer version',
    };
    const stored = { ...currentManifest('experiments: { x: {} }\n'), conditions: [{ name: 'default', configHash: 'h', config: older }] } as StoredRunManifest;
    const before = JSON.stringify(stored);
    const [upgraded] = upgradeRunManifest(stored).conditions;
    assert.equal(JSON.stringify(stored), before);
    assert.equal(upgraded.config.diagnostics.eigengap.detector.lag, 25);
    assert.deepEqual(mlpConfigOf(upgraded.config).diagnostics.gradientSed, defaultRunConfig().diagnostics.gradientSed);
    assert.equal(mlpConfigOf(upgraded.config).epochs, 800);
    assert.deepEqual(mlpConfigOf(upgraded.config).diagnostics.li2.checkpoints, config.diagnostics.li2.checkpoints);
    assert.equal((upgraded.config as RunConfig & { future?: string }).future, 'a key of a newer version');
  });

  it('tolerates a damaged run.json without inventing a configuration', () => {
    const { run } = copyFixture();
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ formatVersion: 1, runId: 'r', conditions: [{ name: 'grok', configHash: 'h' }] }));
    assert.deepEqual(readManifest(run)?.conditions, [{ name: 'grok', configHash: 'h' }]);
    fs.writeFileSync(path.join(run, 'run.json'), '{"formatVersion": 1}');
    assert.deepEqual(readManifest(run), { formatVersion: 1 });
    fs.writeFileSync(path.join(run, 'run.json'), 'null');
    assert.equal(readManifest(run), undefined);
  });
});
