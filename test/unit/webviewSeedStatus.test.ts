// The seed list's words for statuses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DashboardSeed } from '../../src/webview/store';
import { groupStatusText, seedStatusText } from '../../src/webview/seedStatus';

function seed(status: DashboardSeed['status'], lastEpoch: number | null, message?: string): DashboardSeed {
  const records = lastEpoch === null ? [] : [{ epoch: lastEpoch, trainLoss: 1, trainAcc: 0, testLoss: 1, testAcc: 0, weightNorm: 1 }];
  return { condition: 'grok', seed: 0, status, epochs: 300, records, ...(message ? { message } : {}) };
}

describe('webview seed statuses', () => {
  it('says how far a seed is and why it stopped', () => {
    assert.equal(seedStatusText(seed('running', 120), 'epoch'), 'running epoch 120/300');
    assert.equal(seedStatusText(seed('running', null), 'epoch'), 'running');
    assert.equal(seedStatusText(seed('queued', null), 'epoch'), 'queued');
    assert.equal(seedStatusText(seed('completed', 300), 'epoch'), 'completed');
    assert.equal(seedStatusText(seed('diverged', 87, 'loss is NaN'), 'epoch'), 'diverged at epoch 87: loss is NaN');
    assert.equal(seedStatusText(seed('failed', null, 'worker exited with code 1'), 'epoch'), 'failed: worker exited with code 1');
  });

  it('says step for a Transformer’s seeds', () => {
    assert.equal(seedStatusText(seed('running', 120), 'step'), 'running step 120/300');
    assert.equal(seedStatusText(seed('cancelled', 87), 'step'), 'cancelled at step 87');
    assert.equal(groupStatusText([seed('running', 100), seed('running', 200)], 'step'), '2 seeds: 2 running (step 100–200 of 300)');
  });

  it('sums up a group in one line', () => {
    assert.equal(groupStatusText([seed('running', 120), seed('running', 131), seed('diverged', 87), seed('queued', null)], 'epoch'), '4 seeds: 2 running (epoch 120–131 of 300), 1 queued, 1 diverged');
    assert.equal(groupStatusText([seed('completed', 300)], 'epoch'), '1 seed: 1 completed');
    assert.equal(groupStatusText([], 'epoch'), 'no seeds');
  });
});
