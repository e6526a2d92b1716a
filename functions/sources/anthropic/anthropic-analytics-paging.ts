import type { CallContext, ProviderHttp, Query } from '../../lib/http/provider-http';
import { MalformedProviderPageError } from '../shared/paging';

/** No window needs this many pages; an API that keeps handing out cursors is broken, not busy. */
const MAX_PAGES = 1000;

/**
 * The names the next-page cursor may arrive under. The analytics API's own names are not documented
 * (billing-apis-2026 §A1.5, §A1.8): `next_page` is what its Enterprise predecessors and the legacy reports
 * send; `next_cursor` is the name the SDK's `ReportPageCursor` type suggests. Either is passed back as `page`.
 */
const CURSOR_FIELDS = ['next_page', 'next_cursor'] as const;

/**
 * Reads one analytics page's paging fields, tolerant of the undocumented names: `has_more` when present
 * must be a boolean; a cursor under {@link CURSOR_FIELDS} must be a string or null. `has_more: false` ends
 * the paging whatever the cursor says; a missing `has_more` with a cursor means more, without one (or null)
 * the last page. `has_more: true` without a cursor is a broken page.
 * @returns the cursor for the next page, or null on the last page
 */
export function nextCursorOf(body: unknown, where: string): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new MalformedProviderPageError(`${where}: expected a JSON object`);
  const page = body as Record<string, unknown>;
  const hasMore = page.has_more;
  if (hasMore !== undefined && typeof hasMore !== 'boolean') throw new MalformedProviderPageError(`${where}: has_more: expected true or false, got ${JSON.stringify(hasMore)}`);
  const cursors = new Set<string>();
  for (const field of CURSOR_FIELDS) {
    const value = page[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new MalformedProviderPageError(`${where}: ${field}: expected a cursor string or null, got ${JSON.stringify(value)}`);
    if (value !== '') cursors.add(value);
  }
  if (cursors.size > 1) throw new MalformedProviderPageError(`${where}: ${CURSOR_FIELDS.join(' and ')} disagree; cannot tell which cursor to follow`);
  if (hasMore === false) return null;
  const [cursor] = cursors;
  if (hasMore === true && cursor === undefined) throw new MalformedProviderPageError(`${where}: has_more is true but there is no ${CURSOR_FIELDS.join(' or ')}`);
  return cursor ?? null;
}

/**
 * Fetches every page of an analytics endpoint (`/v1/organizations/analytics/usage` or `/cost`), passing
 * each cursor back as `page` with the query otherwise unchanged (cursors are bound to the query). Returns
 * the raw pages for a pure mapper.
 */
export async function fetchAnalyticsPages(http: ProviderHttp, path: string, query: Query, where: string, context: CallContext): Promise<unknown[]> {
  const pages: unknown[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  do {
    const body = await http.getJson(path, cursor === null ? query : [...query, ['page', cursor]], context);
    pages.push(body);
    cursor = nextCursorOf(body, `${where}, page ${pages.length}`);
    if (cursor !== null && seen.has(cursor)) throw new MalformedProviderPageError(`${where}, page ${pages.length}: the cursor repeats an earlier page's; stopping`);
    if (cursor !== null) seen.add(cursor);
    if (cursor !== null && pages.length >= MAX_PAGES) throw new MalformedProviderPageError(`${where}: more than ${MAX_PAGES} pages; stopping`);
  } while (cursor !== null);
  return pages;
}
