import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile } from '../../../functions/config/load-config';
import { cli } from '../../support/cli';
import { valid } from './raw-config';

/** Writes `content` to a fresh file and returns its path. */
function configFile(name: string, content: string | Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'costline-config-')), name);
  writeFileSync(path, content);
  return path;
}

/** The ConfigError `loadConfigFile` throws for a file. */
function loadError(path: string): ConfigError {
  try {
    loadConfigFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${path} to be rejected`);
}

/** UTF-16 bytes of a text, little- or big-endian, optionally with a byte order mark. */
function utf16(text: string, order: 'le' | 'be', bom: boolean): Buffer {
  const le = Buffer.from(`${bom ? '\uFEFF' : ''}${text}`, 'utf16le');
  return order === 'le' ? le : le.swap16();
}

describe('reading a config file', () => {
  it('names the file when it is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'costline-config-'));
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "currency": "USD", ');
    expect(() => loadConfigFile(path)).toThrow(new RegExp(`${path} is not valid JSON`));
    expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrow(/cannot read config file .*missing\.json/);
  });

  it('loads the shipped sample configuration', () => {
    expect(loadConfigFile('costline.config.json').teams.length).toBeGreaterThan(3);
  });

  it('loads a UTF-8 file that starts with a byte order mark, as Notepad saves it', () => {
    const path = configFile('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(valid()), 'utf8')]));
    expect(loadConfigFile(path).teams.map((t) => t.id)).toEqual(['payments', 'search', 'growth']);
  });

  it('names UTF-16 as the encoding, LE or BE, with or without a byte order mark, and asks for UTF-8', () => {
    const text = JSON.stringify(valid(), null, 2);
    for (const [order, bom, name] of [['le', true, 'UTF-16 LE (it starts with a byte order mark)'], ['be', true, 'UTF-16 BE (it starts with a byte order mark)'], ['le', false, 'UTF-16 LE'], ['be', false, 'UTF-16 BE']] as const) {
      const path = configFile(`utf16-${order}-${bom}.json`, utf16(text, order, bom));
      expect(loadError(path).message).toBe(`${path} is ${name}; save it as UTF-8`);
    }
  });

  it('refuses a NUL byte or bytes that are not UTF-8, naming the file', () => {
    const nul = configFile('nul.json', Buffer.from('{"currency": "USD",\u0000 "teams": []}', 'utf8'));
    expect(loadError(nul).message).toBe(`${nul} holds a NUL byte at byte 19: it is not UTF-8 text; save it as UTF-8`);
    const latin1 = configFile('latin1.json', Buffer.from(JSON.stringify({ ...valid(), teams: [{ id: 'a', name: 'Équipe' }] }), 'latin1'));
    expect(loadError(latin1).message).toBe(`${latin1} is not valid UTF-8 (perhaps Latin-1 or Windows-1252); save it as UTF-8`);
  });

  it('refuses a top-level key given twice, naming it and both lines, since JSON.parse keeps only the last', () => {
    const path = configFile('twice.json', '{\n  "currency": "USD",\n  "teams": [{ "id": "a", "name": "A" }],\n  "teams": [{ "id": "b", "name": "B" }]\n}\n');
    const error = loadError(path);
    expect(error.problems).toEqual(['teams: given twice (lines 3 and 4); JSON keeps only the last one, so remove or merge one of them']);
    expect(error.message).toBe(`${path} is invalid:\n  - teams: given twice (lines 3 and 4); JSON keeps only the last one, so remove or merge one of them`);
  });

  it('refuses a key given twice inside a team or a nested section, with its JSON path', () => {
    const raw = JSON.stringify(valid(), null, 2)
      .replace('"name": "Search"', '"name": "Search",\n      "monthlyBudget": 10,\n      "monthlyBudget": 20')
      .replace('"enabled": true', '"enabled": true, "en\\u0061bled": false');
    expect(loadError(configFile('nested.json', raw)).problems).toEqual([
      'teams[1].monthlyBudget: given twice (lines 18 and 19); JSON keeps only the last one, so remove or merge one of them',
      'sources.aws.enabled: given twice (lines 53 and 53); JSON keeps only the last one, so remove or merge one of them',
    ]);
  });

  it('exits 2 on a malformed config before touching the state, even with --fresh', async () => {
    const state = mkdtempSync(join(tmpdir(), 'costline-state-'));
    mkdirSync(join(state, 'db'));
    writeFileSync(join(state, 'db', 'stored'), 'billing');
    const twice = configFile('twice.json', JSON.stringify(valid()).replace('"currency":"USD"', '"currency":"USD","currency":"USD"'));
    const utf16le = configFile('utf16.json', utf16(JSON.stringify(valid()), 'le', true));
    for (const path of [twice, utf16le]) {
      const result = await cli(['--config', path, '--state', state, '--fresh']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(path);
      expect(readdirSync(join(state, 'db'))).toEqual(['stored']);
    }
  });
});
