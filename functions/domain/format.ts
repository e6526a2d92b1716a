/** Formats a decimal money string for people: `"3450.1"` → `"$3,450.10"`. Exact: Intl formats strings as decimals. */
export function formatMoney(amount: string, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
    amount as unknown as number,
  );
}

/** `"3450.1"` → `"3,450.10"`, for tables. */
export function formatAmount(amount: string): string {
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount as unknown as number);
}
