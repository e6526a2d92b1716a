import { describe, expect, it } from 'vitest';
import { allocationPolicyOf } from '../../../../functions/config/policies';
import { allocate, recordAllocation, usageAllocation } from '../../../../functions/domain/allocation/allocate';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';
import { usageRecord } from '../../../support/usage';

describe('allocate', () => {
  const config = testConfig({
    allocation: {
      awsTagKey: 'team',
      rules: [
        { match: { service: 'Amazon S3', tag: { key: 'app', value: 'web' } }, team: 'growth' },
        { match: { provider: 'openai', project: 'proj_search' }, team: 'search' },
      ],
    },
  });

  it('decides once per allocation identity: records that differ only in what allocation does not read share a decision', () => {
    // Prepare: two days of one slice, another cost; a tag a rule reads; a tag no rule reads.
    const records = [
      awsRecord({ tags: { team: 'pay' }, chargePeriodStart: '2026-10-01', cost: '1' }),
      awsRecord({ tags: { team: 'pay' }, chargePeriodStart: '2026-10-02', cost: '2' }),
      awsRecord({ serviceName: 'Amazon S3', tags: { app: 'web' } }),
      awsRecord({ serviceName: 'Amazon S3', tags: { app: 'api' } }),
      awsRecord({ serviceName: 'Amazon S3', tags: { app: 'api', owner: 'x' } }),
    ];

    // Act
    const month = allocate({ month: '2026-10', billed: records }, allocationPolicyOf(config));

    // Assess
    expect([...month.recordIdentity]).toEqual([0, 0, 1, 2, 2]);
    expect(records.map((_, i) => recordAllocation(month, i).kind)).toEqual(['team', 'team', 'team', 'unallocated', 'unallocated']);
    expect(recordAllocation(month, 2)).toMatchObject({ team: 'growth', by: 'rule', ruleIndex: 0 });
  });

  it('allocates usage by the same rules, and charges from the billed records only without a price book', () => {
    const month = allocate({ month: '2026-10', billed: [], usage: [usageRecord({ subAccountId: 'proj_search' })] }, allocationPolicyOf(config));
    expect(usageAllocation(month, 0)).toMatchObject({ kind: 'team', team: 'search' });
    expect(month.records).toEqual([]);
  });
});
