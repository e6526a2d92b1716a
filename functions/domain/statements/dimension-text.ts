import Big from 'big.js';
import type { Chargeback, DimensionBreakdown, DimensionValueTotal } from '../chargeback/chargeback';
import { sum } from '../records/money';
import { compact, formatAmount, tokenSummary } from './format';

/** Values of a dimension the text statements show before one line summing the rest (dimensions.csv has them all). */
export const TEXT_DIMENSION_VALUES = 10;

/** Where a dimension's values come from, as a reader needs it. */
function sourceOf(d: DimensionBreakdown): string {
  return d.tagKey === null ? 'rules' : `tag ${d.tagKey}, else rules`;
}

function valueLine(v: DimensionValueTotal, indent: string): string {
  const tokens = tokenSummary(v.tokens);
  const requests = v.requests ? `, ${compact(v.requests)} requests` : '';
  const units = [v.perMillionTokens && `$${v.perMillionTokens}/M tokens`, v.perThousandRequests && `$${v.perThousandRequests}/1k req`].filter(Boolean).join(', ');
  return `${indent}${formatAmount(v.cost).padStart(12)}  ${v.value}${tokens ? `  (${tokens}${requests})` : ''}${units ? `  ${units} of model spend` : ''}`;
}

/** The largest values, `(none)` kept last, then one line for the rest. */
function valueLines(values: readonly DimensionValueTotal[], indent: string): string[] {
  if (values.length <= TEXT_DIMENSION_VALUES) return values.map((v) => valueLine(v, indent));
  const shown = values.slice(0, TEXT_DIMENSION_VALUES);
  const hidden = values.slice(TEXT_DIMENSION_VALUES);
  const restTotal = sum(hidden.map((v) => new Big(v.cost))).toFixed(2);
  return [...shown.map((v) => valueLine(v, indent)), `${indent}... and ${hidden.length} more values, ${formatAmount(restTotal)} in total (every value is in dimensions.csv)`];
}

/**
 * The finance statement's section per dimension: the month's total by value (record by record, before
 * shared pools are split), with tokens and unit costs where usage is attributed. Empty without dimensions.
 */
export function dimensionTextSections(cb: Chargeback): string[] {
  return (cb.dimensions ?? []).flatMap((d) => [
    '',
    `By ${d.dimension} (${sourceOf(d)}; the month's ${formatAmount(d.total)} by record, before shared pools are split):`,
    ...(d.note !== undefined ? [`  Note: ${d.note}.`] : []),
    ...valueLines(d.values, '  '),
  ]);
}

/** A team statement's section per dimension: the team's direct spend by value. Empty without dimensions. */
export function teamDimensionTextSections(cb: Chargeback, team: string): string[] {
  return (cb.dimensions ?? []).flatMap((d) => {
    const t = d.teams.find((x) => x.team === team);
    return t ? ['', `Direct spend by ${d.dimension} (${sourceOf(d)}):`, ...valueLines(t.values, '  ')] : [];
  });
}
