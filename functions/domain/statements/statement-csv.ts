import { stringify } from 'csv-stringify/sync';
import { UNALLOCATED } from '../allocation/allocation';
import type { Chargeback } from '../chargeback/chargeback';
import type { AdjustedChargeback } from '../chargeback/month-close';

/**
 * `statement.csv`: the statement as rows finance can open in any spreadsheet. A pure renderer: the
 * use-case decides where the file goes (S3 in AWS, `OUT/<month>/` locally).
 */

/** A line's usage columns, in `statement.csv` and `dimensions.csv`: disjoint token types, then model requests. */
export const USAGE_COLUMNS = ['input_tokens', 'cached_input_tokens', 'cache_write_tokens', 'output_tokens', 'requests'] as const;

/** Stable column names of `statement.csv`; amounts are plain decimals, tokens whole numbers. */
export const STATEMENT_CSV_COLUMNS = [
  'month',
  'status',
  'team',
  'team_name',
  'kind',
  'provider',
  'service',
  'model',
  'sub_account',
  'tag_value',
  'pool',
  'method',
  'ratio',
  'cost',
  ...USAGE_COLUMNS,
  'estimated',
  'for_month',
] as const;

type CsvRow = Record<(typeof STATEMENT_CSV_COLUMNS)[number], string | number>;

/** The team id of `statement.csv`'s rounding rows (and of focus.csv's, in `x_Team`). */
export const ROUNDING = '__rounding__';

/**
 * `statement.csv`: one row per team per line (`direct` spend by provider, service and model; `shared`
 * pool shares with method and ratio, one row per provider of the pool), every `unallocated` source with
 * its account, project or workspace in `sub_account` and the team tag value it carried in `tag_value`,
 * a `rounding` row per provider whose rows, each rounded on its own, miss its control total by a cent or
 * two, and `adjustment` rows for closed months (`for_month`). Summed by team, by provider, by team and
 * provider, or in all, the `cost` column gives the statement's figures to the cent (in all: the total
 * due, the month's total plus adjustments). UTF-8, with a header row.
 */
export function renderStatementCsv(cb: Chargeback): string {
  const base = { month: cb.month, status: cb.status };
  const empty = { provider: '', service: '', model: '', sub_account: '', tag_value: '', pool: '', method: '', ratio: '', input_tokens: '', cached_input_tokens: '', cache_write_tokens: '', output_tokens: '', requests: '', estimated: '', for_month: '' };
  const rows: CsvRow[] = [];
  for (const t of cb.teams) {
    for (const l of t.lines) {
      rows.push({
        ...base,
        ...empty,
        team: t.team,
        team_name: t.name,
        kind: 'direct',
        provider: l.provider,
        service: l.service,
        model: l.model ?? '',
        cost: l.cost,
        input_tokens: l.tokens.input,
        cached_input_tokens: l.tokens.cachedInput,
        cache_write_tokens: l.tokens.cacheWrite,
        output_tokens: l.tokens.output,
        requests: l.requests,
        estimated: l.estimated ? 'true' : 'false',
      });
    }
    for (const s of t.shares) {
      // Statements closed before shares carried providers have one row per share, with no provider.
      const parts = s.byProvider ? Object.entries(s.byProvider) : [['', s.amount] as const];
      for (const [provider, amount] of parts) rows.push({ ...base, ...empty, team: t.team, team_name: t.name, kind: 'shared', provider, pool: s.pool, method: s.method, ratio: s.ratio, cost: amount });
    }
  }
  for (const u of cb.unallocatedSources) {
    rows.push({ ...base, ...empty, team: UNALLOCATED, team_name: 'Unallocated', kind: 'unallocated', provider: u.provider, service: u.service, sub_account: u.account ?? '', tag_value: u.tagValue ?? '', cost: u.cost });
  }
  for (const [provider, amount] of Object.entries(cb.rounding ?? {})) {
    rows.push({ ...base, ...empty, team: ROUNDING, team_name: 'Rounding', kind: 'rounding', provider, cost: amount });
  }
  // Prior-period adjustments: charged this month, for the closed month they correct.
  for (const a of 'adjustments' in cb ? (cb as AdjustedChargeback).adjustments : []) {
    const name = cb.teams.find((t) => t.team === a.team)?.name ?? 'Unallocated';
    rows.push({ ...base, ...empty, team: a.team, team_name: name, kind: 'adjustment', cost: a.amount, for_month: a.forMonth });
  }
  return stringify(rows, { header: true, columns: [...STATEMENT_CSV_COLUMNS], record_delimiter: '\n' });
}
