import Big from 'big.js';
import { divide } from '../records/division';
import { splitToCents, ZERO, type Decimal } from '../records/money';
import type { TokenType } from '../records/cost-record';
import { NO_TOKENS, totalTokens, type TokenCounts } from '../records/usage-record';
import type { ChargebackLine } from './chargeback';

/** Accumulates one team's lines: exact cost by token type, tokens and requests. */
export interface LineAccumulator {
  provider: string;
  service: string;
  model: string | null;
  cost: Decimal;
  costByType: Map<TokenType | 'other', Decimal>;
  tokens: TokenCounts;
  requests: number;
  estimated: boolean;
}

/** A line's key within its team. */
export const lineKey = (provider: string, service: string, model: string | null) => JSON.stringify([provider, service, model]);

function unitCost(cost: Decimal | undefined, quantity: number, per: number): string | null {
  return cost === undefined || quantity <= 0 ? null : divide(cost.times(per), new Big(quantity)).round(4, Big.roundHalfUp).toFixed(4);
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
    if (!line) lines.set(key, (line = { provider, service, model, cost: ZERO, costByType: new Map(), tokens: { ...NO_TOKENS }, requests: 0, estimated: false }));
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
  const cents = splitToCents(
    all.map((l) => l.cost),
    teamTotal,
  );
  return all
    .map((l, i): ChargebackLine => {
      const tokens = { input: l.tokens.input, cachedInput: l.tokens.cachedInput, cacheWrite: l.tokens.cacheWrite5m + l.tokens.cacheWrite1h, output: l.tokens.output };
      const allTokens = totalTokens(tokens);
      return {
        provider: l.provider,
        service: l.service,
        model: l.model,
        cost: cents[i]!.toFixed(2),
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
