import { describe, expect, it } from 'vitest';
import { globMatches } from '../../../functions/lib/glob';

describe('globMatches', () => {
  it.each([
    ['gpt-4o*', 'gpt-4o-mini', true],
    ['gpt-4o*', 'gpt-4', false],
    ['claude-*-4-*', 'claude-opus-4-20250514', true],
    ['*-mini', 'gpt-4o-mini', true],
    ['gpt-4o', 'gpt-4o', true],
    ['gpt-4o', 'gpt-4o-mini', false],
  ])('%s against %s: %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });

  it('takes every character but * literally (a dot is a dot)', () => {
    expect(globMatches('gpt-4.1*', 'gpt-4.1-nano')).toBe(true);
    expect(globMatches('gpt-4.1*', 'gpt-401-nano')).toBe(false);
    expect(globMatches('a+b(c)*', 'a+b(c)d')).toBe(true);
  });

  it('matches nothing against a record without a model', () => {
    expect(globMatches('*x', null)).toBe(false);
  });
});
