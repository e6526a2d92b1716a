import Big from 'big.js';
import { stringify } from 'csv-stringify/sync';
import type { FocusSourceConfig } from '../../functions/config/sources-schema';
import { addDays, daysOf, monthWindow } from '../../functions/domain/records/dates';

/**
 * The sample organisation's spend outside AWS as FOCUS files (`npm run local -- --focus`): an Azure-like FOCUS 1.0
 * cost export and a LiteLLM-like FOCUS 1.3 file, for a few of the sample's teams, tagged with the team tag, so the
 * FOCUS file sources (`sources.focus`) read them from the local S3. Pure and deterministic (no clock, no
 * randomness): the same months and delivery day give the same bytes. The shapes follow the fixtures in
 * test/fixtures/focus/ (their README says where each comes from); the amounts are invented.
 */

/** The FOCUS sources `--focus` adds to the configuration: one bucket, a prefix each. */
export const SAMPLE_FOCUS_SOURCES: FocusSourceConfig[] = [
  { id: 'azure', bucket: 'costline-sample-focus', prefix: 'azure/focus/', enabled: true, previousMonthUntilDay: 5, recheckClosedMonths: 1 },
  { id: 'litellm', bucket: 'costline-sample-focus', prefix: 'litellm/', enabled: true, previousMonthUntilDay: 5, recheckClosedMonths: 1 },
];

/** One object for the local S3. */
export interface FocusSampleObject {
  key: string;
  body: string;
  lastModified: Date;
}

const AZURE_COLUMNS = 'BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ConsumedQuantity,ConsumedUnit,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,PricingQuantity,PricingUnit,ProviderName,PublisherName,RegionId,RegionName,ServiceCategory,ServiceName,SubAccountId,SubAccountName,Tags,x_ResourceGroupName'.split(',');
const LITELLM_COLUMNS = 'BilledCost,BillingAccountId,BillingAccountName,BillingAccountType,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ConsumedQuantity,ConsumedUnit,ContractedCost,EffectiveCost,HostProviderName,InvoiceIssuerName,ListCost,PricingCurrency,PricingQuantity,PricingUnit,ServiceCategory,ServiceName,ServiceProviderName,ServiceSubcategory,SkuMeter,SubAccountId,SubAccountName,SubAccountType,Tags'.split(',');

/** Azure: a VM fleet per team, Azure OpenAI for the support bot, untagged shared storage. Per day, in dollars. */
const AZURE_LINES = [
  { team: 'payments', service: 'Virtual Machines', category: 'Compute', unit: 'Hours', perUnit: '0.192', units: 48, subscription: 'a001' },
  { team: 'search', service: 'Virtual Machines', category: 'Compute', unit: 'Hours', perUnit: '0.096', units: 72, subscription: 'a002' },
  { team: 'support-bot', service: 'Azure OpenAI', category: 'AI and Machine Learning', unit: 'Tokens', perUnit: '0.0000025', units: 3_200_000, subscription: 'a003' },
  { team: null, service: 'Storage', category: 'Storage', unit: 'GB/Month', perUnit: '0.0184', units: 410, subscription: 'a003' },
] as const;

/** LiteLLM: model spend per team through the proxy, priced per token. */
const LITELLM_LINES = [
  { team: 'search', host: 'OpenAI', service: 'OpenAI API', model: 'gpt-4o', perToken: '0.0000025', tokens: 1_400_000 },
  { team: 'growth', host: 'Anthropic', service: 'Anthropic API', model: 'claude-sonnet-4-6', perToken: '0.000003', tokens: 900_000 },
  { team: null, host: 'OpenAI', service: 'OpenAI API', model: 'text-embedding-3-small', perToken: '0.00000002', tokens: 25_000_000 },
] as const;

/** A day's usage varies by weekday (quieter weekends), the same every run. */
function dayFactor(day: string): number {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6 ? 0.6 : 1 + (weekday % 3) * 0.1;
}

const instant = (day: string) => `${day}T00:00:00Z`;

/** The days of `month` up to (not including) `asOf`. */
function daysDelivered(month: string, asOf: string): string[] {
  return daysOf(monthWindow(month)).filter((d) => d < asOf);
}

