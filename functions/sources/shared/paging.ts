import { z } from 'zod';
import { daysOf, type DayWindow } from '../../domain/records/dates';
import type { SourceDay } from '../../ports/ports';
import type { CallContext, ProviderHttp, Query } from '../../lib/http/provider-http';
import { describeIssues } from '../../lib/zod-issues';

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

/** Validates every page against the endpoint's schema; the error names the page and the field. */
export function parsePages<T extends z.ZodType>(pages: readonly unknown[], schema: T, where: string): Array<z.output<T>> {
  return pages.map((raw, i) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new MalformedProviderPageError(`${where}, page ${i + 1}: ${describeIssues(parsed.error.issues).join('; ')}`);
    return parsed.data;
  });
}

/**
 * The days to replace: every day of the window must have come back (a day missing from the answer must
 * not be replaced by nothing), except days from today on, which have not fully happened.
 */
export function completeDays<R extends { chargePeriodStart: string }>(records: Iterable<R>, seen: Set<string>, ctx: { window: DayWindow; today: string }, where: string): SourceDay<R>[] {
  const byDay = new Map<string, R[]>();
  for (const r of records) {
    const day = byDay.get(r.chargePeriodStart);
    if (day) day.push(r);
    else byDay.set(r.chargePeriodStart, [r]);
  }
  const days = daysOf(ctx.window);
  const missing = days.filter((d) => !seen.has(d) && d < ctx.today);
  if (missing.length > 0) throw new MalformedProviderPageError(`${where} for ${ctx.window.start}..${ctx.window.end} (end exclusive) returned no bucket for ${missing.join(', ')}`);
  return days.filter((d) => seen.has(d)).map((d) => ({ day: d, records: byDay.get(d) ?? [], estimated: false }));
}
