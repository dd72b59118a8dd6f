// Characterisation test of every chart the dashboard and the HTML report draw. It exists to keep the
// figures exactly as they were while their code is reorganised (issue 9: src/webview/figures.ts split
// into chart families around one trace factory): test/fixtures/figures/figures.json holds what the
// code drew before, written by test/fixtures/figures/generate.ts, not by hand. A difference here is a
// change users would see (a trace, colour, hover, axis, note); if it is meant, look at it, then
// regenerate the fixture and say so in the commit. Key order inside an object is not compared
// (Plotly reads traces and layouts by name); everything else is, trace order included.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { figureSnapshots } from './figureSnapshots';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'figures', 'figures.json');

describe('webview figures, characterised', () => {
  const expected = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
  const actual = figureSnapshots();

  it('draws the same set of figures (every chart in the dashboard, compare and report views, and the exports)', () => {
    assert.deepEqual(Object.keys(actual), Object.keys(expected));
  });

  for (const key of Object.keys(expected)) {
    it(`draws ${key} as before`, () => {
      assert.deepEqual(actual[key], expected[key]);
    });
  }
});
