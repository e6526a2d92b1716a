/** What the local Cost Explorer tests share: the recorded fixtures, real CostExplorerClients, paging, line items of a ledger. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CostExplorerClient, GetCostAndUsageCommand, type GetCostAndUsageCommandInput, type GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import Big from 'big.js';
import { expect } from 'vitest';
import type { CostExplorerServer } from '../../../../local/emulators/cost-explorer-server';
import type { Ledger, LedgerLineItem } from '../../../../local/sample/ledger';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/cost-explorer/', import.meta.url));
export const fixture = <T = unknown>(name: string): T => JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as T;

export const clients: CostExplorerClient[] = [];
export function clientFor(server: CostExplorerServer, maxAttempts?: number): CostExplorerClient {
  const client = new CostExplorerClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  });
  clients.push(client);
  return client;
}
/** Destroys the clients made by {@link clientFor}: each test file runs it after each test. */
export function destroyClients(): void {
  for (const client of clients.splice(0)) client.destroy();
}

/** Sends the request and follows NextPageToken to the end; returns every page. */
export async function allPages(client: CostExplorerClient, input: GetCostAndUsageCommandInput): Promise<GetCostAndUsageCommandOutput[]> {
  const pages: GetCostAndUsageCommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetCostAndUsageCommand({ ...input, ...(token ? { NextPageToken: token } : {}) }));
    pages.push(page);
    token = page.NextPageToken;
  } while (token);
  return pages;
}

/**
 * Puts a page in a comparable form: drops the SDK's `$metadata`, replaces a NextPageToken's value by a marker (its
 * presence matters, its value is opaque) and rewrites every `Amount` in big.js canonical form, so two amounts compare
 * equal exactly when `Big(a).eq(b)` ("31.2" and "31.2000000000" are the same amount).
 */
export function comparable(page: unknown): unknown {
  const walk = (value: unknown, key?: string): unknown => {
    if (key === 'Amount' && typeof value === 'string') return new Big(value).toFixed();
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (k === '$metadata' || v === undefined) continue;
        out[k] = k === 'NextPageToken' ? (typeof v === 'string' && v.length > 0 ? '<token>' : v) : walk(v, k);
      }
      return out;
    }
    return value;
  };
  return walk(page);
}

/** Asserts the SDK call rejects with an error of this name (and returns it for further checks). */
export async function expectError(promise: Promise<unknown>, name: string): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, `expected a ${name}`).toBeInstanceOf(Error);
  expect(error!.name).toBe(name);
  return error as Error & { $metadata?: { httpStatusCode?: number } };
}

export function line(partial: Partial<LedgerLineItem> & Pick<LedgerLineItem, 'date' | 'unblendedCost'>): LedgerLineItem {
  return {
    account: '111122223333',
    service: 'Amazon DynamoDB',
    usageType: 'USE1-TimedStorage-ByteHrs',
    region: 'us-east-1',
    recordType: 'Usage',
    tags: {},
    amortizedCost: partial.unblendedCost,
    usageQuantity: '1',
    usageUnit: 'GB-Mo',
    ...partial,
  };
}

/** A small ledger around a month boundary, with amounts that go wrong in floating point (0.1 + 0.2). */
export const boundaryLedger: Ledger = {
  organization: 'boundary',
  finalizedThrough: '2026-09-30',
  accounts: { '111122223333': 'payments-prod', '222233334444': 'data-prod' },
  lineItems: [
    line({ date: '2026-09-14', unblendedCost: '1000' }), // before the window
    line({ date: '2026-09-15', unblendedCost: '0.1', amortizedCost: '0.05', usageQuantity: '2.5', usageUnit: 'Hrs', tags: { team: 'payments' } }),
    line({ date: '2026-09-30', unblendedCost: '0.2', amortizedCost: '0.05', usageQuantity: '1', usageUnit: 'GB-Mo', netUnblendedCost: '0.15' }),
    line({ date: '2026-10-01', unblendedCost: '0.0000000001', account: '222233334444', service: 'AWS Glue', tags: { team: 'data' } }),
    line({ date: '2026-10-31', unblendedCost: '2.5', account: '222233334444', service: 'AWS Glue' }),
    line({ date: '2026-10-31', unblendedCost: '-0.5', recordType: 'Credit' }),
    line({ date: '2026-11-01', unblendedCost: '1000' }), // End is exclusive
  ],
};
