/** What the local Anthropic tests share: the recorded fixtures, a GET with the Admin API headers, paging, amounts compared exactly. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Big from 'big.js';
import { comparableWith, followPages, replyOf, type Reply } from './admin-api-harness';
import { ANALYTICS_BETA, FAST_MODE_BETA, type AnthropicServer } from '../../../../local/emulators/anthropic-server';
import type { ProviderLedger } from '../../../../local/sample/provider-ledger';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/anthropic/', import.meta.url));
export const fixture = <T = unknown>(name: string): T => JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as T;
export const requestOf = (name: string): string => readFileSync(`${FIXTURES}${name}.request.txt`, 'utf8').trim();

export const ADMIN_KEY = 'sk-ant-admin01-LOCALtestKEY000000000000000001';
export const VERSION = '2023-06-01';
export const USAGE = '/v1/organizations/usage_report/messages';
export const COST = '/v1/organizations/cost_report';

/** GETs a path from the server with the Admin API headers (each can be overridden or dropped with null). */
export async function get(server: AnthropicServer, path: string, headers: { key?: string | null; version?: string | null; beta?: string | null } = {}): Promise<Reply> {
  const key = headers.key === undefined ? ADMIN_KEY : headers.key;
  const version = headers.version === undefined ? VERSION : headers.version;
  // The analytics endpoints need their beta header; the legacy usage report needs fast mode's to group by speed.
  const beta = headers.beta === undefined ? (path.includes('/analytics/') ? ANALYTICS_BETA : path.includes('speed') ? FAST_MODE_BETA : null) : headers.beta;
  const response = await fetch(`${server.url}${path}`, {
    headers: { ...(key === null ? {} : { 'x-api-key': key }), ...(version === null ? {} : { 'anthropic-version': version }), ...(beta === null ? {} : { 'anthropic-beta': beta }) },
  });
  return replyOf(response);
}

/** Follows `next_page` to the end and returns every page (asserting each is a 200). */
export const allPages = (server: AnthropicServer, path: string): Promise<any[]> => followPages((p) => get(server, p), path);

/**
 * A page in comparable form: a cents `amount` string becomes big.js canonical form, so two amounts compare equal
 * exactly when `Big(a).eq(b)` (`"250.00"` and `"250"` are the same amount); a `next_page` token becomes a marker.
 */
export const comparable = comparableWith((key, value) => ((key === 'amount' || key === 'list_amount') && typeof value === 'string' ? new Big(value).toFixed() : undefined));

export const anthropicLedger = () => fixture<ProviderLedger['anthropic']>('ledger.json');
