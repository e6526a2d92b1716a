import { describe, expect, it } from 'vitest';
import { guardrailsPolicyOf } from '../../../../functions/config/policies';
import { isSilenced } from '../../../../functions/domain/guardrails/silences';
import { testConfig } from '../../../support/config';

describe('silences', () => {
  it('silences a scope and its narrower scopes through the until day, for one kind or all', () => {
    const policy = guardrailsPolicyOf(testConfig({ alerts: { silences: [{ scope: 'team:search', kind: 'anomaly', until: '2026-10-20' }] } }));
    expect(isSilenced({ scope: 'team:search/model:gpt-4o', kind: 'anomaly' }, policy, '2026-10-20')).toBe(true);
    expect(isSilenced({ scope: 'team:search', kind: 'anomaly' }, policy, '2026-10-21')).toBe(false);
    expect(isSilenced({ scope: 'team:search', kind: 'threshold' }, policy, '2026-10-10')).toBe(false);
    expect(isSilenced({ scope: 'team:searchers', kind: 'anomaly' }, policy, '2026-10-10')).toBe(false);
  });

  it('lets a silence on a model pattern or a provider cover the alerts inside it', () => {
    const policy = guardrailsPolicyOf(
      testConfig({
        alerts: {
          silences: [
            { scope: 'team:search/model:gpt-4o*', until: '2026-10-20' },
            { scope: 'team:payments/provider:openai', kind: 'anomaly', until: '2026-10-20' },
          ],
        },
      }),
    );
    expect(isSilenced({ scope: 'team:search/model:gpt-4o-2024-08-06', kind: 'unit-cost' }, policy, '2026-10-10')).toBe(true);
    expect(isSilenced({ scope: 'team:search/model:o3-pro', kind: 'anomaly' }, policy, '2026-10-10')).toBe(false);
    expect(isSilenced({ scope: 'team:payments/model:gpt-4o', kind: 'anomaly', attributes: { provider: 'openai', model: 'gpt-4o' } }, policy, '2026-10-10')).toBe(true);
    expect(isSilenced({ scope: 'team:payments/model:claude-haiku-4-5', kind: 'anomaly', attributes: { provider: 'anthropic', model: 'claude-haiku-4-5' } }, policy, '2026-10-10')).toBe(false);
  });
});
