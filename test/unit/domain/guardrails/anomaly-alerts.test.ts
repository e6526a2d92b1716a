import { describe, expect, it } from 'vitest';
import { guardrailsPolicyOf } from '../../../../functions/config/policies';
import { allocateWith, buildChargeback } from '../../../support/chargeback';
import { evaluateGuardrails } from '../../../../functions/domain/guardrails/guardrails';
import { testConfig } from '../../../support/config';
import { awsRecord, dailyRecords } from '../../../support/records';

describe('anomaly alerts', () => {
  it('rates a jump from a usual $0 day critical only past twice the minimum impact', () => {
    const config = testConfig();
    const severityFor = (amount: string) => {
      const rows = [...dailyRecords('payments', '2026-09-15', 30, '0'), awsRecord({ tags: { team: 'payments' }, chargePeriodStart: '2026-10-15', cost: amount })];
      const chargeback = buildChargeback(rows.filter((r) => r.chargePeriodStart >= '2026-10-01'), config, '2026-10', '2026-10-16');
      return evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-16T06:00:00Z'), policy: guardrailsPolicyOf(config), chargeback, allocated: [allocateWith(rows, config)] }).find((a) => a.kind === 'anomaly')?.attributes.severity;
    };
    expect(severityFor('60')).toBe('warning');
    expect(severityFor('120')).toBe('critical');
    expect(severityFor('40')).toBeUndefined();
  });
});
