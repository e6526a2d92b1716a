import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The layers, top first: a file may import from its own layer or any layer below it, never from one above.
 * `sources` and `adapters` share a rank (both implement ports) and must not import each other.
 */
const LAYERS: ReadonlyArray<readonly [string, number]> = [
  ['local', 10],
  ['infra', 9],
  ['functions/handlers', 8],
  ['functions/app', 7],
  ['functions/use-cases', 6],
  ['functions/sources', 5],
  ['functions/adapters', 5],
  ['functions/ports', 4],
  ['functions/config', 3],
  ['functions/domain', 2],
  ['functions/lib', 1],
];

function layerOf(path: string): readonly [string, number] | undefined {
  return LAYERS.find(([folder]) => path === folder || path.startsWith(`${folder}/`));
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** Every relative import of every source file, as [importing file, imported path], both from the repository root. */
function imports(): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const file of ['functions', 'infra', 'local'].flatMap(sourceFiles)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      found.push([file, normalize(join(dirname(file), match[1]!))]);
    }
  }
  return found;
}

describe('the layers', () => {
  it('has no import that runs back up a layer, and nothing bundled imports local/', () => {
    // Prepare
    const all = imports();

    // Act
    const upward = all.filter(([from, to]) => {
      const [a, b] = [layerOf(from), layerOf(to)];
      if (!a || !b || a[0] === b[0]) return false;
      return b[1] > a[1] || (b[1] === a[1] && a[0] !== b[0]);
    });

    // Assess
    expect(all.length).toBeGreaterThan(300);
    expect(upward.map(([from, to]) => `${from} -> ${to}`)).toEqual([]);
  });

  it('knows the layer of every source file', () => {
    const unplaced = ['functions', 'infra', 'local'].flatMap(sourceFiles).filter((file) => !layerOf(file));

    expect(unplaced).toEqual([]);
  });
});
