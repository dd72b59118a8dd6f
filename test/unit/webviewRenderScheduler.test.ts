// What the dashboard redraws in each frame: charts on screen only, one chart per frame, urgent
// requests first, live redraws spaced by their cost, one at a time and within a shared budget. Driven with plain numbers (no clock).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RenderScheduler } from '../../src/webview/renderScheduler';

type Part = 'toolbar' | 'summary' | 'accuracy' | 'loss' | 'gap';

function scheduler(): RenderScheduler<Part> {
  const created = new RenderScheduler<Part>(
    [
      ['toolbar', 'cheap'],
      ['summary', 'throttled'],
      ['accuracy', 'chart'],
      ['loss', 'chart'],
      ['gap', 'chart'],
    ],
    { minimumIntervalMs: 250, costFactor: 4, throttledIntervalMs: 1000 },
  );
  for (const chart of ['accuracy', 'loss', 'gap'] as const) created.setVisible(chart, true);
  return created;
}

/** Draws what is planned at `now`, each part costing `cost` ms; returns the parts. */
function frame(subject: RenderScheduler<Part>, now: number, cost = 10): Part[] {
  const { parts } = subject.plan(now);
  for (const part of parts) subject.done(part, now, cost);
  return parts;
}

describe('webview render scheduler', () => {
  it('draws nothing that is not dirty', () => {
    const subject = scheduler();
    assert.deepEqual(subject.plan(0), { parts: [] });
    assert.equal(subject.hasPendingWork, false);
  });

  it('draws urgent charts one per frame, in page order, with the cheap parts in the first frame', () => {
    const subject = scheduler();
    subject.mark(['gap', 'toolbar', 'summary', 'accuracy', 'loss'], 0, true);
    assert.deepEqual(frame(subject, 1), ['toolbar', 'summary', 'accuracy']);
    assert.deepEqual(frame(subject, 2), ['loss']);
    assert.deepEqual(frame(subject, 3), ['gap']);
    assert.equal(subject.hasPendingWork, false);
  });

  it('keeps charts off screen dirty until they scroll into view', () => {
    const subject = scheduler();
    subject.setVisible('gap', false);
    subject.mark(['gap'], 0, true);
    assert.deepEqual(frame(subject, 1), []);
    assert.equal(subject.hasPendingWork, false);
    assert.equal(subject.isDirty('gap'), true);
    subject.setVisible('gap', true);
    assert.deepEqual(frame(subject, 2), ['gap']);
  });

  it('spaces live redraws of a chart by the larger of the minimum interval and four times its cost', () => {
    const subject = scheduler();
    subject.mark(['accuracy'], 0, true);
    frame(subject, 0, 100);
    subject.mark(['accuracy'], 50, false);
    const waiting = subject.plan(100);
    assert.deepEqual(waiting.parts, []);
    assert.equal(waiting.retryAt, 400, 'drawn at 0 in 100 ms: due at 0 + 4 × 100');
    assert.deepEqual(frame(subject, 400), ['accuracy']);
    // A cheap chart is limited by the minimum interval instead.
    subject.mark(['loss'], 0, true);
    frame(subject, 500, 5);
    subject.mark(['loss'], 510, false);
    assert.equal(subject.plan(510).retryAt, 750);
  });

  it('lets an urgent request through the live spacing', () => {
    const subject = scheduler();
    subject.mark(['gap'], 0, true);
    frame(subject, 0, 100);
    subject.mark(['gap'], 10, false);
    assert.deepEqual(frame(subject, 20), []);
    subject.mark(['gap'], 30, true);
    assert.deepEqual(frame(subject, 40), ['gap']);
  });

  it('draws the chart that has waited longest first among live changes', () => {
    const subject = scheduler();
    subject.mark(['accuracy', 'loss', 'gap'], 0, true);
    frame(subject, 0);
    frame(subject, 0);
    frame(subject, 0);
    subject.mark(['gap'], 100, false);
    subject.mark(['accuracy'], 200, false);
    assert.deepEqual(frame(subject, 300), ['gap']);
    // Drawn at 300 in 10 ms: the next live chart waits for the shared budget, until 300 + 4 × 10.
    assert.deepEqual(frame(subject, 301), []);
    assert.deepEqual(frame(subject, 340), ['accuracy']);
  });

  it('gives all live chart redraws together a quarter of the time, not a quarter each', () => {
    const subject = scheduler();
    subject.mark(['accuracy', 'loss', 'gap'], 0, false);
    // Three charts on screen, each taking 100 ms (a loaded machine): one at a time, 400 ms apart.
    assert.deepEqual(frame(subject, 0, 100), ['accuracy']);
    const waiting = subject.plan(150);
    assert.deepEqual(waiting.parts, []);
    assert.equal(waiting.retryAt, 400);
    assert.deepEqual(frame(subject, 400, 100), ['loss']);
    assert.deepEqual(frame(subject, 500, 100), []);
    assert.deepEqual(frame(subject, 800, 100), ['gap']);
    // What the user asks for is not held back by the budget.
    subject.mark(['accuracy'], 810, true);
    assert.deepEqual(frame(subject, 820, 100), ['accuracy']);
  });

  it('throttles the summary to once a second on live changes', () => {
    const subject = scheduler();
    subject.mark(['summary'], 0, true);
    assert.deepEqual(frame(subject, 0), ['summary']);
    subject.mark(['summary', 'toolbar'], 100, false);
    assert.deepEqual(frame(subject, 100), ['toolbar']);
    assert.equal(subject.plan(100).retryAt, 1000);
    assert.deepEqual(frame(subject, 1000), ['summary']);
  });

  it('refuses parts it does not know', () => {
    assert.throws(() => scheduler().mark(['unknown' as Part], 0, true), /Unknown dashboard part/);
  });
});
