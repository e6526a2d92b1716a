import { expect } from 'vitest';

/** What the OpenAI and Anthropic emulator tests share: a reply read as JSON, paging to the end, pages compared. */

export interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON pages are inspected field by field
}

/** A fetched response as a {@link Reply}: its body parsed as JSON, or left as text when it is not JSON. */
export async function replyOf(response: Response): Promise<Reply> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Leave malformed bodies as text for the test to look at.
  }
  return { status: response.status, headers: response.headers, body };
}

/** Follows `next_page` to the end with `get` and returns every page (asserting each is a 200). */
export async function followPages(get: (path: string) => Promise<Reply>, path: string): Promise<any[]> {
  const pages: any[] = [];
  let token: string | null = null;
  do {
    const reply = await get(token === null ? path : `${path}&page=${encodeURIComponent(token)}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    pages.push(reply.body);
    token = reply.body.has_more ? reply.body.next_page : null;
  } while (token !== null);
  return pages;
}

/**
 * A page in comparable form: each value `amount` recognises (by its key) replaced by its exact form, and a
 * `next_page` token by a marker (its presence matters, its value is opaque).
 */
export function comparableWith(amount: (key: string | undefined, value: unknown) => unknown | undefined): (page: unknown) => unknown {
  const walk = (value: unknown, key?: string): unknown => {
    const exact = amount(key, value);
    if (exact !== undefined) return exact;
    if (key === 'next_page') return typeof value === 'string' && value.length > 0 ? '<token>' : value;
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  return walk;
}
