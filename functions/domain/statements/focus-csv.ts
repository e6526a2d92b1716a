import Big from 'big.js';
import { stringify } from 'csv-stringify/sync';
import { recordAllocation, type AllocatedMonth } from '../allocation/allocate';
import { UNALLOCATED } from '../allocation/allocation';
import type { Chargeback } from '../chargeback/chargeback';
import type { Adjustment } from '../chargeback/month-close';
import { addMonths, monthStart } from '../records/dates';
import { focusDimensionColumns } from './dimension-files';
import { ROUNDING } from './statement-csv';

/**
 * `focus.csv`: the month's allocated records in FOCUS columns, for other FinOps tools. A pure renderer:
 * the use-case decides where the file goes (S3 in AWS, `OUT/<month>/` locally).
 */

/** FOCUS columns costline writes, then its `x_` extensions. */
export const FOCUS_COLUMNS = [
  'BillingAccountId',
  'BillingCurrency',
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ChargeCategory',
  'ChargeClass',
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'ContractedCost',
  'InvoiceIssuerName',
  'ProviderName',
  'PublisherName',
  'ServiceName',
  'ServiceCategory',
  'SubAccountId',
  'SubAccountName',
  'ConsumedQuantity',
  'ConsumedUnit',
  'Tags',
  'x_Team',
  'x_Pool',
  'x_AllocationMethod',
  'x_AllocationRule',
  'x_Model',
  'x_TokenType',
  'x_ApiKeyId',
  'x_UsageType',
  'x_CostOrigin',
  'x_Estimated',
  'x_RecordId',
] as const;

/**
 * The statement's cents per part and provider, as `statement.csv` carries them: a team's direct lines
 * (`team:<id>`), the unallocated sources (`unallocated`), each shared pool's shares (`pool:<id>`), and the
 * rounding rows (`rounding`). Keyed `<part>\u0000<provider>`.
 */
function statementCells(cb: Chargeback): Map<string, Big> {
  const cells = new Map<string, Big>();
  const add = (part: string, provider: string, amount: string) => cells.set(`${part}\u0000${provider}`, (cells.get(`${part}\u0000${provider}`) ?? new Big(0)).plus(amount));
  for (const t of cb.teams) {
    for (const l of t.lines) add(`team:${t.team}`, l.provider, l.cost);
    for (const sh of t.shares) for (const [p, v] of Object.entries(sh.byProvider ?? {})) add(`pool:${sh.pool}`, p, v);
  }
  for (const u of cb.unallocatedSources) add('unallocated', u.provider, u.cost);
  for (const [p, v] of Object.entries(cb.rounding ?? {})) add('rounding', p, v);
  return cells;
}

/**
 * `focus.csv`: the month's records (billed, and estimates for what is not billed yet) in FOCUS column
 * names, with how each was allocated, and a column per configured dimension (`x_Feature`, ...) after
 * the others, with each record's value (empty on rounding and adjustment rows). costline does not know list or negotiated prices, so `ListCost`
 * and `ContractedCost` repeat `BilledCost` (the FOCUS columns must not be empty); a negative cost is a
 * `Credit`, anything else `Usage`.
 *
 * With the month's `statement`, rounding rows follow the records (`ChargeCategory = Adjustment`,
 * `x_CostOrigin = rounding`, under the team, pool or unallocated bucket and provider they round): each is
 * the statement's cents for that bucket and provider less the records' exact sum (under a cent per line
 * of the statement), so that any subtotal of the file (by team, provider, both, or in all) equals the
 * statement's figure exactly, with no rounding left to the reader.
 */
