import type { LedgerLineItem } from '../sample/ledger';
import { validation } from './cost-explorer-errors';
import { isObject } from './loopback';

/*
 * A GetCostAndUsage request's fields, checked as Cost Explorer checks them (its ValidationException words where
 * known): the time period and granularity, the metrics, the GroupBy; and the dimensions this emulator can read.
 */

/** Cost metrics, summed from the line items' costs. */
export const COST_METRICS = ['UnblendedCost', 'AmortizedCost', 'NetUnblendedCost', 'NetAmortizedCost', 'BlendedCost'] as const;
export type CostMetricName = (typeof COST_METRICS)[number];
export const USAGE_QUANTITY = 'UsageQuantity';

/** DIMENSION keys this emulator can group and filter by, with the line-item field each one reads. */
export const DIMENSIONS: Record<string, (item: LedgerLineItem) => string> = {
  SERVICE: (item) => item.service,
  LINKED_ACCOUNT: (item) => item.account,
  USAGE_TYPE: (item) => item.usageType,
  REGION: (item) => item.region,
  RECORD_TYPE: (item) => item.recordType,
};

/** One `GroupBy` entry. */
export interface GroupDefinition {
  Type: 'DIMENSION' | 'TAG';
  Key: string;
}

/** One period of the answer, `[start, end)` as dates. */
export interface Period {
  start: string;
  end: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(value: unknown, field: string): string {
  if (typeof value !== 'string') throw validation(`${field} is required and must be a date YYYY-MM-DD`);
  const match = DATE.exec(value);
  if (!match) {
    // Cost Explorer also accepts THH:MM:SSZ, but only for HOURLY, which is not enabled here.
    throw validation(`${field} "${value}" must be a date YYYY-MM-DD`);
  }
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) throw validation(`${field} "${value}" is not a valid date`);
  return value;
}

/** The periods a TimePeriod and Granularity ask for (DAILY or MONTHLY). */
export function parsePeriods(timePeriod: unknown, granularity: unknown): Period[] {
  if (!isObject(timePeriod)) throw validation('TimePeriod is required');
  const start = parseDate(timePeriod.Start, 'TimePeriod.Start');
  const end = parseDate(timePeriod.End, 'TimePeriod.End');
  if (start >= end) throw validation(`Start date (${start}) should be before end date (${end})`);

  if (granularity === 'HOURLY') {
    throw validation('Hourly granularity is not enabled for this account (hourly data is an opt-in feature)');
  }
  const periods: Period[] = [];
  if (granularity === 'DAILY') {
    for (let day = start; day < end; day = addDays(day, 1)) periods.push({ start: day, end: addDays(day, 1) });
  } else if (granularity === 'MONTHLY') {
    // Calendar months, clipped to the requested window at both ends.
    for (let from = start; from < end; ) {
      const nextMonth = firstOfNextMonth(from);
      const to = nextMonth < end ? nextMonth : end;
      periods.push({ start: from, end: to });
      from = to;
    }
  } else {
    throw validation(`Granularity must be one of DAILY, MONTHLY, HOURLY; got ${JSON.stringify(granularity)}`);
  }
  return periods;
}

/** The metrics asked for, each once. */
export function parseMetrics(metrics: unknown): string[] {
  if (!Array.isArray(metrics) || metrics.length === 0) throw validation('Metrics is required and must list at least one metric');
  for (const metric of metrics) {
    if (metric === 'NormalizedUsageAmount') throw validation('The local Cost Explorer does not support the NormalizedUsageAmount metric');
    if (!(COST_METRICS as readonly unknown[]).includes(metric) && metric !== USAGE_QUANTITY) {
      throw validation(`Unsupported metric ${JSON.stringify(metric)}: valid metrics are ${[...COST_METRICS, USAGE_QUANTITY].join(', ')}`);
    }
  }
  return [...new Set(metrics as string[])];
}

/** The GroupBy asked for (at most two). */
export function parseGroupBy(groupBy: unknown): GroupDefinition[] {
  if (groupBy === undefined || groupBy === null) return [];
  if (!Array.isArray(groupBy)) throw validation('GroupBy must be a list');
  if (groupBy.length > 2) throw validation(`You can only group by up to two different groups; got ${groupBy.length}`);
  return groupBy.map((g, i) => {
    if (!isObject(g) || typeof g.Key !== 'string' || g.Key === '') throw validation(`GroupBy[${i}] needs a Type and a Key`);
    if (g.Type === 'TAG') return { Type: 'TAG', Key: g.Key };
    if (g.Type === 'DIMENSION') {
      if (!(g.Key in DIMENSIONS)) throw validation(`Group Definition dimension ${g.Key} is not supported by the local Cost Explorer (supported: ${Object.keys(DIMENSIONS).join(', ')})`);
      return { Type: 'DIMENSION', Key: g.Key };
    }
    if (g.Type === 'COST_CATEGORY') throw validation('The local Cost Explorer has no cost categories');
    throw validation(`GroupBy[${i}].Type must be DIMENSION, TAG or COST_CATEGORY; got ${JSON.stringify(g.Type)}`);
  });
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function firstOfNextMonth(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
}
