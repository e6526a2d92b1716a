// Built once: a formatter costs far more to build than to use, and a statement of 20,000 teams formats 150,000 amounts.
const moneyFormats = new Map<string, Intl.NumberFormat>();
const amountFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Formats a decimal money string for people: `"3450.1"` → `"$3,450.10"`. Exact: Intl formats strings as decimals. */
export function formatMoney(amount: string, currency = 'USD'): string {
  let format = moneyFormats.get(currency);
  if (!format) moneyFormats.set(currency, (format = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 })));
  return format.format(amount as unknown as number);
}

/** `"3450.1"` → `"3,450.10"`, for tables. */
export function formatAmount(amount: string): string {
  return amountFormat.format(amount as unknown as number);
}

/** 1234567 → "1.23M", for token counts in a table. */
export function compact(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

/** "in 1.20M, cached 300.0k, out 45.0k": the token types a line used. */
export function tokenSummary(t: { input: number; cachedInput: number; cacheWrite: number; output: number }): string {
  return [t.input && `in ${compact(t.input)}`, t.cachedInput && `cached ${compact(t.cachedInput)}`, t.cacheWrite && `cache-write ${compact(t.cacheWrite)}`, t.output && `out ${compact(t.output)}`]
    .filter(Boolean)
    .join(', ');
}

/** Text made safe inside HTML elements and attribute values. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
