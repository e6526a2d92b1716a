import type { AnthropicApi } from '../../config/config-schema';
import { addDays, toDay, type DayWindow } from '../../domain/records/dates';

/** The analytics API has no data before this day (billing-apis-2026 §A1.3, §A1.6). */
export const ANALYTICS_FIRST_DAY = '2026-01-01';
/** `starting_at` must be within this many days of now (§A1.3). */
export const ANALYTICS_DAYS_BACK = 365;
/** The longest window one analytics request asks for (the default window, and the Enterprise predecessors' cap). */
export const ANALYTICS_MAX_WINDOW_DAYS = 31;

/** Which days of a window each API serves: legacy first, analytics after; either may be null. */
export interface AnthropicWindowPlan {
  legacy: DayWindow | null;
  analytics: DayWindow | null;
}

/**
 * The first day the analytics API serves at `now`: 2026-01-01, or the first whole UTC day whose midnight
 * is within the last 365 days, whichever is later.
 */
export function firstAnalyticsDay(now: Date): string {
  const limit = now.getTime() - ANALYTICS_DAYS_BACK * 86_400_000;
  const day = toDay(new Date(limit));
  const withinLimit = Date.parse(`${day}T00:00:00Z`) >= limit ? day : addDays(day, 1);
  return withinLimit > ANALYTICS_FIRST_DAY ? withinLimit : ANALYTICS_FIRST_DAY;
}

/**
 * Splits a window between the two APIs. `legacy` reads it all from the legacy reports; `auto` and
 * `analytics` read the days the analytics API serves from it and the older days from the legacy
 * reports (which is the only place they are). Pure: the time comes from the caller.
 */
export function planAnthropicWindow(window: DayWindow, now: Date, api: AnthropicApi): AnthropicWindowPlan {
  if (api === 'legacy') return { legacy: window, analytics: null };
  const first = firstAnalyticsDay(now);
  const split = first < window.start ? window.start : first > window.end ? window.end : first;
  return {
    legacy: split > window.start ? { start: window.start, end: split } : null,
    analytics: split < window.end ? { start: split, end: window.end } : null,
  };
}

/** Cuts a window into consecutive windows of at most `maxDays` days. */
export function chunkWindow(window: DayWindow, maxDays = ANALYTICS_MAX_WINDOW_DAYS): DayWindow[] {
  const chunks: DayWindow[] = [];
  for (let start = window.start; start < window.end; start = addDays(start, maxDays)) {
    const end = addDays(start, maxDays);
    chunks.push({ start, end: end < window.end ? end : window.end });
  }
  return chunks;
}

/**
 * What the Anthropic sources of one job learned about the analytics API during a run, shared between the
 * cost and the usage source (created once per job in compose): after one of them is refused, the other
 * goes straight to the legacy reports, and the operator is told once. A run is identified by its `now`,
 * so a warm Lambda's next run asks the analytics API again.
 */
export class AnalyticsAccess {
  private refusal: { runAt: number; reason: string } | undefined;

  /** Why the analytics API refused the key in the run at `now`, if it did. */
  refusedIn(now: Date): string | undefined {
    return this.refusal?.runAt === now.getTime() ? this.refusal.reason : undefined;
  }

  /** Records a refusal; true when it is news for this run (the caller writes the one note). */
  refuse(now: Date, reason: string): boolean {
    const isNew = this.refusedIn(now) === undefined;
    this.refusal = { runAt: now.getTime(), reason };
    return isNew;
  }
}
