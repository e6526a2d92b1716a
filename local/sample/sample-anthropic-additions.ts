import Big from 'big.js';
import type { AnthropicCostRow, AnthropicUsageRow, ProviderLedger } from './provider-ledger';
import { ANTHROPIC_EXTRA_SLICES, ANTHROPIC_SLICES_AS_EXTRA, anthropicPerInputToken, tokenCostRows, webSearchCostRow, type AnthropicExtraSlice } from './sample-anthropic-workloads';
import { DIURNAL, historyCalendar, HISTORY_NOISE, hourlyInputLevel, LAST_BILLED_DAY, noiseOf, WEEK_AVERAGE, weekdayFactor } from './sample-provider-calendar';
import { mulberry32 } from './seeded-random';

// ---------------------------------------------------------------------------------------------------------------
// Anthropic additions: Priority Tier, long context, US-only inference, fast mode, and the history from 2025-11-01.
// Each draws from its own seeded stream, so the Anthropic rows above stay byte for byte as they were.
// ---------------------------------------------------------------------------------------------------------------

/** Seed of the Anthropic additions' September–October rows. */
const ANTHROPIC_EXTRA_SEED = 20261104;
/** Seed of the Anthropic history before September (rows and bill adjustments). */
const ANTHROPIC_HISTORY_SEED = 20251103;

/** One usage row of an extra slice carrying `input` input tokens of all kinds and `webSearchRequests` searches. */
function anthropicUsageRow(s: AnthropicExtraSlice, hour: string, input: number, webSearchRequests: number, noise: (spread: number) => number): AnthropicUsageRow {
  const uncachedInputTokens = Math.max(1, Math.round(input * s.mix.uncached));
  const cacheReadInputTokens = Math.round(input * s.mix.cacheRead);
  const cacheCreation5mTokens = Math.round(input * s.mix.cache5m);
  const cacheCreation1hTokens = Math.round(input * s.mix.cache1h);
  const allInput = uncachedInputTokens + cacheReadInputTokens + cacheCreation5mTokens + cacheCreation1hTokens;
  return {
    hour,
    workspaceId: s.workspaceId,
    apiKeyId: s.apiKeyId,
    model: s.model,
    serviceTier: s.serviceTier,
    contextWindow: s.contextWindow,
    inferenceGeo: s.inferenceGeo,
    ...(s.speed ? { speed: s.speed } : {}),
    uncachedInputTokens,
    cacheCreation5mTokens,
    cacheCreation1hTokens,
    cacheReadInputTokens,
    outputTokens: Math.round(input * s.outputRatio * noise(0.1)),
    webSearchRequests,
    ...(s.tokensPerRequest ? { requests: Math.max(1, Math.round(allInput / s.tokensPerRequest)) } : {}),
  };
}

/** Collects extra slices' usage per day and turns it into cost rows as the two cost endpoints read them. */
class AnthropicBill {
  /** `day|slice index` → [uncached, cache read, 5m write, 1h write, output, web searches]. */
  private readonly totals = new Map<string, { day: string; slice: AnthropicExtraSlice; n: number[] }>();

  constructor(private readonly slices: readonly AnthropicExtraSlice[]) {}

  add(day: string, sliceIndex: number, row: AnthropicUsageRow): void {
    const key = `${day}|${sliceIndex}`;
    const entry = this.totals.get(key) ?? { day, slice: this.slices[sliceIndex]!, n: [0, 0, 0, 0, 0, 0] };
    const n = entry.n;
    n[0]! += row.uncachedInputTokens;
    n[1]! += row.cacheReadInputTokens;
    n[2]! += row.cacheCreation5mTokens;
    n[3]! += row.cacheCreation1hTokens;
    n[4]! += row.outputTokens;
    n[5]! += row.webSearchRequests;
    this.totals.set(key, entry);
  }

  /**
   * The cost rows of every day accepted by `billed`, each line × its price × the day's adjustment factor, in cents.
   * Priority Tier gets none: it is billed apart and appears in neither cost endpoint.
   */
  close(billed: (day: string) => boolean, factorOf: (day: string) => Big): AnthropicCostRow[] {
    const rows: AnthropicCostRow[] = [];
    const searches = new Map<string, { day: string; workspaceId: string | null; apiKeyId: string | null; n: number }>();
    for (const { day, slice: s, n } of this.totals.values()) {
      if (!billed(day) || s.serviceTier === 'priority') continue;
      rows.push(...tokenCostRows(day, s, n, factorOf(day)));
      const key = JSON.stringify([day, s.workspaceId, s.apiKeyId]);
      const prior = searches.get(key) ?? { day, workspaceId: s.workspaceId, apiKeyId: s.apiKeyId, n: 0 };
      prior.n += n[5]!;
      searches.set(key, prior);
    }
    for (const { day, workspaceId, apiKeyId, n } of searches.values()) {
      if (n === 0) continue;
      rows.push(webSearchCostRow(day, workspaceId, apiKeyId, n, factorOf(day)));
    }
    return rows.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  }
}

