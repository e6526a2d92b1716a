import { z } from 'zod';
import type { CallContext, ProviderHttp, Query } from '../../shared/http/provider-http';

/** Thrown when a provider page is not what its API documents; names provider, endpoint, page and field. */
export class MalformedProviderPageError extends Error {
  override readonly name = 'MalformedProviderPageError';
}

const envelope = z.object({ has_more: z.boolean({ error: 'expected true or false' }), next_page: z.string().nullable().optional() });

/** No month needs this many pages; a provider that keeps saying `has_more` is broken, not busy. */
const MAX_PAGES = 1000;

/**
 * Fetches every page of an OpenAI or Anthropic admin endpoint: both say `has_more` and hand back
 * `next_page` to pass as `page`. Returns the raw pages for a pure mapper to validate and map.
 */
export async function fetchAllPages(http: ProviderHttp, path: string, query: Query, where: string, context: CallContext): Promise<unknown[]> {
  const pages: unknown[] = [];
  let page: string | null | undefined;
  do {
    const body = await http.getJson(path, page ? [...query, ['page', page]] : query, context);
    const parsed = envelope.safeParse(body);
    if (!parsed.success) throw new MalformedProviderPageError(`${where}, page ${pages.length + 1}: has_more: expected true or false`);
    pages.push(body);
    page = parsed.data.has_more ? parsed.data.next_page : null;
    if (parsed.data.has_more && !page) throw new MalformedProviderPageError(`${where}, page ${pages.length}: has_more is true but next_page is missing`);
    if (pages.length >= MAX_PAGES && page) throw new MalformedProviderPageError(`${where}: more than ${MAX_PAGES} pages; stopping`);
  } while (page);
  return pages;
}
