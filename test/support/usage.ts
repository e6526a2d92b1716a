import { recordId } from '../../functions/domain/records/cost-record';
import { addDays } from '../../functions/domain/records/dates';
import { NO_TOKENS, type UsageRecord } from '../../functions/domain/records/usage-record';

/** Builds a model usage record for tests: OpenAI gpt-4o in proj_search unless overridden. */
export function usageRecord(overrides: Partial<UsageRecord> = {}): UsageRecord {
  const base: UsageRecord = {
    id: '',
    source: 'openai-usage',
    provider: 'openai',
    billingAccountId: 'org-test',
    subAccountId: 'proj_search',
    apiKeyId: null,
    serviceName: 'OpenAI API',
    model: 'gpt-4o-2024-08-06',
    usageType: 'completions',
    serviceTier: null,
    chargePeriodStart: '2026-10-01',
    chargePeriodEnd: addDays(overrides.chargePeriodStart ?? '2026-10-01', 1),
    tokens: { ...NO_TOKENS },
    requests: 0,
    webSearchRequests: 0,
    tags: {},
    ...overrides,
  };
  return { ...base, id: overrides.id ?? recordId({ ...base, usageType: base.usageType }) };
}
