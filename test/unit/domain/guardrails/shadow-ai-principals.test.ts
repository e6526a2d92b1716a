import { describe, expect, it } from 'vitest';
import { guardrailsPolicyOf } from '../../../../functions/config/policies';
import { principalPattern } from '../../../../functions/domain/chargeback/unmapped-principals';
import { evaluateGuardrails } from '../../../../functions/domain/guardrails/guardrails';
import { renderStatementText } from '../../../../functions/domain/statements/statement-text';
import { expectBooksBalance } from '../../../support/books';
import { allocateWith, buildChargeback } from '../../../support/chargeback';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';

const shared = '444455556666';
const role = (name: string, session: string) => `arn:aws:sts::${shared}:assumed-role/${name}/${session}`;

describe('shadow AI by IAM principal', () => {
  const config = testConfig({ allocation: { awsTagKey: 'team', rules: [{ match: { provider: 'aws', iamPrincipal: 'arn:aws:sts::*:assumed-role/growth-campaign-writer/*' }, team: 'growth' }] } });
  const bedrock = (iamPrincipal: string | undefined, cost: string, extra: Parameters<typeof awsRecord>[0] = {}) =>
    awsRecord({ subAccountId: shared, serviceName: 'Amazon Bedrock', chargePeriodStart: '2026-10-03', cost, ...(iamPrincipal ? { iamPrincipal } : {}), ...extra });

  it('lists Bedrock spend by the principals no tag or rule maps, and alerts on each with a rule to add', () => {
    // Prepare: a mapped caller, a tagged caller, two sessions of an unmapped role, and spend with no principal.
    const rows = [
      bedrock(role('growth-campaign-writer', 'lambda'), '30.00'),
      bedrock(role('search-rag-api', 'task'), '20.00', { tags: { team: 'search' } }),
      bedrock(role('intern-notebook', 'alice'), '12.00'),
      bedrock(role('intern-notebook', 'bob'), '0.40'),
      bedrock(undefined, '5.00'),
    ];

    // Act
    const chargeback = buildChargeback(rows, config, '2026-10', '2026-10-04');
    const shadow = evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-04T06:00:00Z'), policy: guardrailsPolicyOf(config), chargeback, allocated: [allocateWith(rows, config)] }).filter((a) => a.kind === 'shadow-ai');

    // Assess
    expectBooksBalance(chargeback);
    expect(chargeback.unmappedPrincipals).toEqual([
      { principal: role('intern-notebook', 'alice'), account: shared, services: ['Amazon Bedrock'], cost: '12.00' },
      { principal: role('intern-notebook', 'bob'), account: shared, services: ['Amazon Bedrock'], cost: '0.40' },
    ]);
    expect(shadow.map((a) => a.key)).toEqual([`shadow-ai#aws:principal:${role('intern-notebook', 'alice')}`]);
    expect(shadow[0]!.attributes).toMatchObject({ team: 'unallocated', provider: 'aws' });
    expect(shadow[0]!.body).toContain(`"iamPrincipal": "arn:aws:sts::${shared}:assumed-role/intern-notebook/*"`);
    expect(renderStatementText(chargeback)).toContain(`        12.00  ${role('intern-notebook', 'alice')} (Amazon Bedrock)`);
  });

  it('adds nothing when every caller is mapped, as in Cost Explorer mode where records carry no principal', () => {
    expect('unmappedPrincipals' in buildChargeback([bedrock(undefined, '5.00')], config, '2026-10', '2026-10-04')).toBe(false);
  });

  it('suggests a pattern over an assumed role\'s sessions, and any other principal as it is', () => {
    expect(principalPattern(role('app', 'session-1'))).toBe(`arn:aws:sts::${shared}:assumed-role/app/*`);
    expect(principalPattern(`arn:aws:iam::${shared}:user/alice`)).toBe(`arn:aws:iam::${shared}:user/alice`);
  });
});
