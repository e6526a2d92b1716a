import Big from 'big.js';
import { createHash } from 'node:crypto';
import { canonicalHash } from '../../lib/canonical-json';
import { UNALLOCATED } from '../allocation/allocation';
import type { Chargeback, TeamCharge } from './chargeback';
import { sum, ZERO, type Decimal } from '../records/money';

/**
 * Month close. A month's chargeback becomes `final` once nothing in it is an estimate and every source
 * has stopped re-pulling it; it is then stored once, with a content hash, and never rewritten. Spend
 * that arrives or changes later for a closed month is neither lost nor silently applied to it: it
 * appears on the next open month's statement as a prior-period adjustment per team (FOCUS
 * `ChargeClass = Correction`), naming the month it belongs to.
 */

/** One team's (or the unallocated bucket's) correction to a closed month. */
export interface Adjustment {
  /** Team id, or `__unallocated__`. */
  team: string;
  /** The closed month the correction belongs to. */
  forMonth: string;
  /** Positive: a late charge; negative: a late credit. Two places. */
  amount: string;
}

/** One file a month was closed with, as the closed statement records it: its name, type, size and hash. */
export interface ClosedFile {
  name: string;
  contentType: string;
  /** SHA-256 of the UTF-8 body, hex. */
  sha256: string;
  /** Size of the UTF-8 body. */
  bytes: number;
}

/** A closed month's statement as stored: immutable. */
export interface ClosedStatement {
  month: string;
  /** The final chargeback exactly as sent. */
  chargeback: Chargeback;
  /** Adjustments to earlier closed months that this statement carried. */
  adjustments: Adjustment[];
  /**
   * The files the month was closed with (statement.txt, .csv, .html, focus.csv), by hash: their bodies
   * are stored beside the statement and served as stored. Absent for months closed before files were kept.
   */
  files?: ClosedFile[];
  /** SHA-256 of the canonical JSON of `chargeback`, `adjustments` and (when present) `files`. */
  contentHash: string;
  closedAt: string;
}

/** SHA-256 of a file body as stored (UTF-8), hex. */
export function fileHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** What a closed statement records of a file: name, type, size and hash. */
export function closedFile(file: { name: string; body: string; contentType: string }): ClosedFile {
  return { name: file.name, contentType: file.contentType, sha256: fileHash(file.body), bytes: Buffer.byteLength(file.body, 'utf8') };
}

/**
 * The content hash a closed statement is stored with, and can be checked against. The files' hashes are
 * part of it when the statement has files (a statement closed before files were kept hashes as it did).
 */
export function statementHash(chargeback: Chargeback, adjustments: readonly Adjustment[], files?: readonly ClosedFile[]): string {
  return canonicalHash(files === undefined ? { chargeback, adjustments } : { chargeback, adjustments, files });
}

/** What each team (and unallocated) was charged in a chargeback. */
function chargedByTeam(cb: Chargeback): Map<string, Decimal> {
  const charged = new Map(cb.teams.map((t) => [t.team, new Big(t.total)]));
  charged.set(UNALLOCATED, new Big(cb.unallocated));
  return charged;
}

/**
 * The prior-period adjustments an open month carries: for each closed month, what each team is charged
 * now, recomputed from the records as they stand, less what its closed statement charged, less what
 * later closed statements already carried as adjustments to it. So a correction is applied once, on the
 * first open month after it arrives, and never again.
 * @param closed closed statements of earlier months, any order
 * @param recomputed the current chargebacks of those closed months, recomputed from today's records
 */
export function priorPeriodAdjustments(closed: readonly ClosedStatement[], recomputed: ReadonlyMap<string, Chargeback>): Adjustment[] {
  const carried = new Map<string, Decimal>(); // `${forMonth}|${team}` -> already adjusted
  for (const statement of closed) {
    for (const a of statement.adjustments) carried.set(`${a.forMonth}|${a.team}`, (carried.get(`${a.forMonth}|${a.team}`) ?? ZERO).plus(a.amount));
  }
  const adjustments: Adjustment[] = [];
  for (const statement of [...closed].sort((a, b) => (a.month < b.month ? -1 : 1))) {
    const now = recomputed.get(statement.month);
    if (!now) continue;
    const then = chargedByTeam(statement.chargeback);
    const current = chargedByTeam(now);
    for (const team of new Set([...then.keys(), ...current.keys()])) {
      const delta = (current.get(team) ?? ZERO).minus(then.get(team) ?? ZERO).minus(carried.get(`${statement.month}|${team}`) ?? ZERO);
      if (!delta.eq(0)) adjustments.push({ team, forMonth: statement.month, amount: delta.toFixed(2) });
    }
  }
  return adjustments;
}

/** Adds adjustments to a chargeback: per team, the unallocated bucket, and in total, beside the month's own figures. */
export function withAdjustments(cb: Chargeback, adjustments: readonly Adjustment[]): AdjustedChargeback {
  const of = (team: string) => adjustments.filter((a) => a.team === team);
  const teams = cb.teams.map((t) => {
    const own = of(t.team);
    const adjusted = sum(own.map((a) => new Big(a.amount)));
    return { ...t, adjustments: own, totalDue: new Big(t.total).plus(adjusted).toFixed(2) };
  });
  const all = sum(adjustments.map((a) => new Big(a.amount)));
  return {
    ...cb,
    teams,
    adjustments: [...adjustments],
    adjustmentsTotal: all.toFixed(2),
    unallocatedAdjustments: sum(of(UNALLOCATED).map((a) => new Big(a.amount))).toFixed(2),
    totalDue: new Big(cb.total).plus(all).toFixed(2),
  };
}

/** A team's charge with the corrections it carries: `totalDue` = `total` + its adjustments. */
export type AdjustedTeamCharge = TeamCharge & { adjustments: Adjustment[]; totalDue: string };

/** A chargeback with the prior-period adjustments its month carries. */
export type AdjustedChargeback = Omit<Chargeback, 'teams'> & AdjustedTotals & { teams: AdjustedTeamCharge[] };

/** The figures adjustments add to a chargeback. */
export interface AdjustedTotals {
  /** Every prior-period adjustment this month carries. */
  adjustments: Adjustment[];
  /** Their sum. */
  adjustmentsTotal: string;
  /** The part that belongs to the unallocated bucket. */
  unallocatedAdjustments: string;
  /** total + adjustmentsTotal: what the month's statement charges. */
  totalDue: string;
}
