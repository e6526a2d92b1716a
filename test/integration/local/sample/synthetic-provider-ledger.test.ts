import { describe, expect, it } from 'vitest';
import { syntheticProviderLedger } from '../../../../local/sample/synthetic-provider-ledger';

describe('synthetic provider books', () => {
  it('defaults to 100 teams × 30 days from 2026-10-01, one project and one workspace per team, hourly usage', () => {
    const { ledger, projects, workspaces } = syntheticProviderLedger();

    expect(Object.keys(projects)).toHaveLength(100);
    expect(projects.proj_t000).toBe('t000');
    expect(workspaces.wrkspc_t099).toBe('t099');
    expect(new Set(Object.values(projects))).toEqual(new Set(Object.values(workspaces)));
    expect(ledger.openai.usage).toHaveLength(100 * 30 * 24);
    expect(ledger.anthropic.usage).toHaveLength(100 * 30 * 24);
    const hours = [...new Set(ledger.openai.usage.map((u) => u.hour))].sort();
    expect([hours[0], hours.at(-1), hours.length]).toEqual(['2026-10-01T00:00:00Z', '2026-10-30T23:00:00Z', 720]);
    expect(new Set(ledger.openai.usage.map((u) => u.projectId))).toEqual(new Set(Object.keys(projects)));
    expect(new Set(ledger.anthropic.usage.map((u) => u.workspaceId))).toEqual(new Set(Object.keys(workspaces)));
  });

  it('bills every team every day but the last, with decimal amounts', () => {
    const { ledger } = syntheticProviderLedger({ teams: 5, days: 4, startDate: '2026-11-28' });

    const days = [...new Set([...ledger.openai.costs, ...ledger.anthropic.costs].map((c) => c.day))].sort();
    expect(days).toEqual(['2026-11-28', '2026-11-29', '2026-11-30']);
    for (const day of days) {
      expect(new Set(ledger.openai.costs.filter((c) => c.day === day).map((c) => c.projectId)).size).toBe(5);
      expect(new Set(ledger.anthropic.costs.filter((c) => c.day === day).map((c) => c.workspaceId)).size).toBe(5);
    }
    for (const c of ledger.openai.costs) expect(c.amountUsd).toMatch(/^\d+(\.\d+)?$/);
    for (const c of ledger.anthropic.costs) expect(c.amountCents).toMatch(/^\d+(\.\d+)?$/);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = syntheticProviderLedger({ teams: 3, days: 2, seed: 7 });
    const b = syntheticProviderLedger({ teams: 3, days: 2, seed: 7 });
    const c = syntheticProviderLedger({ teams: 3, days: 2, seed: 8 });

    expect(a).toEqual(b);
    expect(c.ledger).not.toEqual(a.ledger);
  });

  it('rejects nonsense options with a RangeError', () => {
    expect(() => syntheticProviderLedger({ teams: 0 })).toThrow(RangeError);
    expect(() => syntheticProviderLedger({ days: 1.5 })).toThrow(RangeError);
    expect(() => syntheticProviderLedger({ startDate: '2026-02-30' })).toThrow(RangeError);
  });
});
