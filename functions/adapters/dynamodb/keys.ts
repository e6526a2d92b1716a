/**
 * The one place that builds DynamoDB keys. One table, generic `pk`/`sk`:
 *
 * | item | pk | sk | read as |
 * |---|---|---|---|
 * | cost record | `REC#<month>` | `<day>#<source>#<id>` | a month: Query pk; a source's day: Query pk + begins_with sk |
 * | usage record | `USE#<month>` | `<day>#<source>#<id>` | as cost records |
 * | source month state | `SOURCE#<source>` | `MONTH#<month>` | GetItem |
 * | team month-to-date | `CHARGEBACK#<month>` | `TEAM#<team>` | GetItem (a team's month to date) |
 * | chargeback summary | `CHARGEBACK#<month>` | `SUMMARY` | GetItem |
 * | alert scope (its levels, one item) | `ALERT#<month>` | `SCOPE#<kind>#<scope>[#<level>]` | conditional Put on its version; Query pk |
 * | alert fired (before scopes; read only) | `ALERT#<month>` | `<alert key>` | Query pk |
 * | closed statement | `CLOSED` | `<month>` | conditional Put (once); Query pk |
 * | closed statement's delivery | `CLOSED` | `<month>#delivery` | conditional Put on its version; Query pk (with the statements) |
 *
 * Records are partitioned by month because every job reads whole months; a month of a large
 * organisation is tens of thousands of small items, well within one partition's limits.
 */
import { monthOf } from '../../domain/dates';

const ALERT_SCOPE_PREFIX = 'SCOPE#';

export interface Key {
  pk: string;
  sk: string;
}

/** Which family of day records: billed cost (`REC`) or usage (`USE`). */
export type RecordKind = 'REC' | 'USE';

export const keys = {
  record: (kind: RecordKind, source: string, day: string, id: string): Key => ({ pk: `${kind}#${monthOf(day)}`, sk: `${day}#${source}#${id}` }),
  recordMonth: (kind: RecordKind, month: string): string => `${kind}#${month}`,
  recordDayPrefix: (kind: RecordKind, source: string, day: string): Key => ({ pk: `${kind}#${monthOf(day)}`, sk: `${day}#${source}#` }),
  sourceMonth: (source: string, month: string): Key => ({ pk: `SOURCE#${source}`, sk: `MONTH#${month}` }),
  teamCharge: (month: string, team: string): Key => ({ pk: `CHARGEBACK#${month}`, sk: `TEAM#${team}` }),
  chargebackSummary: (month: string): Key => ({ pk: `CHARGEBACK#${month}`, sk: 'SUMMARY' }),
  alert: (month: string, key: string): Key => ({ pk: `ALERT#${month}`, sk: key }),
  alertMonth: (month: string): string => `ALERT#${month}`,
  alertScope: (month: string, id: string): Key => ({ pk: `ALERT#${month}`, sk: `${ALERT_SCOPE_PREFIX}${id}` }),
  alertScopePrefix: (): string => ALERT_SCOPE_PREFIX,
  closedStatement: (month: string): Key => ({ pk: 'CLOSED', sk: month }),
  closedStatements: 'CLOSED',
  /** Beside the month's closed statement (same partition, read by the same Query), never inside it. */
  closedDelivery: (month: string): Key => ({ pk: 'CLOSED', sk: `${month}#delivery` }),
};
