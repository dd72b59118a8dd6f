// The small pure building blocks of the extension: disposables, events, and the incremental
// JSON-lines decoder used to follow files other processes append to.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '../../src/shared/event';
import { JsonLinesDecoder } from '../../src/runs/jsonLines';
import { Disposable, DisposableStore, toDisposable } from '../../src/shared/lifecycle';

describe('disposables', () => {
  it('dispose what they own once, in reverse order, and dispose late additions at once', () => {
    const order: string[] = [];
    class Owner extends Disposable {
      constructor() {
        super();
        this._register(toDisposable(() => order.push('first')));
        this._register(toDisposable(() => order.push('second')));
      }
      add(name: string) {
        return this._register(toDisposable(() => order.push(name)));
      }
    }
    const owner = new Owner();
    owner.dispose();
    owner.dispose();
    assert.deepEqual(order, ['second', 'first']);
    owner.add('late');
    assert.deepEqual(order, ['second', 'first', 'late']);
  });
  it('a store can be cleared and reused, and disposes every value even when one throws', () => {
    const store = new DisposableStore();
    let disposed = 0;
    store.add(toDisposable(() => disposed++));
    store.add(toDisposable(() => {
      throw new Error('boom');
    }));
    store.add(toDisposable(() => disposed++));
    assert.throws(() => store.clear(), /boom/);
    assert.equal(disposed, 2);
    store.add(toDisposable(() => disposed++));
    store.dispose();
    assert.equal(disposed, 3);
  });
});

describe('Emitter', () => {
  it('fires to listeners until they unsubscribe; a throwing listener does not stop the others', () => {
    const errors: unknown[] = [];
    const emitter = new Emitter<number>((error) => errors.push(error));
    const seen: number[] = [];
    emitter.event(() => {
      throw new Error('faulty');
    });
    const subscription = emitter.event((value) => seen.push(value));
    emitter.fire(1);
    subscription.dispose();
    emitter.fire(2);
    assert.deepEqual(seen, [1]);
    assert.equal(errors.length, 2);
    emitter.dispose();
    assert.equal(emitter.hasListeners, false);
  });
});

describe('JsonLinesDecoder', () => {
  it('returns complete lines only and keeps a partial line for the next push', () => {
    const decoder = new JsonLinesDecoder<{ epoch: number }>();
    assert.deepEqual(decoder.push('{"epoch":0}\n{"epo'), [{ epoch: 0 }]);
    assert.equal(decoder.pendingText, '{"epo');
    assert.deepEqual(decoder.push('ch":1}\n\n{"epoch":2}\n'), [{ epoch: 1 }, { epoch: 2 }]);
    assert.deepEqual(decoder.push('{"epoch"'), []);
  });
  it('skips a malformed complete line (a writer killed mid-line) and goes on', () => {
    const decoder = new JsonLinesDecoder<{ epoch: number }>();
    assert.deepEqual(decoder.push('{"epoch":0}\n{"epoch":1,"tr\n{"epoch":2}\n'), [{ epoch: 0 }, { epoch: 2 }]);
    assert.equal(decoder.skippedLines, 1);
    decoder.push('{"half');
    decoder.reset();
    assert.deepEqual(decoder.push('{"epoch":5}\n'), [{ epoch: 5 }]);
  });
});
