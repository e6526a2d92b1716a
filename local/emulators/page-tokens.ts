import { sha256 } from './loopback';

/*
 * Page tokens of the local APIs: opaque to clients, stateless here. A token is a prefix and the base64url of a small
 * JSON object (where the next page starts, and a hash of the query it belongs to), so the same query always yields
 * the same tokens (reproducible local runs) and a token replayed on another query can be refused.
 */

/** The first 16 hex digits of a query's fingerprint, as a token carries them under `h`. */
export const tokenHash = (fingerprint: string): string => fingerprint.slice(0, 16);

/** `prefix` + base64url of the JSON of `body` (its keys in their order). */
export function packToken(prefix: string, body: Record<string, unknown>): string {
  return `${prefix}${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
}

/** The JSON object a token packs, or undefined when it is not a string with that prefix holding one. */
export function unpackToken(prefix: string, token: unknown): Record<string, unknown> | undefined {
  if (typeof token !== 'string' || !token.startsWith(prefix)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token.slice(prefix.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/** `page_` tokens of the provider admin APIs: `{ <field>: next, h: <hash of the query> }`. */
export const pageToken = (field: string, next: unknown, fingerprint: string): string => packToken('page_', { [field]: next, h: tokenHash(fingerprint) });

/** The body of a `page_` token issued for this query, or `bad()` thrown: not a token, or one of another query. */
export function readPageToken(token: string, fingerprint: string, bad: () => Error): Record<string, unknown> {
  const body = unpackToken('page_', token);
  if (!body || body.h !== tokenHash(fingerprint)) throw bad();
  return body;
}

/** Hash of everything that defines a query's answer: what its page tokens are bound to. */
export const fingerprintOf = (parts: unknown[]): string => sha256(JSON.stringify(parts));

/** Filters in a canonical order (names sorted, values sorted), for a fingerprint. */
export const sortedFilters = (filters: Map<string, Set<string>>): [string, string[]][] =>
  [...filters.entries()].map(([k, v]): [string, string[]] => [k, [...v].sort()]).sort();
