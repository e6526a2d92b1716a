import { globMatches } from '../allocation/allocation';
import type { GuardrailAlert } from './alert';
import type { GuardrailsPolicy } from './policy';

/** Whether a silence of the policy covers this alert on `day`: same scope or a narrower one, same kind or any. */
export function isSilenced(alert: Pick<GuardrailAlert, 'scope' | 'kind'> & { attributes?: Record<string, string> }, policy: Pick<GuardrailsPolicy, 'silences'>, day: string): boolean {
  const parts = scopeParts(alert.scope);
  const provider = alert.attributes?.provider ?? parts.provider;
  const model = alert.attributes?.model ?? parts.model;
  return policy.silences.some((s) => {
    if (day > s.until || (s.kind !== undefined && s.kind !== alert.kind)) return false;
    if (alert.scope === s.scope) return true;
    const silenced = scopeParts(s.scope);
    if (silenced.team === undefined || silenced.team !== parts.team) return false;
    // A narrower silence covers an alert when the alert is inside it: its provider, and a model its pattern matches.
    return (silenced.provider === undefined || silenced.provider === provider) && (silenced.model === undefined || (model !== undefined && (silenced.model === model || globMatches(silenced.model, model))));
  });
}

/** `team:search/provider:openai/model:gpt-4o*` → its parts. */
function scopeParts(scope: string): { team?: string; provider?: string; model?: string } {
  const out: { team?: string; provider?: string; model?: string } = {};
  for (const part of scope.split('/')) {
    const [key, ...rest] = part.split(':');
    const value = rest.join(':');
    if (key === 'team' || key === 'provider' || key === 'model') out[key] = value;
  }
  return out;
}
