import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson, sha256, sha256Hex } from '../../src/shared/hash';

const reference = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('sha256Hex', () => {
  it('gives the FIPS 180-4 example digests', () => {
    // FIPS 180-4 / NIST CSRC examples: one block, two blocks.
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(
      sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('matches node:crypto at every padding boundary', () => {
    // 55 bytes is the longest message whose padding fits one block; 56–64 need a second block.
    for (let length = 0; length <= 130; length++) {
      const text = 'x'.repeat(length);
      assert.equal(sha256Hex(text), reference(text), `length ${length}`);
    }
  });

  it('matches node:crypto on non-ASCII text (2-, 3- and 4-byte UTF-8, lone surrogates)', () => {
    for (const text of ['é', 'weightDecay: η = 2e-4', '漢字とかな', '😀 emoji', 'λ₂/λ₃ ≥ 𝒜', 'lone \ud800 surrogate', '\u0000nul']) {
      assert.equal(sha256Hex(text), reference(text), JSON.stringify(text));
    }
  });

  it('matches node:crypto on long random strings of 1- to 4-byte characters', () => {
    let state = 12345;
    // A small linear congruential generator: any deterministic mix of code points will do.
    const nextCodePoint = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state % 4 === 0 ? 0x10000 + (state % 0xfffff) : 32 + (state % 0xd000);
    };
    for (const length of [1000, 65_537, 300_000]) {
      const text = Array.from({ length }, () => String.fromCodePoint(nextCodePoint())).join('');
      assert.equal(sha256Hex(text), reference(text), `length ${length}`);
    }
  });

  it('hashes bytes without mutating them', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const digest = sha256(bytes);
    assert.deepEqual([...bytes], [0, 1, 2, 250, 255]);
    assert.equal(Buffer.from(digest).toString('hex'), createHash('sha256').update(bytes).digest('hex'));
  });
});

describe('canonicalJson', () => {
  it('sorts keys recursively and keeps array order', () => {
    const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } };
    const b = { a: { c: 'x', d: [3, { y: 2, z: 1 }] }, b: 1 };
    assert.equal(canonicalJson(a), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  });

  it('is valid JSON equal to the value', () => {
    const value = { text: 'quote " and \\ and ü', numbers: [0.001, 2e-4, 1e-8, 1e21, 0.1 + 0.2], flag: false, nothing: null };
    assert.deepEqual(JSON.parse(canonicalJson(value)), value);
    // −0 and 0 are the same configuration value.
    assert.equal(canonicalJson({ weightDecay: -0 }), canonicalJson({ weightDecay: 0 }));
  });

  it('drops undefined keys and refuses values JSON cannot hold', () => {
    assert.equal(canonicalJson({ a: undefined, b: 2 }), '{"b":2}');
    assert.throws(() => canonicalJson({ a: Number.NaN }), TypeError);
    assert.throws(() => canonicalJson([Infinity]), TypeError);
    assert.throws(() => canonicalJson([undefined]), TypeError);
    assert.throws(() => canonicalJson({ f: () => 1 }), TypeError);
  });
});
