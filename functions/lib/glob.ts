/**
 * Model patterns (`gpt-4o*`, `claude-*-4-*`): `*` matches any run of characters, everything else itself, and the
 * pattern covers the whole string. Allocation rules, budget scopes, watched models and silences match models so,
 * and the config's linter reasons about them the same way.
 */
export function globMatches(pattern: string, value: string | null): boolean {
  if (value === null) return false;
  if (!pattern.includes('*')) return pattern === value;
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}
