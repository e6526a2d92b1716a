/*
 * What the sample books' histories share (the bill's and both providers'): where they start, and how much smaller
 * each month back is than September 2026, the first detailed month.
 */

/** The first day of every sample history. */
export const HISTORY_FIRST_DAY = '2025-11-01';

/** Spend shrinks going back in time: each month before September 2026 is this fraction of the month after. */
export const MONTHLY_GROWTH_BACK = '0.96';

/** Months from a day's month to September 2026: 1 for August 2026, 10 for November 2025. */
export const monthsBeforeSeptember = (day: string): number => (2026 - Number(day.slice(0, 4))) * 12 + (9 - Number(day.slice(5, 7)));
