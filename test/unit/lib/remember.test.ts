import { describe, expect, it } from 'vitest';
import { remember } from '../../../functions/lib/remember';

describe('remember', () => {
  it('computes each key once, an undefined answer included, and starts over when the cache reaches its bound', () => {
    const cache = new Map<string, number | undefined>();
    const asked: string[] = [];
    const lengthOf = (key: string) => remember(cache, key, (k) => (asked.push(k), k === 'none' ? undefined : k.length), 2);

    expect([lengthOf('ab'), lengthOf('ab'), lengthOf('none'), lengthOf('none')]).toEqual([2, 2, undefined, undefined]);
    expect(asked).toEqual(['ab', 'none']);
    lengthOf('abc'); // the third key: the bound of 2 clears the cache first
    expect([...cache.keys()]).toEqual(['abc']);
    lengthOf('ab');
    expect(asked).toEqual(['ab', 'none', 'abc', 'ab']);
  });
});
