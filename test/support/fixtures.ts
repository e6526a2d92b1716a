import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Reads a JSON fixture by path relative to `test/fixtures`. */
export function fixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as T;
}

/**
 * Compares with a golden file. `UPDATE_GOLDEN=1` rewrites it: review the diff before committing, the
 * golden file is the hand-checked truth.
 */
export function expectGolden(path: string, actual: unknown): void {
  const file = join(FIXTURES, path);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  // A missing golden file is a failure, not a pass: CI must never bless whatever the code produced.
  if (!existsSync(file)) throw new Error(`golden file ${path} is missing: run with UPDATE_GOLDEN=1, then review it before committing`);
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

/** Compares text with a golden file, byte for byte; `UPDATE_GOLDEN=1` rewrites it (review the diff). */
export function expectGoldenText(path: string, actual: string): void {
  const file = join(FIXTURES, path);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  if (!existsSync(file)) throw new Error(`golden file ${path} is missing: run with UPDATE_GOLDEN=1, then review it before committing`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
