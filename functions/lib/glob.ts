import { remember } from './remember';

/**
 * Model patterns (`gpt-4o*`, `claude-*-4-*`): `*` matches any run of characters, everything else itself, and the
 * pattern covers the whole string. Allocation rules, budget scopes, watched models and silences match models so,
 * and the config's linter reasons about them the same way.
 */
export function globMatches(pattern: string, value: string | null): boolean {
  if (value === null) return false;
  if (!pattern.includes('*')) return pattern === value;
  return regexOf(pattern).test(value);
}

/** Compiled patterns: budget scopes and watched models match every slice of a month against a handful. */
const compiled = new Map<string, RegExp>();

function regexOf(pattern: string): RegExp {
  // Patterns come from the config: a few dozen. The bound only keeps a long-lived process safe.
  return remember(compiled, pattern, (p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`), 1000);
}
