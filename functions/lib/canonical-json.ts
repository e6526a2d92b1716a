import { createHash } from 'node:crypto';

/**
 * JSON with every object's keys sorted, so equal content gives equal text whatever order its keys were set in.
 * Values pass through their `toJSON` first (a `Big` becomes its string), and `undefined` members are left out,
 * as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * SHA-256 of {@link canonicalJson}: a hash of content alone. Stored hashes (closed statements, record versions)
 * were made by it, so its text must never change.
 */
export function canonicalHash(value: unknown, encoding: 'hex' | 'base64url' = 'hex'): string {
  return createHash('sha256').update(canonicalJson(value)).digest(encoding);
}
