import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalJson } from '../../../functions/lib/canonical-json';

describe('canonicalJson', () => {
  it('sorts every object\'s keys, nested ones and those inside arrays, and keeps array order', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 'x' }], a: { z: null, y: '2.50' } })).toBe('{"a":{"y":"2.50","z":null},"b":[{"c":"x","d":1}]}');
  });

  it('gives the same text whatever order the keys were set in', () => {
    expect(canonicalJson({ month: '2026-10', teams: [{ team: 'search', total: '1.00' }] })).toBe(canonicalJson({ teams: [{ total: '1.00', team: 'search' }], month: '2026-10' }));
  });

  it('writes a Big as its string (toJSON first) and leaves undefined members out', () => {
    expect(canonicalJson({ cost: new Big('12.30'), gone: undefined })).toBe('{"cost":"12.3"}');
  });
});

describe('canonicalHash', () => {
  it('is the SHA-256 of the canonical text, unchanged from the hashes already stored', () => {
    // Closed statements and record versions in existing tables carry hashes made this way.
    const value = { b: [{ d: 1, c: 'x' }], a: { z: null, y: '2.50' } };
    expect(canonicalHash(value)).toBe('d06b2334ba960c41ada6c1223275c1a4351536cd829743f5cef0986f9513090d');
    expect(canonicalHash(value, 'base64url')).toBe('0GsjNLqWDEGtpsEiMnXBpDUVNs2Cl0P1zvCYb5UTCQ0');
  });
});
