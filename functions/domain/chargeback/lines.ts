import type { Decimal } from '../records/money';
import { formatCentUnits, formatRatio, SCALED_ZERO, splitScaledToCents, wholeCentsOf, type Scaled } from '../records/scaled';
import type { TokenType } from '../records/cost-record';
import { NO_TOKENS, totalTokens, type TokenCounts } from '../records/usage-record';
import type { ChargebackLine } from './chargeback';

/**
 * Accumulates one team's lines: exact cost by token type, tokens and requests. Costs are exact integers
 * ({@link Scaled}), not big decimals: a month has a line per team, provider, service and model.
 */
export interface LineAccumulator {
  provider: string;
  service: string;
  model: string | null;
  cost: Scaled;
  costByType: Map<TokenType | 'other', Scaled>;
  tokens: TokenCounts;
  requests: number;
  estimated: boolean;
}

/** A line's key within its team. */
export const lineKey = (provider: string, service: string, model: string | null) => JSON.stringify([provider, service, model]);

/** Cost per `per` of the quantity, to four places (as big.js: divided to 20 places, then rounded half up). */
function unitCost(cost: Scaled | undefined, quantity: number, per: number): string | null {
  return cost === undefined || quantity <= 0 ? null : formatRatio(cost, per, quantity, 4);
}

/** The lines of every team, created on first use. */
export class TeamLines {
  readonly byTeam = new Map<string, Map<string, LineAccumulator>>();
  /** The team's line for a provider, service and model. */
  lineOf(team: string, provider: string, service: string, model: string | null): LineAccumulator {
    const lines = this.byTeam.get(team) ?? new Map<string, LineAccumulator>();
    this.byTeam.set(team, lines);
    const key = lineKey(provider, service, model);
    let line = lines.get(key);
    if (!line) lines.set(key, (line = { provider, service, model, cost: SCALED_ZERO, costByType: new Map(), tokens: { ...NO_TOKENS }, requests: 0, estimated: false }));
    return line;
  }
  /** Every token of the team's lines. */
  tokensOf(team: string): number {
    return [...(this.byTeam.get(team)?.values() ?? [])].reduce((n, l) => n + totalTokens(l.tokens), 0);
  }
}

/** Rounds a team's lines from its rounded direct total by largest remainder, largest first, with unit costs. */
export function finishLines(lines: Map<string, LineAccumulator> | undefined, teamTotal: Decimal): ChargebackLine[] {
  const all = [...(lines?.values() ?? [])];
  const cents = splitScaledToCents(
    all.map((l) => l.cost),
    wholeCentsOf(teamTotal),
  );
  return all
    .map((l, i): ChargebackLine => {
      const tokens = { input: l.tokens.input, cachedInput: l.tokens.cachedInput, cacheWrite: l.tokens.cacheWrite5m + l.tokens.cacheWrite1h, output: l.tokens.output };
      const allTokens = totalTokens(tokens);
      return {
        provider: l.provider,
        service: l.service,
        model: l.model,
        cost: formatCentUnits(cents[i]!),
        tokens,
        requests: l.requests,
        unitCosts: {
          inputPerMillion: unitCost(l.costByType.get('input'), tokens.input, 1_000_000),
          outputPerMillion: unitCost(l.costByType.get('output'), tokens.output, 1_000_000),
          perMillionTokens: unitCost(l.cost, allTokens, 1_000_000),
          perThousandRequests: unitCost(l.cost, l.requests, 1000),
        },
        estimated: l.estimated,
      };
    })
    .sort((a, b) => Number(b.cost) - Number(a.cost) || a.service.localeCompare(b.service) || (a.model ?? '').localeCompare(b.model ?? ''));
}
