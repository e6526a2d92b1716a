import { stringify } from 'csv-stringify/sync';
import type { AllocatedMonth } from '../allocation/allocate';
import { createDimensionResolver } from '../allocation/dimensions';
import type { Chargeback, DimensionValueTotal } from '../chargeback/chargeback';
import { USAGE_COLUMNS } from './statement-csv';

/** Stable column names of `dimensions.csv`. */
export const DIMENSIONS_CSV_COLUMNS = [
  'month',
  'status',
  'dimension',
  'scope',
  'team',
  'team_name',
  'value',
  'cost',
  ...USAGE_COLUMNS,
  'per_million_tokens',
  'per_thousand_requests',
] as const;

type Row = Record<(typeof DIMENSIONS_CSV_COLUMNS)[number], string | number>;

/**
 * `dimensions.csv`, written when dimensions are configured: per dimension, one `organization` row per
 * value (the month's total by record, before shared pools are split) and one `team` row per team and value
 * (the team's direct spend). Summed by dimension over the organization rows, `cost` is the month's total;
 * over one team's rows, its direct spend; to the cent. It is a file of its own, not rows of statement.csv,
 * because every dimension breaks down the same money again: statement.csv's `cost` column sums to the total due.
 */
export function renderDimensionsCsv(cb: Chargeback): string {
  const rows: Row[] = [];
  const row = (dimension: string, scope: string, team: string, teamName: string, v: DimensionValueTotal): Row => ({
    month: cb.month,
    status: cb.status,
    dimension,
    scope,
    team,
    team_name: teamName,
    value: v.value,
    cost: v.cost,
    input_tokens: v.tokens.input,
    cached_input_tokens: v.tokens.cachedInput,
    cache_write_tokens: v.tokens.cacheWrite,
    output_tokens: v.tokens.output,
    requests: v.requests,
    per_million_tokens: v.perMillionTokens ?? '',
    per_thousand_requests: v.perThousandRequests ?? '',
  });
  for (const d of cb.dimensions ?? []) {
    for (const v of d.values) rows.push(row(d.dimension, 'organization', '', '', v));
    for (const t of d.teams) {
      const name = cb.teams.find((x) => x.team === t.team)?.name ?? t.team;
      for (const v of t.values) rows.push(row(d.dimension, 'team', t.team, name, v));
    }
  }
  return stringify(rows, { header: true, columns: [...DIMENSIONS_CSV_COLUMNS], record_delimiter: '\n' });
}

/** `feature` → `x_Feature`, `cost-center` → `x_CostCenter`: a dimension's focus.csv column (FOCUS custom columns start `x_`). */
export function dimensionColumnOf(id: string): string {
  return `x_${id
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')}`;
}

/**
 * focus.csv's dimension columns, after the FOCUS and costline's own `x_` columns: their names, and each
 * record's values (the `i`th record of the month). No columns without dimensions.
 */
export function focusDimensionColumns(allocated: AllocatedMonth): { columns: string[]; valuesOf: (i: number) => Record<string, string> } {
  const dimensions = allocated.policy.dimensions ?? [];
  const columns = dimensions.map((d) => dimensionColumnOf(d.id));
  if (columns.length === 0) return { columns, valuesOf: () => ({}) };
  const resolve = createDimensionResolver(dimensions);
  return { columns, valuesOf: (i) => Object.fromEntries(resolve(allocated.records[i]!).map((v, d) => [columns[d]!, v.value])) };
}