export function renderFocusCsv(allocated: AllocatedMonth, currency: string, adjustments: readonly Adjustment[] = [], statement?: Chargeback): string {
  const { records, month } = allocated;
  const periodStart = `${monthStart(month)}T00:00:00Z`;
  const periodEnd = `${monthStart(addMonths(month, 1))}T00:00:00Z`;
  const dimensions = focusDimensionColumns(allocated);
  const rows: Array<Record<(typeof FOCUS_COLUMNS)[number], string>> = records.map((r, i) => {
    const a = recordAllocation(allocated, i);
    return {
      BillingAccountId: r.billingAccountId,
      BillingCurrency: r.billingCurrency,
      BillingPeriodStart: periodStart,
      BillingPeriodEnd: periodEnd,
      ChargePeriodStart: `${r.chargePeriodStart}T00:00:00Z`,
      ChargePeriodEnd: `${r.chargePeriodEnd}T00:00:00Z`,
      ChargeCategory: r.billedCost.startsWith('-') ? 'Credit' : 'Usage',
      ChargeClass: '',
      BilledCost: r.billedCost,
      EffectiveCost: r.effectiveCost,
      ListCost: r.billedCost,
      ContractedCost: r.billedCost,
      InvoiceIssuerName: r.providerName,
      ProviderName: r.providerName,
      PublisherName: r.provider === 'aws' && r.model ? 'AWS Marketplace' : r.providerName,
      ServiceName: r.serviceName,
      ServiceCategory: r.serviceCategory,
      SubAccountId: r.subAccountId ?? '',
      SubAccountName: r.subAccountName ?? '',
      ConsumedQuantity: r.consumedQuantity ?? '',
      ConsumedUnit: r.consumedUnit ?? '',
      Tags: JSON.stringify(r.tags),
      x_Team: a.kind === 'team' ? a.team : '',
      x_Pool: a.kind === 'pool' ? a.pool : '',
      x_AllocationMethod: a.kind === 'team' ? a.by : a.kind,
      x_AllocationRule: a.kind === 'unallocated' || (a.kind === 'team' && a.by === 'tag') ? '' : String(a.ruleIndex),
      x_Model: r.model ?? '',
      x_TokenType: r.tokenType ?? '',
      x_ApiKeyId: r.apiKeyId ?? '',
      x_UsageType: r.usageType ?? '',
      x_CostOrigin: r.costOrigin,
      x_Estimated: r.estimated ? 'true' : 'false',
      // costline's deterministic record id: a dollar is traceable to one record, and never in two months' files.
      x_RecordId: r.id,
      ...dimensions.valuesOf(i),
    };
  });
  if (statement) {
    const basis = statement.costBasis;
    const shared = new Set(statement.pools.map((p) => p.pool));
    const exact = new Map<string, Big>();
    const accountOf = new Map<string, string>();
    records.forEach((r, i) => {
      const a = recordAllocation(allocated, i);
      const part = a.kind === 'team' ? `team:${a.team}` : a.kind === 'pool' && shared.has(a.pool) ? `pool:${a.pool}` : a.kind === 'unallocated' && shared.has(UNALLOCATED) ? `pool:${UNALLOCATED}` : 'unallocated';
      const key = `${part}\u0000${r.provider}`;
      exact.set(key, (exact.get(key) ?? new Big(0)).plus(r[basis]));
      if (!accountOf.has(r.provider)) accountOf.set(r.provider, r.billingAccountId);
    });
    const cells = statementCells(statement);
    const names = new Map<string, string>(records.map((r) => [r.provider, r.providerName]));
    for (const key of [...new Set([...cells.keys(), ...exact.keys()])]) {
      const delta = (cells.get(key) ?? new Big(0)).minus(exact.get(key) ?? new Big(0));
      if (delta.eq(0)) continue;
      const [part, provider] = key.split('\u0000') as [string, string];
      const name = names.get(provider) ?? provider;
      const blank = Object.fromEntries(FOCUS_COLUMNS.map((c) => [c, ''])) as Record<(typeof FOCUS_COLUMNS)[number], string>;
      const amount = delta.toFixed();
      rows.push({
        ...blank,
        BillingAccountId: accountOf.get(provider) ?? '',
        BillingCurrency: currency,
        BillingPeriodStart: periodStart,
        BillingPeriodEnd: periodEnd,
        ChargePeriodStart: periodStart,
        ChargePeriodEnd: periodEnd,
        ChargeCategory: 'Adjustment',
        BilledCost: amount,
        EffectiveCost: amount,
        ListCost: amount,
        ContractedCost: amount,
        InvoiceIssuerName: name,
        ProviderName: name,
        PublisherName: name,
        ServiceName: 'Rounding to the statement cents',
        ServiceCategory: 'Other',
        Tags: '{}',
        x_Team: part.startsWith('team:') ? part.slice(5) : part === 'rounding' ? ROUNDING : '',
        x_Pool: part.startsWith('pool:') ? part.slice(5) : '',
        x_AllocationMethod: 'rounding',
        x_CostOrigin: 'rounding',
        x_Estimated: 'false',
      });
    }
  }
  // Corrections to closed months, charged in this billing period for the period they belong to.
  for (const a of adjustments) {
    const blank = Object.fromEntries(FOCUS_COLUMNS.map((c) => [c, ''])) as Record<(typeof FOCUS_COLUMNS)[number], string>;

    rows.push({
      ...blank,
      BillingAccountId: records[0]?.billingAccountId ?? '',
      BillingCurrency: currency,
      BillingPeriodStart: periodStart,
      BillingPeriodEnd: periodEnd,
      ChargePeriodStart: `${monthStart(a.forMonth)}T00:00:00Z`,
      ChargePeriodEnd: `${monthStart(addMonths(a.forMonth, 1))}T00:00:00Z`,
      ChargeCategory: 'Adjustment',
      ChargeClass: 'Correction',
      BilledCost: a.amount,
      EffectiveCost: a.amount,
      ListCost: a.amount,
      ContractedCost: a.amount,
      InvoiceIssuerName: 'costline',
      ProviderName: 'costline',
      PublisherName: 'costline',
      ServiceName: 'Prior-period adjustment',
      ServiceCategory: 'Other',
      Tags: '{}',
      x_Team: a.team === UNALLOCATED ? '' : a.team,
      x_AllocationMethod: 'adjustment',
      x_CostOrigin: 'billed',
      x_Estimated: 'false',
    });
  }
  return stringify(rows, { header: true, columns: [...FOCUS_COLUMNS, ...dimensions.columns], record_delimiter: '\n' });
}
