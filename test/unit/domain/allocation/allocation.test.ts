import { describe, expect, it } from 'vitest';
import { allocationPolicyOf } from '../../../../functions/config/policies';
import { createAllocator } from '../../../../functions/domain/allocation/allocation';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';

describe('allocation', () => {
  const allocate = createAllocator(allocationPolicyOf(testConfig()));

  it('allocates by the team tag, matching ids and aliases trimmed and case-insensitively', () => {
    expect(allocate(awsRecord({ tags: { team: ' PAY ' } }))).toEqual({ kind: 'team', team: 'payments', by: 'tag', tagValue: ' PAY ' });
    expect(allocate(awsRecord({ tags: { team: 'Search-AI' } }))).toMatchObject({ team: 'search', by: 'tag' });
  });

  it('falls back to the rules in order when the tag names no team', () => {
    expect(allocate(awsRecord({ tags: { team: 'legacy' }, subAccountId: '111122223333' }))).toEqual({
      kind: 'team',
      team: 'payments',
      by: 'rule',
      ruleIndex: 0,
    });
  });

  it('lets the first matching rule win', () => {
    const config = testConfig({
      allocation: {
        awsTagKey: 'team',
        rules: [
          { match: { service: 'Amazon S3' }, team: 'growth' },
          { match: { account: '111122223333' }, team: 'payments' },
        ],
      },
    });
    expect(createAllocator(allocationPolicyOf(config))(awsRecord({ serviceName: 'Amazon S3', subAccountId: '111122223333' }))).toMatchObject({ team: 'growth', ruleIndex: 0 });
  });

  it('matches every field of a rule (AND), including a tag', () => {
    const config = testConfig({
      allocation: { awsTagKey: 'team', rules: [{ match: { service: 'Amazon S3', tag: { key: 'app', value: 'web' } }, team: 'growth' }] },
    });
    const allocateS3 = createAllocator(allocationPolicyOf(config));
    expect(allocateS3(awsRecord({ serviceName: 'Amazon S3', tags: { app: 'web' } })).kind).toBe('team');
    expect(allocateS3(awsRecord({ serviceName: 'Amazon S3', tags: { app: 'api' } })).kind).toBe('unallocated');
  });

  it('places the spend of a FOCUS provider by a rule on its provider id and sub-account', () => {
    // Prepare: an Azure subscription owned by one team, from a FOCUS file (provider "microsoft").
    const config = testConfig({ allocation: { awsTagKey: 'team', rules: [{ match: { provider: 'microsoft', subAccount: 'sub-0001' }, team: 'growth' }] } });
    const allocateFocus = createAllocator(allocationPolicyOf(config));
    const azure = (subAccountId: string) => awsRecord({ source: 'focus-azure', provider: 'microsoft', providerName: 'Microsoft', subAccountId });

    // Act and assess: the subscription matches exactly; another subscription, or the same id at another provider, does not.
    expect(allocateFocus(azure('sub-0001'))).toEqual({ kind: 'team', team: 'growth', by: 'rule', ruleIndex: 0 });
    expect(allocateFocus(azure('sub-0002'))).toEqual({ kind: 'unallocated' });
    expect(allocateFocus(awsRecord({ subAccountId: 'sub-0001' }))).toEqual({ kind: 'unallocated' });
  });

  it('leaves untagged spend that no rule claims unallocated', () => {
    expect(allocate(awsRecord({ subAccountId: '444455556666' }))).toEqual({ kind: 'unallocated' });
  });
});
