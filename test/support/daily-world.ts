import { afterEach, beforeEach } from 'vitest';
import type { CostlineConfig } from '../../functions/config/config-schema';
import type { Log } from '../../functions/ports/ports';
import { dailyDeps } from '../../functions/app/compose';
import { startCostExplorerServer, type CostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { startSnsServer, type SnsServer } from '../../local/emulators/sns-server';
import type { Ledger, LedgerLineItem } from '../../local/sample/ledger';
import { testConfig } from './config';
import { startLocalAws, type LocalAws } from './local-aws';

/**
 * The world of the daily, backfill and statement job tests: dynalite, a loopback Cost Explorer over a small
 * October ledger and a loopback SNS, fresh for each test, and a clock and config each test may change.
 */

export const ALERTS = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';
export const STATEMENTS = 'arn:aws:sns:us-east-1:000000000000:costline-statements';
/** A run killed at an injected point. */
export class Crash extends Error {}

export const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function item(date: string, tags: Record<string, string>, cost: string, extra: Partial<LedgerLineItem> = {}): LedgerLineItem {
  return {
    date,
    account: '444455556666',
    service: 'Amazon DynamoDB',
    usageType: 'USE1-ReadCapacityUnit-Hrs',
    region: 'us-east-1',
    recordType: 'Usage',
    tags,
    unblendedCost: cost,
    amortizedCost: cost,
    usageQuantity: '1',
    usageUnit: 'Hrs',
    ...extra,
  };
}

/** October 2026: payments over 80% of its $100 budget, search at 60% of $50, some unallocated spend. */
export function ledger(): Ledger {
  return {
    organization: 'test',
    finalizedThrough: '2026-09-30',
    accounts: { '111122223333': 'payments-prod', '444455556666': 'shared' },
    lineItems: [
      item('2026-10-01', { team: 'payments' }, '40.004'),
      item('2026-10-02', { team: 'Pay' }, '45.001', { service: 'AWS Lambda' }),
      item('2026-10-02', {}, '0.333', { account: '111122223333' }),
      item('2026-10-03', { team: 'search' }, '30'),
      item('2026-10-03', {}, '7.777', { service: 'AWS Support (Business)' }),
      item('2026-10-04', { team: 'legacy' }, '1.5'),
    ],
  };
}

/** What each test starts with, fresh; a test moves `now`, changes `book` or `config`, and builds `deps()`. */
export interface DailyWorld {
  aws: LocalAws;
  ce: CostExplorerServer;
  sns: SnsServer;
  book: Ledger;
  now: Date;
  config: CostlineConfig;
  /** The daily job's dependencies on this world, its clock reading `now`. */
  deps(): ReturnType<typeof dailyDeps>;
}

/** Registers the world's set-up and tear-down around each test of the calling file, and returns it. */
export function dailyWorld(): DailyWorld {
  const w = {
    deps: () => dailyDeps({ config: w.config, clients: w.aws.clients, tableName: w.aws.tableName, alertsTopicArn: ALERTS, clock: { now: () => w.now }, log: silent }),
  } as DailyWorld;

  beforeEach(async () => {
    w.book = ledger();
    w.ce = await startCostExplorerServer({ ledger: w.book, pageSize: 2 });
    w.sns = await startSnsServer();
    w.aws = await startLocalAws({ costExplorer: w.ce.url, sns: w.sns.url });
    w.now = new Date('2026-10-05T06:00:00Z');
    w.config = testConfig();
  });

  afterEach(async () => {
    await w.aws.close();
    await w.ce.close();
    await w.sns.close();
  });
  return w;
}
