import { describe, expect, it } from 'vitest';
import { guardrailsPolicyOf } from '../../../../functions/config/policies';
import { allocateWith, buildChargeback } from '../../../support/chargeback';
import { evaluateGuardrails } from '../../../../functions/domain/guardrails/guardrails';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';

describe('shadow-AI alerts', () => {
  it('names the unmapped project and the watched model in shadow-AI alerts, once a month, to the platform audience', () => {
    const config = testConfig({ alerts: { shadowAi: { watchModels: ['o1-pro*'] } } });
    const rows = [
      awsRecord({ source: 'openai-costs', provider: 'openai', subAccountId: 'proj_x', serviceName: 'OpenAI API', model: 'gpt-4o', apiKeyId: 'key_x', chargePeriodStart: '2026-10-03', cost: '12.00' }),
      awsRecord({ source: 'openai-costs', provider: 'openai', subAccountId: 'proj_x', serviceName: 'OpenAI API', model: 'o1-pro-2025-03-19', chargePeriodStart: '2026-10-03', cost: '40.00' }),
      awsRecord({ source: 'openai-costs', provider: 'openai', subAccountId: 'proj_y', serviceName: 'OpenAI API', model: 'gpt-4o', chargePeriodStart: '2026-10-03', cost: '0.40' }),
    ];
    const chargeback = buildChargeback(rows, config, '2026-10', '2026-10-04');
    const shadow = evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-04T06:00:00Z'), policy: guardrailsPolicyOf(config), chargeback, allocated: [allocateWith(rows, config)] }).filter((a) => a.kind === 'shadow-ai');
    expect(shadow.map((a) => a.key).sort()).toEqual(['shadow-ai#model:openai:o1-pro-2025-03-19', 'shadow-ai#openai:project:proj_x']);
    const project = shadow.find((a) => a.key.includes('proj_x'))!;
    expect(project.attributes).toMatchObject({ team: 'unallocated', kind: 'shadow-ai', provider: 'openai' });
    expect(project.body).toContain('"project": "proj_x"');
  });

  it('labels a watched model used by several teams as organisation-wide, and one used by a single team as that team\'s', () => {
    const config = testConfig({ alerts: { shadowAi: { watchModels: ['o1-pro*'] } } });
    const use = (team: string, model: string) => awsRecord({ tags: { team }, serviceName: 'Amazon Bedrock', model, chargePeriodStart: '2026-10-03', cost: '20' });
    const rows = [use('payments', 'o1-pro-a'), use('search', 'o1-pro-a'), use('search', 'o1-pro-b')];
    const chargeback = buildChargeback(rows, config, '2026-10', '2026-10-04');
    const teams = evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-04T06:00:00Z'), policy: guardrailsPolicyOf(config), chargeback, allocated: [allocateWith(rows, config)] })
      .filter((a) => a.kind === 'shadow-ai')
      .map((a) => [a.attributes.model, a.attributes.team]);
    expect(teams.sort()).toEqual([
      ['o1-pro-a', 'organization'],
      ['o1-pro-b', 'search'],
    ]);
  });
});
