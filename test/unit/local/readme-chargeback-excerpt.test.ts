import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The README's `chargeback.json` excerpt is the sample's October as the default run writes it: the golden
 * file test/fixtures/statements/2026-10/chargeback.json (local-cli.test.ts checks it against the run).
 * The excerpt shows a few of each list's elements and elides with `"...": 0`; every figure it does show
 * must be in the file.
 */
const README = readFileSync('README.md', 'utf8');
const GOLDEN = JSON.parse(readFileSync('test/fixtures/statements/2026-10/chargeback.json', 'utf8')) as unknown;

/** The JSON block that follows the README's "`chargeback.json` (fields are added over time" line. */
function readmeExcerpt(): unknown {
  const anchor = README.indexOf('`chargeback.json` (fields are added over time');
  const block = /```json\n([\s\S]*?)\n```/.exec(README.slice(anchor));
  if (anchor < 0 || !block) throw new Error('README: the chargeback.json excerpt is missing');
  return JSON.parse(block[1]!);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Where `shown` says what `actual` does not, one line per difference. An object shows some of its fields
 * (`"..."` stands for the others); a list of objects shows some of its elements, each of which must match
 * one element; a list of plain values and a plain value must be equal.
 */
function differences(shown: unknown, actual: unknown, path: string): string[] {
  if (Array.isArray(shown) && shown.some(isObject)) {
    if (!Array.isArray(actual)) return [`${path}: a list in the README, ${JSON.stringify(actual)} in the file`];
    return shown.flatMap((element, i) => {
      const candidates = actual.map((a) => differences(element, a, `${path}[${i}]`));
      if (candidates.some((c) => c.length === 0)) return [];
      const nearest = candidates.reduce((a, b) => (b.length < a.length ? b : a), [`${path}[${i}]: the file's list is empty`]);
      return [`${path}[${i}] matches no element of the file's list; the nearest differs in:`, ...nearest];
    });
  }
  if (isObject(shown)) {
    if (!isObject(actual)) return [`${path}: an object in the README, ${JSON.stringify(actual)} in the file`];
    return Object.entries(shown).flatMap(([key, value]) => {
      if (key === '...') return [];
      if (!(key in actual)) return [`${path}.${key}: not in the file`];
      return differences(value, actual[key], `${path}.${key}`);
    });
  }
  return JSON.stringify(shown) === JSON.stringify(actual) ? [] : [`${path}: README ${JSON.stringify(shown)}, file ${JSON.stringify(actual)}`];
}

describe('the README’s chargeback.json excerpt', () => {
  it('shows only figures that the sample’s default run writes to out/2026-10/chargeback.json', () => {
    expect(differences(readmeExcerpt(), GOLDEN, '$')).toEqual([]);
  });

  it('is checked field by field: a changed figure, an unknown field or a list element not in the file is found', () => {
    const golden = GOLDEN as { total: string; teams: Array<Record<string, unknown>> };
    expect(differences({ total: golden.total }, GOLDEN, '$')).toEqual([]);
    expect(differences({ total: '1.00' }, GOLDEN, '$')).toEqual([`$.total: README "1.00", file ${JSON.stringify(golden.total)}`]);
    expect(differences({ teams: [{ team: golden.teams[0]!.team, '...': 0 }] }, GOLDEN, '$')).toEqual([]);
    expect(differences({ teams: [{ team: 'no-such-team' }] }, GOLDEN, '$')[0]).toBe("$.teams[0] matches no element of the file's list; the nearest differs in:");
    expect(differences({ noSuchField: 1 }, GOLDEN, '$')).toEqual(['$.noSuchField: not in the file']);
  });
});
