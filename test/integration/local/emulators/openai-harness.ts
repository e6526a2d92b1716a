/** What the local OpenAI tests share: the recorded fixtures, a GET with a bearer key, paging, amounts compared exactly. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Big from 'big.js';
import { comparableWith, followPages, replyOf, type Reply } from './admin-api-harness';
import type { OpenAiServer } from '../../../../local/emulators/openai-server';
import type { ProviderLedger } from '../../../../local/sample/provider-ledger';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/openai/', import.meta.url));
export const fixture = <T = unknown>(name: string): T => JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as T;
export const requestOf = (name: string): string => readFileSync(`${FIXTURES}${name}.request.txt`, 'utf8').trim();

export const ADMIN_KEY = 'sk-admin-LOCALtestKEY0000000000000001';
export const DAY = 86400;
export const OCT_1 = 1790812800; // 2026-10-01T00:00:00Z
export const HOUR_13 = OCT_1 + 13 * 3600;

/** GETs a path (with `/v1`, as in the fixtures) from the server's origin with a bearer key. */
export async function get(server: OpenAiServer, path: string, key: string | null = ADMIN_KEY): Promise<Reply> {
  const origin = server.url.replace(/\/v1$/, '');
  const response = await fetch(`${origin}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
  return replyOf(response);
}

/** Follows `next_page` to the end and returns every page (asserting each is a 200). */
export const allPages = (server: OpenAiServer, path: string): Promise<any[]> => followPages((p) => get(server, p), path);

/**
 * A page in comparable form: `amount.value` (a JSON number) becomes its exact decimal via `String()` and big.js, so
 * two amounts compare equal exactly when they are the same decimal; a `next_page` token becomes a marker (its
 * presence matters, its value is opaque).
 */
export const comparable = comparableWith((key, value) => {
  if (key === 'amount' && typeof value === 'object' && value !== null && ['number', 'string'].includes(typeof (value as { value: unknown }).value)) {
    const amount = value as { value: number | string; currency: unknown };
    return { value: new Big(String(amount.value)).toFixed(), currency: amount.currency };
  }
  return undefined;
});

export const openAiLedger = () => fixture<ProviderLedger['openai']>('ledger.json');
