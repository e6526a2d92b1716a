import { describe, expect, it } from 'vitest';
import { findDuplicateKeys } from '../../../functions/config/json-duplicate-keys';
import { valid } from './raw-config';

describe('findDuplicateKeys', () => {
  it('finds no duplicate where keys repeat only across objects, or where strings hold quotes, braces and escapes', () => {
    expect(findDuplicateKeys(JSON.stringify(valid()))).toEqual([]);
    expect(findDuplicateKeys('{"a": {"x": 1}, "b": {"x": 1}, "c": [{"x": 1}, {"x": 2}]}')).toEqual([]);
    expect(findDuplicateKeys('{"a": "\\"a\\": {\\\\", "b": "}, \\"a\\": [", "c": "\\\\"}')).toEqual([]);
    expect(findDuplicateKeys('[{"k": 1}, [], {"k": 1, "k": 2}]')).toEqual([{ path: [2, 'k'], firstLine: 1, line: 1 }]);
  });
});
