import Big from 'big.js';
import type { OpenAiCostRow, OpenAiUnitUsageRow, OpenAiUsageRow, ProviderLedger } from './provider-ledger';
import { DIURNAL, historyCalendar, HISTORY_NOISE, hourlyInputLevel, LAST_BILLED_DAY, noiseOf, WEEK_AVERAGE, weekdayFactor } from './sample-provider-calendar';
import { OPENAI_EXTRA_SLICES, OPENAI_PRICES, OPENAI_SLICES, OPENAI_TOOL_SLICES, perInputToken, type OpenAiExtraSlice, type OpenAiToolSlice } from './sample-openai-workloads';
import { mulberry32 } from './seeded-random';

// ---------------------------------------------------------------------------------------------------------------
// OpenAI additions: a fine-tune, evals, file and web search, service tiers, and the history from 2025-11-01.
// Each draws from its own seeded stream, so the rows above (one shared stream) stay byte for byte as they were.
// ---------------------------------------------------------------------------------------------------------------

/** Seed of the additions' September–October rows. */
const OPENAI_EXTRA_SEED = 20261103;
/** Seed of the OpenAI history before September (rows and bill adjustments). */
const OPENAI_HISTORY_SEED = 20251102;

/** Collects a slice's billed token counts per day and turns them into `/costs` rows. */
class OpenAiBill {
  private readonly tokens = new Map<string, number>();
  readonly rows: OpenAiCostRow[] = [];

  add(day: string, s: OpenAiExtraSlice, uncached: number, cached: number, output: number): void {
    for (const [kind, n] of [
      ['input', uncached],
      ['cached input', cached],
      ['output', output],
    ] as const) {
      const key = JSON.stringify([day, s.projectId, s.apiKeyId, s.surface ?? null, s.billedAs, kind]);
      this.tokens.set(key, (this.tokens.get(key) ?? 0) + n);
    }
  }

  /** The rows of every day accepted by `billed`, each line × its price × the day's adjustment factor. */
  close(billed: (day: string) => boolean, factorOf: (day: string) => Big, priceOf: (key: { projectId: string; apiKeyId: string; billedAs: string; surface: string | null }, kind: string) => string | undefined): void {
    for (const [key, tokens] of this.tokens) {
      const [day, projectId, apiKeyId, surface, billedAs, kind] = JSON.parse(key) as [string, string, string, string | null, string, string];
      const price = priceOf({ projectId, apiKeyId, billedAs, surface }, kind);
      if (!billed(day) || tokens === 0 || price === undefined) continue;
      this.rows.push({
        day,
        projectId,
        apiKeyId,
        lineItem: `${surface ? `${surface} | ` : ''}${billedAs}, ${kind}`,
        amountUsd: new Big(tokens).times(price).div(1_000_000).times(factorOf(day)).round(10).toFixed(),
        quantity: tokens,
        quantityUnit: 'tokens',
      });
    }
  }
}

/** An extra slice's price of one line kind (`input`, `cached input`, `output`). */
function extraPrice(s: OpenAiExtraSlice, kind: string): string | undefined {
  return kind === 'input' ? s.prices.input : kind === 'cached input' ? s.prices.cached : s.prices.output;
}

/**
 * September–October rows of the additions: hourly usage of {@link OPENAI_EXTRA_SLICES} and {@link OPENAI_TOOL_SLICES},
 * billed through `lastBilledDay` with the day's OpenAI adjustment (`adjustmentBp[d]`, basis points) of the rows above.
 */
function openAiExtras(days: readonly string[], adjustmentBp: readonly number[], lastBilledDay: string): Required<ProviderLedger['openai']> {
  const noise = noiseOf(mulberry32(OPENAI_EXTRA_SEED));
  const usage: OpenAiUsageRow[] = [];
  const unitUsage: OpenAiUnitUsageRow[] = [];
  const bill = new OpenAiBill();
  const calls = new Map<string, number>();
  const base = OPENAI_EXTRA_SLICES.map((s) => hourlyInputLevel(s.monthlyUsd, perInputToken(s.prices, s.cachedShare, s.outputRatio)));

  days.forEach((day) => {
    for (let h = 0; h < 24; h += 1) {
      const hour = `${day}T${String(h).padStart(2, '0')}:00:00Z`;
      OPENAI_EXTRA_SLICES.forEach((s, i) => {
        const shape = s.hours ? (h >= s.hours[0] && h < s.hours[1] ? 24 / (s.hours[1] - s.hours[0]) : 0) : DIURNAL[h]!;
        if (shape === 0) return;
        const row = extraUsageRow(s, hour, base[i]! * weekdayFactor(day) * shape * noise(0.15), noise);
        usage.push(row);
        bill.add(day, s, row.inputTokens - row.inputCachedTokens, row.inputCachedTokens, row.outputTokens);
      });
      for (const t of OPENAI_TOOL_SLICES) {
        const quantity = Math.round((t.callsPerMonth / (30 * 24 * WEEK_AVERAGE)) * weekdayFactor(day) * DIURNAL[h]! * noise(0.3));
        if (quantity === 0) continue;
        unitUsage.push(toolUsageRow(t, hour, quantity));
        calls.set(`${day}|${t.lineItem}`, (calls.get(`${day}|${t.lineItem}`) ?? 0) + quantity);
      }
    }
  });

  const factorOf = (day: string) => new Big(10_000 + adjustmentBp[days.indexOf(day)]!).div(10_000);
  const billed = (day: string) => day <= lastBilledDay;
  bill.close(billed, factorOf, (key, kind) => extraPrice(OPENAI_EXTRA_SLICES.find((s) => s.projectId === key.projectId && s.apiKeyId === key.apiKeyId && s.billedAs === key.billedAs)!, kind));
  const costs = [...bill.rows, ...toolBill(days.filter(billed), calls, factorOf)];
  return { usage, costs, unitUsage };
}

