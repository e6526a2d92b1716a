import { recordId, serviceCategoryOf, type CostRecord } from '../../functions/domain/records/cost-record';
import { addDays } from '../../functions/domain/records/dates';

/** Builds a valid AWS cost record for tests; the id follows the identity like the mapper's. */
export function awsRecord(overrides: Partial<CostRecord> & { cost?: string } = {}): CostRecord {
  const { cost = '1.00', ...rest } = overrides;
  const base: CostRecord = {
    id: '',
    source: 'aws-cost-explorer',
    provider: 'aws',
    providerName: 'AWS',
    billingAccountId: '999988887777',
    subAccountId: null,
    subAccountName: null,
    serviceName: 'Amazon DynamoDB',
    serviceCategory: serviceCategoryOf(rest.serviceName ?? 'Amazon DynamoDB'),
    usageType: null,
    chargePeriodStart: '2026-10-01',
    chargePeriodEnd: addDays(rest.chargePeriodStart ?? '2026-10-01', 1),
    billedCost: cost,
    effectiveCost: cost,
    billingCurrency: 'USD',
    consumedQuantity: null,
    consumedUnit: null,
    model: null,
    apiKeyId: null,
    tokenType: null,
    costOrigin: 'billed',
    tags: {},
    estimated: false,
    ...rest,
  };
  return { ...base, id: overrides.id ?? recordId(base) };
}

/** Steady daily spend for a team over a window, one record a day. */
export function dailyRecords(team: string, from: string, days: number, amount: string, extra: Partial<CostRecord> = {}): CostRecord[] {
  return Array.from({ length: days }, (_, i) => awsRecord({ chargePeriodStart: addDays(from, i), tags: { team }, cost: amount, ...extra }));
}
