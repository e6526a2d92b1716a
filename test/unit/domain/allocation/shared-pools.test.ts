import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../functions/config/config-schema';
import { buildChargeback } from '../../../support/chargeback';
import { expectBooksBalance } from '../../../support/books';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';
import { usageRecord } from '../../../support/usage';

const teams = [
  { id: 'payments', name: 'Payments' },
  { id: 'search', name: 'Search' },
  { id: 'support', name: 'Support' },
];
const SUPPORT_PLAN = 'AWS Support (Business)';
const withPool = (pool: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  testConfig({
    teams,
    allocation: { awsTagKey: 'team', rules: [{ match: { service: SUPPORT_PLAN }, pool: pool.id }], sharedPools: [pool], ...extra },
  });
const direct = [awsRecord({ tags: { team: 'payments' }, cost: '60' }), awsRecord({ tags: { team: 'search' }, cost: '40', serviceName: 'Amazon S3' })];
const plan = (cost: string) => awsRecord({ serviceName: SUPPORT_PLAN, subAccountId: '444455556666', cost });
const shareOf = (cb: ReturnType<typeof buildChargeback>, team: string) => cb.teams.find((t) => t.team === team)!;

describe('shared-cost pools', () => {
  it('splits a proportional pool by each team’s direct spend, showing method and ratio', () => {
    const cb = buildChargeback([...direct, plan('10')], withPool({ id: 'support-plan', method: 'proportional' }), '2026-10', '2026-10-20');
    expect(shareOf(cb, 'payments')).toMatchObject({ direct: '60.00', shared: '6.00', total: '66.00', shares: [{ pool: 'support-plan', method: 'proportional', basis: 'cost', ratio: '0.6000', amount: '6.00' }] });
    expect(shareOf(cb, 'search')).toMatchObject({ shared: '4.00', total: '44.00' });
    expect(shareOf(cb, 'support')).toMatchObject({ shared: '0.00', shares: [] });
    expect(cb.pools).toEqual([
      {
        pool: 'support-plan',
        method: 'proportional',
        basis: 'cost',
        total: '10.00',
        shares: [
          { team: 'payments', ratio: '0.6000', amount: '6.00' },
          { team: 'search', ratio: '0.4000', amount: '4.00' },
        ],
        sources: [{ provider: 'aws', service: SUPPORT_PLAN, cost: '10.00' }],
      },
    ]);
    expect(cb.unallocated).toBe('0.00');
    expectBooksBalance(cb);
  });

  it('splits an even pool among teams with spend, or among all teams when configured', () => {
    const active = buildChargeback([...direct, plan('10')], withPool({ id: 'p', method: 'even' }), '2026-10', '2026-10-20');
    expect(active.teams.map((t) => t.shared)).toEqual(['5.00', '5.00', '0.00']);
    const all = buildChargeback([...direct, plan('10')], withPool({ id: 'p', method: 'even', evenAmong: 'all' }), '2026-10', '2026-10-20');
    expect(all.teams.map((t) => t.shared)).toEqual(['3.34', '3.33', '3.33']);
    expectBooksBalance(all);
  });

  it('honours fixed weights to the cent, distributing the whole pool by largest remainder', () => {
    const cb = buildChargeback([...direct, plan('100.01')], withPool({ id: 'gateway', method: 'fixed', weights: { payments: 0.5, search: 0.3, support: 0.2 } }), '2026-10', '2026-10-20');
    expect(cb.teams.map((t) => t.shared)).toEqual(['50.01', '30.00', '20.00']);
    expect(shareOf(cb, 'support')).toMatchObject({ direct: '0.00', total: '20.00' });
    expectBooksBalance(cb);
  });

  it('splits an AI pool by each team’s tokens with basis "tokens"', () => {
    const usage = [
      usageRecord({ subAccountId: 'proj_p', tokens: { input: 3_000_000, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0 } }),
      usageRecord({ subAccountId: 'proj_s', tokens: { input: 1_000_000, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0 } }),
    ];
    const config = testConfig({
      teams,
      allocation: {
        awsTagKey: 'team',
        rules: [
          { match: { project: 'proj_p' }, team: 'payments' },
          { match: { project: 'proj_s' }, team: 'search' },
          { match: { service: SUPPORT_PLAN }, pool: 'vector-db' },
        ],
        sharedPools: [{ id: 'vector-db', method: 'proportional', basis: 'tokens' }],
      },
    });
    const cb = buildChargeback([...direct, plan('20')], config, '2026-10', '2026-10-20', { usage });
    expect(cb.teams.map((t) => t.shared)).toEqual(['15.00', '5.00', '0.00']);
  });

  it('keeps a pool nobody can take (no spend to share by) explicitly unallocated, never dropped', () => {
    const cb = buildChargeback([plan('10')], withPool({ id: 'p', method: 'proportional' }), '2026-10', '2026-10-20');
    expect(cb.unallocated).toBe('10.00');
    expect(cb.pools).toEqual([]);
    // Under the pool's own provider and service, so the provider's rows in statement.csv still tie.
    expect(cb.unallocatedSources[0]).toMatchObject({ provider: 'aws', service: 'AWS Support (Business) (shared pool p, no team to share it with)', cost: '10.00' });
    expectBooksBalance(cb);
  });

  it('shares unallocated spend too with shareUnallocated', () => {
    const stray = awsRecord({ subAccountId: '999999999999', cost: '5' });
    const cb = buildChargeback([...direct, stray], withPool({ id: 'p', method: 'even' }, { shareUnallocated: true }), '2026-10', '2026-10-20');
    expect(cb.unallocated).toBe('0.00');
    expect(cb.teams.map((t) => t.shared)).toEqual(['3.00', '2.00', '0.00']);
    expect(cb.pools[0]).toMatchObject({ pool: '__unallocated__', total: '5.00' });
    expectBooksBalance(cb);
  });

  it('rejects pools that cannot work, naming the field', () => {
    const problems = (pool: Record<string, unknown>, rules: unknown[] = []) => {
      try {
        testConfig({ teams, allocation: { awsTagKey: 'team', rules, sharedPools: [pool] } });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ id: 'g', method: 'fixed', weights: { payments: 0.5, search: 0.3 } })).toEqual(['allocation.sharedPools[0].weights: expected weights that sum to exactly 1 (as written, with no rounding), got 0.8: add 0.2 to one of them']);
    expect(problems({ id: 'g', method: 'fixed', weights: { payments: 0.5, nobody: 0.5 } })).toEqual(['allocation.sharedPools[0].weights.nobody: unknown team "nobody"']);
    expect(problems({ id: 'g', method: 'fixed' })).toEqual(['allocation.sharedPools[0].weights: a fixed pool needs weights']);
    expect(problems({ id: 'g', method: 'even' }, [{ match: { service: 'X' }, pool: 'h' }])).toEqual(['allocation.rules[0].pool: unknown pool "h" (known: g)']);
    expect(problems({ id: 'g', method: 'even' }, [{ match: { service: 'X' }, pool: 'g', team: 'search' }])).toEqual(['allocation.rules[0]: expected exactly one of "team" or "pool"']);
  });

  it('balances to the cent for random records, pools and weights, fixed weights honoured within a cent (property)', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 60; run++) {
      const a = Math.floor(rand() * 100);
      const b = Math.floor(rand() * (100 - a));
      const weights = { payments: a / 100, search: b / 100, support: (100 - a - b) / 100 };
      const config = testConfig({
        teams,
        allocation: {
          awsTagKey: 'team',
          rules: [
            { match: { service: 'Shared A' }, pool: 'a' },
            { match: { service: 'Shared B' }, pool: 'b' },
            { match: { service: 'Shared C' }, pool: 'c' },
          ],
          sharedPools: [
            { id: 'a', method: 'proportional' },
            { id: 'b', method: 'even', evenAmong: rand() < 0.5 ? 'all' : 'active' },
            { id: 'c', method: 'fixed', weights },
          ],
          shareUnallocated: rand() < 0.3,
        },
      });
      const services = ['Shared A', 'Shared B', 'Shared C', 'Amazon EC2', 'Amazon S3'];
      const tags = ['payments', 'search', 'support', 'nobody', ''];
      const records = Array.from({ length: 1 + Math.floor(rand() * 60) }, (_, i) =>
        awsRecord({ id: `r${i}`, serviceName: services[Math.floor(rand() * services.length)]!, tags: { team: tags[Math.floor(rand() * tags.length)]! }, cost: (rand() * 300).toFixed(10) }),
      );
      const cb = buildChargeback(records, config, '2026-10', '2026-10-20');
      expectBooksBalance(cb);
      const exact = records.reduce((s, r) => s.plus(r.effectiveCost), new Big(0));
      expect(cb.total).toBe(exact.round(2, Big.roundHalfUp).toFixed(2));
      for (const t of cb.teams) expect(Number(t.total)).toBeGreaterThanOrEqual(0);
      const fixed = cb.pools.find((p) => p.pool === 'c');
      if (fixed) {
        for (const share of fixed.shares) {
          const expected = new Big(fixed.total).times(weights[share.team as keyof typeof weights]);
          expect(new Big(share.amount).minus(expected).abs().lte('0.01')).toBe(true);
        }
      }
    }
  });
});
