import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/config/config-schema';

describe('guardrail config', () => {
  it('rejects a budget for an unknown team, a malformed model pattern and a silence of an unknown team, naming each field', () => {
    const raw = (alerts: Record<string, unknown>) => ({ currency: 'USD', teams: [{ id: 'search', name: 'Search' }], alerts });
    expect(() => parseConfig(raw({ budgets: [{ team: 'serch', model: 'gpt-4o*', monthly: 800 }] }))).toThrow('alerts.budgets[0].team: unknown team "serch"');
    expect(() => parseConfig(raw({ budgets: [{ team: 'search', model: 'gpt 4o(*', monthly: 800 }] }))).toThrow(/alerts\.budgets\[0\]\.model: expected a model id or pattern/);
    expect(() => parseConfig(raw({ budgets: [{ team: 'search', monthly: 800 }] }))).toThrow(/alerts\.budgets\[0\]: expected "provider" or "model"/);
    expect(() => parseConfig(raw({ silences: [{ scope: 'team:nope', until: '2026-11-01' }] }))).toThrow('alerts.silences[0].scope: unknown team "nope"');
    expect(() => parseConfig(raw({ silences: [{ scope: 'search', until: '2026-11-01' }] }))).toThrow(/alerts\.silences\[0\]\.scope: expected a scope/);
    expect(parseConfig(raw({ budgets: [{ team: 'search', provider: 'openai', model: 'gpt-4o*', monthly: 800 }] })).alerts.budgets).toHaveLength(1);
  });
});
