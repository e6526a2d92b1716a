import { describe, expect, it } from 'vitest';
import { oneBillPerDay } from '../../../../functions/domain/records/one-bill-per-day';
import { awsRecord } from '../../../support/records';

const EXPORTS = 'aws-data-exports';
const CE = 'aws-cost-explorer';
const day = (source: string, date: string, cost: string, extra = {}) => awsRecord({ source, chargePeriodStart: date, cost, ...extra });

describe('oneBillPerDay', () => {
  it('counts, on a day both AWS sources have, only the first source in the order, and names what it left out', () => {
    // Prepare: Cost Explorer's days from before a switch to the export, the export's days after it, and a day both have.
    const records = [day(CE, '2026-10-01', '10'), day(CE, '2026-10-02', '11'), day(CE, '2026-10-02', '1', { serviceName: 'Amazon S3' }), day(EXPORTS, '2026-10-02', '12'), day(EXPORTS, '2026-10-03', '13')];

    // Act
    const { records: counted, superseded } = oneBillPerDay(records, [EXPORTS, CE]);

    // Assess
    expect(counted.map((r) => `${r.source} ${r.chargePeriodStart} ${r.billedCost}`)).toEqual([`${CE} 2026-10-01 10`, `${EXPORTS} 2026-10-02 12`, `${EXPORTS} 2026-10-03 13`]);
    expect(superseded).toEqual([{ source: CE, days: ['2026-10-02'], records: 2 }]);
  });

  it('follows the order given: switched back to Cost Explorer, its records win the days both have', () => {
    const records = [day(CE, '2026-10-02', '11'), day(EXPORTS, '2026-10-02', '12'), day(EXPORTS, '2026-10-03', '13')];
    const { records: counted, superseded } = oneBillPerDay(records, [CE, EXPORTS]);
    expect(counted.map((r) => `${r.source} ${r.chargePeriodStart}`)).toEqual([`${CE} 2026-10-02`, `${EXPORTS} 2026-10-03`]);
    expect(superseded).toEqual([{ source: EXPORTS, days: ['2026-10-02'], records: 1 }]);
  });

  it('always counts sources outside the order, and returns the input itself when nothing is left out', () => {
    const openai = awsRecord({ source: 'openai-costs', provider: 'openai', chargePeriodStart: '2026-10-02' });
    const records = [day(EXPORTS, '2026-10-02', '12'), openai, day(CE, '2026-10-01', '3')];
    const result = oneBillPerDay(records, [EXPORTS, CE]);
    expect(result.records).toBe(records);
    expect(result.superseded).toEqual([]);
    expect(oneBillPerDay([openai], [EXPORTS, CE]).records).toEqual([openai]);
  });
});
