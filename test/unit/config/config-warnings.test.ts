import { describe, expect, it } from 'vitest';
import { configWarnings } from '../../../functions/config/config-warnings';
import { parseConfig } from '../../../functions/config/parse-config';
import { valid } from './raw-config';

describe('config warnings', () => {
  it('warns about rules that can never match what Cost Explorer reports', () => {
    const raw = valid();
    raw.allocation.rules.push({ match: { provider: 'aws', usageType: 'USE1-BoxUsage' } as never, team: 'search' }, { match: { tag: { key: 'app', value: 'web' } } as never, team: 'search' });
    expect(configWarnings(parseConfig(raw))).toEqual([
      'allocation.rules[1].match.usageType: AWS records carry no usage type (Cost Explorer is queried by tag and service), so this rule never matches AWS spend',
      'allocation.rules[2].match.tag: only the "team" tag (allocation.awsTagKey) is read from Cost Explorer, so a rule on tag "app" never matches',
    ]);
    expect(configWarnings(parseConfig(valid()))).toEqual([]);
    const mixed = valid();
    mixed.allocation.rules = [{ match: { provider: 'openai', workspace: 'wrkspc_x' }, team: 'search' }] as never;
    expect(configWarnings(parseConfig(mixed))).toEqual(['allocation.rules[0].match: its fields belong to different providers (openai, anthropic), so it can never match']);
  });

  it('warns about a rule an earlier one shadows, and only when it surely does', () => {
    const raw = valid();
    raw.allocation.rules = [
      { match: { provider: 'openai', project: 'proj_x' }, team: 'payments' },
      { match: { project: 'proj_x', apiKey: 'key_1' }, team: 'search' },
      { match: { model: 'gpt-4o*' }, team: 'growth' },
      { match: { provider: 'openai', model: 'gpt-4o-mini' }, team: 'search' },
      { match: { model: 'claude-*' }, team: 'search' },
      { match: { provider: 'openai', project: 'proj_y' }, team: 'search' },
    ] as never;
    expect(configWarnings(parseConfig(raw)).filter((w) => w.includes('can never match'))).toEqual([
      'allocation.rules[1]: can never match, because allocation.rules[0] matches everything it would (first match wins)',
      'allocation.rules[3]: can never match, because allocation.rules[2] matches everything it would (first match wins)',
    ]);
  });
});
