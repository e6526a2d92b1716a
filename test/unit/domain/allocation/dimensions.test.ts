import { describe, expect, it } from 'vitest';
import type { DimensionPolicy } from '../../../../functions/domain/allocation/allocation-policy';
import { createDimensionResolver, describeDimensionValue, dimensionValueOf, NO_VALUE } from '../../../../functions/domain/allocation/dimensions';
import { awsRecord } from '../../../support/records';
import { usageRecord } from '../../../support/usage';

const feature: DimensionPolicy = {
  id: 'feature',
  tagKey: 'feature',
  rules: [
    { match: { iamPrincipal: 'arn:aws:sts::*:assumed-role/search-eval-batch/*' }, value: 'search-eval' },
    { match: { iamPrincipal: 'arn:aws:sts::*:assumed-role/search-*' }, value: 'search-rag' },
    { match: { resource: 'arn:aws:bedrock:*:application-inference-profile/*' }, value: 'support-chat' },
    { match: { provider: 'openai', project: 'proj_search' }, value: 'search-ranking' },
    { match: { tag: { key: 'app', value: 'web' } }, value: 'web' },
  ],
};
const environment: DimensionPolicy = { id: 'environment', tagKey: 'env', rules: [] };
const principal = (role: string) => `arn:aws:sts::777788889999:assumed-role/${role}/task`;

describe('dimension values', () => {
  it('takes the tag first, trimmed and with its case kept', () => {
    expect(dimensionValueOf(environment, awsRecord({ tags: { env: ' Prod ' } }))).toEqual({ value: 'Prod', by: 'tag', tagKey: 'env' });
    expect(dimensionValueOf(feature, awsRecord({ tags: { feature: 'checkout' }, iamPrincipal: principal('search-rag-api') }))).toEqual({ value: 'checkout', by: 'tag', tagKey: 'feature' });
  });

  it('falls back to the first matching rule, on principals, resources, projects and tags', () => {
    const valueOf = (r: Parameters<typeof dimensionValueOf>[1]) => dimensionValueOf(feature, r).value;
    expect(valueOf(awsRecord({ iamPrincipal: principal('search-eval-batch') }))).toBe('search-eval');
    expect(valueOf(awsRecord({ iamPrincipal: principal('search-rag-api') }))).toBe('search-rag');
    expect(valueOf(awsRecord({ resourceId: 'arn:aws:bedrock:us-east-1:444455556666:application-inference-profile/sb7k2m9q4x1c' }))).toBe('support-chat');
    expect(valueOf(usageRecord({ subAccountId: 'proj_search' }))).toBe('search-ranking');
    expect(valueOf(awsRecord({ tags: { app: 'web' } }))).toBe('web');
    expect(dimensionValueOf(feature, awsRecord({ tags: { feature: '  ' } }))).toEqual({ value: NO_VALUE, by: 'none' });
  });

  it('says what set each value, for explain', () => {
    expect(describeDimensionValue(feature, dimensionValueOf(feature, awsRecord({ iamPrincipal: principal('search-rag-api') })))).toBe('rule 1: {"iamPrincipal":"arn:aws:sts::*:assumed-role/search-*"}');
    expect(describeDimensionValue(environment, dimensionValueOf(environment, awsRecord({ tags: { env: 'prod' } })))).toBe('tag env="prod"');
    expect(describeDimensionValue(environment, dimensionValueOf(environment, awsRecord({})))).toBe('no tag env and no rule matches');
  });

  it('resolves every dimension in order, once per distinct record, with the same answer as one by one', () => {
    // Prepare: records that differ by principal, tag and cost.
    const records = [
      awsRecord({ iamPrincipal: principal('search-rag-api'), cost: '1' }),
      awsRecord({ iamPrincipal: principal('search-rag-api'), cost: '2', chargePeriodStart: '2026-10-02' }),
      awsRecord({ iamPrincipal: principal('search-eval-batch'), tags: { env: 'dev' } }),
      awsRecord({ tags: { env: 'prod', app: 'web' } }),
    ];
    const resolve = createDimensionResolver([feature, environment]);

    // Act
    const values = records.map((r) => resolve(r).map((v) => v.value));

    // Assess
    expect(values).toEqual([
      ['search-rag', NO_VALUE],
      ['search-rag', NO_VALUE],
      ['search-eval', 'dev'],
      ['web', 'prod'],
    ]);
    expect(resolve(records[0]!)).toBe(resolve(records[1]!));
    records.forEach((r, i) => expect(values[i]).toEqual([dimensionValueOf(feature, r).value, dimensionValueOf(environment, r).value]));
  });
});
