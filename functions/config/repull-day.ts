import type { CostlineConfig } from './costline-config';

/**
 * The last day of a month on which any enabled source still re-pulls the previous month: that month
 * can be final the day after, and the monthly statement goes out then.
 */
export function lastRepullDay(config: CostlineConfig): number {
  const days = (['aws', 'openai', 'anthropic'] as const).filter((p) => config.sources[p].enabled).map((p) => config.sources[p].previousMonthUntilDay);
  return Math.max(1, ...days);
}