/** One usage row of an extra slice carrying `input` input tokens. */
function extraUsageRow(s: OpenAiExtraSlice, hour: string, input: number, noise: (spread: number) => number): OpenAiUsageRow {
  const inputTokens = Math.max(1, Math.round(input));
  const inputCachedTokens = Math.min(inputTokens, Math.round(inputTokens * s.cachedShare * noise(0.1)));
  return {
    hour,
    endpoint: s.endpoint ?? 'completions',
    projectId: s.projectId,
    apiKeyId: s.apiKeyId,
    userId: null,
    model: s.model,
    batch: false,
    ...(s.serviceTier ? { serviceTier: s.serviceTier } : {}),
    inputTokens,
    inputCachedTokens,
    outputTokens: Math.round(inputTokens * s.outputRatio * noise(0.1)),
    numModelRequests: Math.max(1, Math.round(inputTokens / s.tokensPerRequest)),
  };
}

function toolUsageRow(t: OpenAiToolSlice, hour: string, quantity: number): OpenAiUnitUsageRow {
  return { hour, endpoint: t.endpoint, projectId: t.projectId, apiKeyId: t.apiKeyId, userId: null, model: t.model, quantity, numModelRequests: Math.round(quantity * t.modelRequestsPerCall) };
}

/** The tool lines of the bill: one row a day per project and line item, quantity not reported (as in the fixtures). */
function toolBill(days: readonly string[], calls: Map<string, number>, factorOf: (day: string) => Big): OpenAiCostRow[] {
  const rows: OpenAiCostRow[] = [];
  for (const day of days) {
    for (const t of OPENAI_TOOL_SLICES) {
      const n = calls.get(`${day}|${t.lineItem}`) ?? 0;
      if (n === 0) continue;
      rows.push({
        day,
        projectId: t.projectId,
        apiKeyId: t.apiKeyId,
        lineItem: t.lineItem,
        amountUsd: new Big(n).times(t.perThousand).div(1000).times(factorOf(day)).round(10).toFixed(),
        quantity: null,
        quantityUnit: null,
      });
    }
  }
  return rows;
}

/**
 * 2025-11-01 through 2026-08-31: every OpenAI workload (the slices above and the additions) at its usual level, a
 * little lower each month back, ±8 % a day, no spike. To keep a year cheap, each slice has **one usage row a day**,
 * stamped at 00:00 UTC and carrying the whole day (read with 1-day buckets, as the ingest job and a backfill do; an
 * hourly read would see the day in its first hour). Every day is billed.
 */
function openAiHistory(firstDetailedDay: string): Required<ProviderLedger['openai']> {
  const { days, factorOf, noise, shrinkOf } = historyCalendar(OPENAI_HISTORY_SEED, firstDetailedDay);
  const usage: OpenAiUsageRow[] = [];
  const unitUsage: OpenAiUnitUsageRow[] = [];
  const costs: OpenAiCostRow[] = [];
  const calls = new Map<string, number>();
  // The slices above, as extra slices billed at their list prices under their own line items.
  const slices: OpenAiExtraSlice[] = [
    ...OPENAI_SLICES.map((s): OpenAiExtraSlice => ({ ...s, billedAs: s.model, prices: OPENAI_PRICES[s.model]! })),
    ...OPENAI_EXTRA_SLICES,
  ];
  const bill = new OpenAiBill();

  for (const day of days) {
    const level = shrinkOf(day) * weekdayFactor(day) * 24;
    const hour = `${day}T00:00:00Z`;
    for (const s of slices) {
      const row = extraUsageRow(s, hour, hourlyInputLevel(s.monthlyUsd, perInputToken(s.prices, s.cachedShare, s.outputRatio)) * level * noise(HISTORY_NOISE), noise);
      usage.push(row);
      bill.add(day, s, row.inputTokens - row.inputCachedTokens, row.inputCachedTokens, row.outputTokens);
    }
    for (const t of OPENAI_TOOL_SLICES) {
      const quantity = Math.round((t.callsPerMonth / (30 * WEEK_AVERAGE)) * shrinkOf(day) * weekdayFactor(day) * noise(HISTORY_NOISE));
      if (quantity === 0) continue;
      unitUsage.push(toolUsageRow(t, hour, quantity));
      calls.set(`${day}|${t.lineItem}`, quantity);
    }
  }
  bill.close(
    () => true,
    factorOf,
    (key, kind) => extraPrice(slices.find((s) => s.projectId === key.projectId && s.apiKeyId === key.apiKeyId && s.billedAs === key.billedAs && (s.surface ?? null) === key.surface)!, kind),
  );
  costs.push(...bill.rows, ...toolBill(days, calls, factorOf));
  return { usage, costs, unitUsage };
}

/** The OpenAI books: the history, the detailed months' rows, and the additions' rows. */
export function withOpenAiAdditions(detailed: { usage: OpenAiUsageRow[]; costs: OpenAiCostRow[] }, days: readonly string[], adjustmentBp: readonly number[]): Required<ProviderLedger['openai']> {
  const history = openAiHistory(days[0]!);
  const extras = openAiExtras(days, adjustmentBp, LAST_BILLED_DAY);
  return {
    usage: [...history.usage, ...detailed.usage, ...extras.usage],
    costs: [...history.costs, ...detailed.costs, ...extras.costs],
    unitUsage: [...history.unitUsage, ...extras.unitUsage],
  };
}
