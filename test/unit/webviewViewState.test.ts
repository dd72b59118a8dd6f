// The dashboard's persisted view state and chart rules: defaults, lenient reading of old or
// malformed states, seed toggles, and which charts offer log axes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHART_DEFINITIONS, CHART_IDS, isLogY } from '../../src/webview/chartDefinitions';
import { defaultViewState, isSeedShown, parseViewState, seedToggleKey, withRuns, withSeedShown } from '../../src/webview/viewState';

describe('webview view state', () => {
  it('starts with nothing shown, smoothing off and the automatic seed view', () => {
    assert.deepEqual(parseViewState(undefined), defaultViewState());
    assert.deepEqual(defaultViewState(), { version: 1, runIds: [], logX: false, logY: {}, seedView: 'auto', smoothing: 0, hiddenSeeds: [], couplingNormalized: false });
  });

  it('reads a persisted state, keeping what is valid and defaulting the rest', () => {
    const state = parseViewState({
      version: 0,
      runIds: ['a', 'b', 'a', 3, ''],
      logX: true,
      logY: { gap: false, detectorSlope: true, unknownChart: true, loss: 'yes' },
      seedView: 'median',
      smoothing: 0.95,
      hiddenSeeds: ['a/grok/1', null],
      couplingNormalized: 'no',
    });
    assert.deepEqual(state, { version: 1, runIds: ['a', 'b'], logX: true, logY: { gap: false, detectorSlope: true }, seedView: 'median', smoothing: 0.95, hiddenSeeds: ['a/grok/1'], couplingNormalized: false });
    assert.equal(parseViewState({ smoothing: 1 }).smoothing, 0, 'a weight of 1 would freeze the average');
    assert.equal(parseViewState({ seedView: 'everything' }).seedView, 'auto');
    assert.deepEqual(parseViewState([1, 2]), defaultViewState());
  });

  it('toggles seeds and forgets the toggles of runs no longer shown', () => {
    const key = seedToggleKey('run-a', 'grok', 3);
    let state = withSeedShown(defaultViewState(), key, false);
    assert.equal(isSeedShown(state, 'run-a', 'grok', 3), false);
    assert.equal(isSeedShown(state, 'run-a', 'grok', 4), true);
    state = withSeedShown(state, seedToggleKey('run-b', 'control', 0), false);
    state = withRuns(state, ['run-a', 'run-c']);
    assert.deepEqual(state.runIds, ['run-a', 'run-c']);
    assert.deepEqual(state.hiddenSeeds, [key]);
    assert.equal(isSeedShown(withSeedShown(state, key, true), 'run-a', 'grok', 3), true);
  });

  it('offers log-y where values are positive and span decades, with the defaults of docs/product.md §2.4', () => {
    assert.equal(isLogY('loss', {}), true);
    assert.equal(isLogY('gap', {}), true);
    assert.equal(isLogY('eigenvalues', {}), true);
    assert.equal(isLogY('accuracy', {}), false);
    assert.equal(isLogY('gap', { gap: false }), false);
    // The slope is negative half of the time; repulsion shares and B_jl are not log quantities.
    assert.equal(isLogY('detectorSlope', { detectorSlope: true }), false);
    assert.equal(isLogY('coupling', { coupling: true }), false);
    for (const chart of CHART_IDS) assert.equal(CHART_DEFINITIONS[chart].id, chart);
  });
});
