/**
 * The one place that builds DynamoDB keys. One table, generic `pk`/`sk`:
 *
 * | item | pk | sk | read as |
 * |---|---|---|---|
 * | day pointer | `REC#<month>` | `#<day>#<source>` | read with the month's records (one Query); says which version of the day is current |
 * | cost record | `REC#<month>` | `<day>#<source>#v<version>#<id>` | a month: Query pk; readers keep each day's current version |
 * | cost record, before versions | `REC#<month>` | `<day>#<source>#<id>` | version 0 (no pointer): read and replaced like any other |
 * | a source's day, every version | `REC#<month>` | begins with `<day>#<source>#` | Query pk + begins_with sk (one day re-read before it is replaced) |
 * | usage record, usage day pointer | `USE#<month>` | as cost records | as cost records |
 * | pending shrink | `SOURCE#<source>` | `SHRINK#<day>` | Query pk + begins_with sk |
 * | month ingestion health | `HEALTH#<month>` | `<source>` | Query pk (every source's last ingestion of the month) |
 * | source month state | `SOURCE#<source>` | `MONTH#<month>` | GetItem |
 * | team month-to-date | `CHARGEBACK#<month>` | `TEAM#<team>` | GetItem (a team's month to date) |
 * | chargeback summary | `CHARGEBACK#<month>` | `SUMMARY` | GetItem |
 * | alert scope (its levels, one item) | `ALERT#<month>` | `SCOPE#<kind>#<scope>[#<level>]` | conditional Put on its version; Query pk |
 * | alert fired (before scopes; read only) | `ALERT#<month>` | `<alert key>` | Query pk |
 * | closed statement | `CLOSED` | `<month>` | conditional Put (once); Query pk |
 * | closed statement's delivery | `CLOSED` | `<month>#delivery` | conditional Put on its version; Query pk (with the statements) |
| closed statement's file, a gzipped chunk | `CLOSEDFILE#<month>` | `<sha256>#<chunk>` | Put (by content: idempotent); Query pk |
 *
 * Records are partitioned by month because every job reads whole months; a month of a large
 * organisation is tens of thousands of small items, well within one partition's limits. A day pointer's
 * sort key starts with `#`, which sorts before every day (`2…`): a month's Query reads the pointers
 * first, so a reader knows each day's version before it meets the day's records.
 */
import { monthOf } from '../../domain/records/dates';

const ALERT_SCOPE_PREFIX = 'SCOPE#';

export interface Key {
  pk: string;
  sk: string;
}

/** Which family of day records: billed cost (`REC`) or usage (`USE`). */
export type RecordKind = 'REC' | 'USE';

export const keys = {
  /** A record of one version of a source's day; version 0 is the unversioned key written before versions existed. */
  record: (kind: RecordKind, source: string, day: string, id: string, version = 0): Key => ({
    pk: `${kind}#${monthOf(day)}`,
    sk: version === 0 ? `${day}#${source}#${id}` : `${day}#${source}#v${version}#${id}`,
  }),
  recordMonth: (kind: RecordKind, month: string): string => `${kind}#${month}`,
  /** The sort key prefix every record of a source's day has, whatever its version (the `#` ends the source id). */
  dayRecordsPrefix: (kind: RecordKind, source: string, day: string): Key => ({ pk: `${kind}#${monthOf(day)}`, sk: `${day}#${source}#` }),
  /** The item naming the current version of a source's day, in the day's month partition. */
  dayPointer: (kind: RecordKind, source: string, day: string): Key => ({ pk: `${kind}#${monthOf(day)}`, sk: `#${day}#${source}` }),
  /** The day and source of a record or day pointer sort key. */
  dayOfSortKey: (sk: string): { day: string; source: string; pointer: boolean } => {
    const pointer = sk.startsWith('#');
    const rest = pointer ? sk.slice(1) : sk;
    const afterDay = rest.slice(11);
    const end = afterDay.indexOf('#');
    return { day: rest.slice(0, 10), source: end < 0 ? afterDay : afterDay.slice(0, end), pointer };
  },
  pendingShrink: (source: string, day: string): Key => ({ pk: `SOURCE#${source}`, sk: `SHRINK#${day}` }),
  pendingShrinkPrefix: (source: string): Key => ({ pk: `SOURCE#${source}`, sk: 'SHRINK#' }),
  monthHealth: (month: string, source: string): Key => ({ pk: `HEALTH#${month}`, sk: source }),
  monthHealthOf: (month: string): string => `HEALTH#${month}`,
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
  /** One gzipped chunk of a file a month was closed with, by content: its own partition, so listing statements never reads bodies. */
  closedFileChunk: (month: string, sha256: string, chunk: number): Key => ({ pk: `CLOSEDFILE#${month}`, sk: `${sha256}#${String(chunk).padStart(4, '0')}` }),
  closedFilesOf: (month: string): string => `CLOSEDFILE#${month}`,
};
