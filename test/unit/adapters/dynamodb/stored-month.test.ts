import { describe, expect, it } from 'vitest';
import { asRead, byteOrder } from '../../../../functions/adapters/dynamodb/stored-month';

describe('byteOrder', () => {
  it("orders sort keys as DynamoDB does (UTF-8 bytes), astral characters above U+E000–U+FFFF", () => {
    // Prepare: '\uFF5E' (fullwidth tilde) is above every surrogate in UTF-16 and below U+1F600 in UTF-8.
    const keys = ['2026-05-02#s#v10#b', '#2026-05-02#s', '2026-05-02#s#v9#a', '2026-05-02#s#v1#\u{1F600}', '2026-05-02#s#v1#\uFF5E', '2026-05-02#s#v1'];

    // Act
    const sorted = [...keys].sort(byteOrder);

    // Assess
    expect(sorted).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect(sorted.indexOf('2026-05-02#s#v1#\uFF5E')).toBeLessThan(sorted.indexOf('2026-05-02#s#v1#\u{1F600}'));
  });
});

describe('asRead', () => {
  it('drops undefined attributes at any depth, as the document client does on write, and keeps null', () => {
    expect(asRead({ a: undefined, b: null, c: { d: undefined, e: '1' }, f: [1, undefined, { g: undefined }] })).toEqual({ b: null, c: { e: '1' }, f: [1, {}] });
    expect(Object.keys(asRead({ a: undefined, b: 1 }) as object)).toEqual(['b']);
  });
});