/**
 * September–October rows of {@link ANTHROPIC_EXTRA_SLICES}: hourly usage on the daily curve, billed through
 * `lastBilledDay` with the day's Anthropic adjustment (`adjustmentBp[d]`, basis points) of the rows above.
 */
function anthropicExtras(days: readonly string[], adjustmentBp: readonly number[], lastBilledDay: string): ProviderLedger['anthropic'] {
  const noise = noiseOf(mulberry32(ANTHROPIC_EXTRA_SEED));
  const usage: AnthropicUsageRow[] = [];
  const bill = new AnthropicBill(ANTHROPIC_EXTRA_SLICES);
  const base = ANTHROPIC_EXTRA_SLICES.map((s) => hourlyInputLevel(s.monthlyUsd, anthropicPerInputToken(s)));
  days.forEach((day) => {
    for (let h = 0; h < 24; h += 1) {
      const hour = `${day}T${String(h).padStart(2, '0')}:00:00Z`;
      ANTHROPIC_EXTRA_SLICES.forEach((s, i) => {
        if (s.launched && day < s.launched) return;
        const row = anthropicUsageRow(s, hour, base[i]! * weekdayFactor(day) * DIURNAL[h]! * noise(0.15), 0, noise);
        usage.push(row);
        bill.add(day, i, row);
      });
    }
  });
  const costs = bill.close(
    (day) => day <= lastBilledDay,
    (day) => new Big(10_000 + adjustmentBp[days.indexOf(day)]!).div(10_000),
  );
  return { usage, costs };
}

/**
 * 2025-11-01 through 2026-08-31: every Anthropic workload running by then (the slices above and the additions; the
 * reranker, US-only Sonnet 4.6 and fast Opus 4.6 start later) at its usual level, a little lower each month back,
 * ±8 % a day, no prompt change. One usage row a day per slice, stamped 00:00 UTC and carrying the whole day (read
 * with 1-day buckets, as the ingest job and a backfill do). Every day is billed but Priority Tier's. The days before
 * 2026-01-01 are served by the legacy reports only (the analytics API has nothing before it).
 */
function anthropicHistory(firstDetailedDay: string): ProviderLedger['anthropic'] {
  const { days, factorOf, noise, shrinkOf } = historyCalendar(ANTHROPIC_HISTORY_SEED, firstDetailedDay);
  const slices = [...ANTHROPIC_SLICES_AS_EXTRA, ...ANTHROPIC_EXTRA_SLICES];
  const base = slices.map((s) => hourlyInputLevel(s.monthlyUsd, anthropicPerInputToken(s)));
  const usage: AnthropicUsageRow[] = [];
  const bill = new AnthropicBill(slices);
  for (const day of days) {
    const level = shrinkOf(day) * weekdayFactor(day);
    slices.forEach((s, i) => {
      if (s.launched && day < s.launched) return;
      const searches = s.webSearchesPerMonth ? Math.round((s.webSearchesPerMonth / (30 * WEEK_AVERAGE)) * level * noise(HISTORY_NOISE)) : 0;
      const row = anthropicUsageRow(s, `${day}T00:00:00Z`, base[i]! * 24 * level * noise(HISTORY_NOISE), searches, noise);
      usage.push(row);
      bill.add(day, i, row);
    });
  }
  return { usage, costs: bill.close(() => true, factorOf) };
}

/** The Anthropic books: the history, the detailed months' rows, and the additions' rows. */
export function withAnthropicAdditions(detailed: ProviderLedger['anthropic'], days: readonly string[], adjustmentBp: readonly number[]): ProviderLedger['anthropic'] {
  const history = anthropicHistory(days[0]!);
  const extras = anthropicExtras(days, adjustmentBp, LAST_BILLED_DAY);
  return { usage: [...history.usage, ...detailed.usage, ...extras.usage], costs: [...history.costs, ...detailed.costs, ...extras.costs] };
}