function azureCsv(month: string, days: readonly string[]): string {
  const { start, end } = monthWindow(month);
  const rows = days.flatMap((day) =>
    AZURE_LINES.map((l) => {
      const quantity = Math.round(l.units * dayFactor(day));
      const cost = new Big(l.perUnit).times(quantity).round(6).toFixed();
      return {
        BilledCost: cost,
        BillingAccountId: '/providers/Microsoft.Billing/billingAccounts/87654321',
        BillingAccountName: 'Example Org EA',
        BillingCurrency: 'USD',
        BillingPeriodStart: instant(start),
        BillingPeriodEnd: instant(end),
        ChargeCategory: 'Usage',
        ChargeClass: '',
        ChargeDescription: `${l.service} usage`,
        ChargeFrequency: 'Usage-Based',
        ChargePeriodStart: instant(day),
        ChargePeriodEnd: instant(addDays(day, 1)),
        ConsumedQuantity: String(quantity),
        ConsumedUnit: l.unit,
        ContractedCost: cost,
        EffectiveCost: cost,
        InvoiceIssuerName: 'Microsoft',
        ListCost: cost,
        PricingQuantity: String(quantity),
        PricingUnit: l.unit,
        ProviderName: 'Microsoft',
        PublisherName: 'Microsoft',
        RegionId: 'eastus',
        RegionName: 'East US',
        ServiceCategory: l.category,
        ServiceName: l.service,
        SubAccountId: `/subscriptions/5c1d0000-0000-4000-8000-00000000${l.subscription}`,
        SubAccountName: l.team ? `${l.team}-prod` : 'shared',
        Tags: JSON.stringify(l.team ? { team: l.team } : {}),
        x_ResourceGroupName: l.team ? `rg-${l.team}` : 'rg-shared',
      };
    }),
  );
  return stringify(rows, { header: true, columns: AZURE_COLUMNS, record_delimiter: 'windows' });
}

function liteLlmCsv(month: string, days: readonly string[]): string {
  const { start, end } = monthWindow(month);
  const rows = days.flatMap((day) =>
    LITELLM_LINES.map((l) => {
      const tokens = Math.round(l.tokens * dayFactor(day));
      const cost = new Big(l.perToken).times(tokens).round(7).toFixed();
      return {
        BilledCost: cost,
        BillingAccountId: 'litellm-proxy',
        BillingAccountName: 'LiteLLM proxy',
        BillingAccountType: 'Proxy',
        BillingCurrency: 'USD',
        BillingPeriodStart: instant(start),
        BillingPeriodEnd: instant(end),
        ChargeCategory: 'Usage',
        ChargeClass: '',
        ChargeDescription: `${l.model} tokens`,
        ChargeFrequency: 'Usage-Based',
        ChargePeriodStart: instant(day),
        ChargePeriodEnd: instant(addDays(day, 1)),
        ConsumedQuantity: String(tokens),
        ConsumedUnit: 'Tokens',
        ContractedCost: cost,
        EffectiveCost: cost,
        HostProviderName: l.host,
        InvoiceIssuerName: 'LiteLLM',
        ListCost: cost,
        PricingCurrency: 'USD',
        PricingQuantity: String(tokens),
        PricingUnit: 'Tokens',
        ServiceCategory: 'AI and Machine Learning',
        ServiceName: l.service,
        ServiceProviderName: 'LiteLLM',
        ServiceSubcategory: 'Generative AI',
        SkuMeter: l.model,
        SubAccountId: l.team ? `team-${l.team}` : '',
        SubAccountName: l.team ?? '',
        SubAccountType: l.team ? 'Team' : '',
        Tags: JSON.stringify(l.team ? { team: l.team } : {}),
      };
    }),
  );
  return stringify(rows, { header: true, columns: LITELLM_COLUMNS });
}

/**
 * The objects a FOCUS source finds under its prefix on `asOf`: one file per billing period of `months`, each with
 * the days before `asOf`. An entry whose id contains `litellm` gets the LiteLLM-like file (`<prefix>spend-YYYY-MM.csv`),
 * any other the Azure-like export (`<prefix>costline-sample/<YYYYMMDD-YYYYMMDD>/part_0_0001.csv`, a folder per period).
 */
export function focusSampleObjects(entry: Pick<FocusSourceConfig, 'id' | 'prefix'>, months: readonly string[], asOf: string): FocusSampleObject[] {
  const lastModified = new Date(`${asOf}T03:00:00Z`);
  return months.flatMap((month) => {
    const days = daysDelivered(month, asOf);
    if (days.length === 0) return [];
    if (entry.id.includes('litellm')) return [{ key: `${entry.prefix}spend-${month}.csv`, body: liteLlmCsv(month, days), lastModified }];
    const { start, end } = monthWindow(month);
    const folder = `${start.replaceAll('-', '')}-${addDays(end, -1).replaceAll('-', '')}`;
    return [{ key: `${entry.prefix}costline-sample/${folder}/part_0_0001.csv`, body: azureCsv(month, days), lastModified }];
  });
}
