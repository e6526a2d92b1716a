import { describe, expect, it } from 'vitest';
import { allocationPolicyOf } from '../../../../functions/config/policies';
import { allocate, recordAllocation } from '../../../../functions/domain/allocation/allocate';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';

const shared = '444455556666';
const writer = `arn:aws:sts::${shared}:assumed-role/growth-campaign-writer/campaign-writer-lambda`;
const chat = `arn:aws:sts::${shared}:assumed-role/support-chat-api/support-chat-ecs-task`;
const profile = `arn:aws:bedrock:us-east-1:${shared}:application-inference-profile/sb7k2m9q4x1c`;

describe('team rules on IAM principals and inference profiles', () => {
  const config = testConfig({
    allocation: {
      awsTagKey: 'team',
      rules: [
        { match: { provider: 'aws', iamPrincipal: 'arn:aws:sts::*:assumed-role/growth-campaign-writer/*' }, team: 'growth' },
        { match: { resource: 'arn:aws:bedrock:*:application-inference-profile/sb7k2m9q4x1c' }, team: 'search' },
      ],
    },
  });
  const bedrock = (extra: Parameters<typeof awsRecord>[0]) => awsRecord({ serviceName: 'Amazon Bedrock', subAccountId: shared, ...extra });

  it('tells Bedrock callers in one account apart by principal and by profile, and leaves an unmatched caller unallocated', () => {
    // Prepare: three callers of one service in one account, otherwise identical records.
    const records = [bedrock({ iamPrincipal: writer }), bedrock({ iamPrincipal: chat, resourceId: profile }), bedrock({ iamPrincipal: chat }), bedrock({})];

    // Act
    const month = allocate({ month: '2026-10', billed: records }, allocationPolicyOf(config));

    // Assess: the memoised identities keep them apart, so each gets its own decision.
    expect(records.map((_, i) => recordAllocation(month, i))).toEqual([
      { kind: 'team', team: 'growth', by: 'rule', ruleIndex: 0 },
      { kind: 'team', team: 'search', by: 'rule', ruleIndex: 1 },
      { kind: 'unallocated' },
      { kind: 'unallocated' },
    ]);
    expect(month.identities).toHaveLength(4);
  });

  it('still lets the team tag come first', () => {
    const month = allocate({ month: '2026-10', billed: [bedrock({ iamPrincipal: writer, tags: { team: 'pay' } })] }, allocationPolicyOf(config));
    expect(recordAllocation(month, 0)).toMatchObject({ team: 'payments', by: 'tag' });
  });
});
