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
