import Big from 'big.js';
import { ZERO } from '../records/money';
import type { Chargeback } from './chargeback';

/**
 * Adds each team's change from the previous month (null percent when it had nothing then). Compares
 * team totals as charged, so a closed previous month is compared as finance received it.
 */
export function withMonthOverMonth<C extends Chargeback>(cb: C, previous: Chargeback | undefined): C {
  if (!previous) return cb;
  const before = new Map(previous.teams.map((t) => [t.team, new Big(t.total)]));
  const teams = Object.fromEntries(
    cb.teams.map((t) => {
      const was = before.get(t.team) ?? ZERO;
      const change = new Big(t.total).minus(was);
      return [t.team, { previous: was.toFixed(2), change: change.toFixed(2), changePercent: was.eq(0) ? null : Number(change.div(was).times(100).round(1)) }];
    }),
  );
  return { ...cb, monthOverMonth: { previousMonth: previous.month, previousTotal: previous.total, teams } };
}
