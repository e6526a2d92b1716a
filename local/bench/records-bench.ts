/**
 * `npm run bench -- --records N`: allocate + chargeback alone, on N synthetic cost records in memory (no
 * store, no network), to time the pure hot path at billing-export scale.
 */
import { parseConfig, type CostlineConfig } from '../../functions/config/config-schema';
import { allocationPolicyOf, chargebackPolicyOf } from '../../functions/config/policies';
import { allocate } from '../../functions/domain/allocation/allocate';
import { chargeMonth } from '../../functions/domain/chargeback/charge-month';
import type { CostRecord, Provider, TokenType } from '../../functions/domain/records/cost-record';
import type { UsageRecord } from '../../functions/domain/records/usage-record';

/** What one timing gives. */
export interface RecordsBench {
  records: number;
  /** Wall time of allocate + chargeback. */
  ms: number;
  recordsPerSecond: number;
  /** CPU time of this process over the same span (user and system): the figure to read on a busy machine. */
  cpuMs: number;
  /** The median wall time of {@link REPEATS} more runs on the same records: compiled code, caches warm, no garbage of the generator left. */
  medianMs: number;
  runs: number;
}

/** Runs after the first, for the steady figure. */
const REPEATS = 5;

const MONTH = '2026-10';
const DAYS = 30;
const TEAMS = 200;
const ACCOUNTS = 60;
const AWS_SERVICES = 150;
const POOLED = ['AWS Support (Business)', 'Amazon VPC'];
const OPENAI_MODELS = ['gpt-4o-2024-08-06', 'gpt-4o-mini-2024-07-18', 'o4-mini-2025-04-16', 'text-embedding-3-small'];
const ANTHROPIC_MODELS = ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001', 'claude-opus-4-6'];

/** A small deterministic generator (an LCG), so every run generates the same records. */
function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const team = (k: number) => `team-${String(k).padStart(3, '0')}`;
const account = (k: number) => String(100000000000 + k * 7919);

/**
 * The synthetic organisation's config: 200 teams (some with an alias), an account rule per tenth team,
 * each team's OpenAI project and Anthropic workspace by rule, two shared pools (even and proportional).
 */
export function syntheticRecordsConfig(): CostlineConfig {
  const teams = Array.from({ length: TEAMS }, (_, k) => ({ id: team(k), name: `Team ${k}`, ...(k % 7 === 0 ? { aliases: [`T${k}`] } : {}), ...(k % 3 === 0 ? { monthlyBudget: 10000 + k } : {}) }));
  const rules = [
    ...Array.from({ length: ACCOUNTS / 10 }, (_, k) => ({ match: { provider: 'aws', account: account(k * 10) }, team: team(k * 17) })),
    { match: { service: POOLED[0] }, pool: 'support-plan' },
    { match: { service: POOLED[1] }, pool: 'platform' },
    ...Array.from({ length: TEAMS }, (_, k) => ({ match: { provider: 'openai', project: `proj_${k}` }, team: team(k) })),
    ...Array.from({ length: TEAMS }, (_, k) => ({ match: { provider: 'anthropic', workspace: `wrkspc_${k}` }, team: team(k) })),
  ];
  return parseConfig(
    {
      currency: 'USD',
      teams,
      allocation: { awsTagKey: 'team', rules, sharedPools: [{ id: 'support-plan', method: 'even' }, { id: 'platform', method: 'proportional' }] },
      finance: { emails: ['finance@example.com'] },
      sources: { aws: { enabled: true, costMetric: 'AmortizedCost', billingAccountId: '999988887777' }, openai: { enabled: true, organizationId: 'org-bench' }, anthropic: { enabled: true, organizationId: 'bench' } },
    },
    'synthetic records config',
  );
}

/** An amount with up to ten decimals, as Cost Explorer writes them; about one in fifty a credit. */
function amount(random: () => number): string {
  const value = (random() * 40).toFixed(1 + Math.floor(random() * 10));
  return random() < 0.02 ? `-${value}` : value;
}

/** One slice's identity: a day of it is one record. */
interface Template {
  provider: Provider;
  source: string;
  providerName: string;
  subAccountId: string | null;
  serviceName: string;
  usageType: string | null;
  model: string | null;
  apiKeyId: string | null;
  tokenType: TokenType | null;
  tags: Record<string, string>;
}

function template(random: () => number): Template {
  const p = random();
  if (p < 0.7) {
    const pooled = random() < 0.03;
    const tag = random();
    const k = Math.floor(random() * TEAMS);
    // Most AWS spend is tagged; some is untagged, some carries a tag naming no team, some an alias.
    const tags: Record<string, string> = tag < 0.8 ? { team: k % 7 === 0 && tag < 0.1 ? `T${k}` : team(k) } : tag < 0.85 ? { team: `ghost-${k}` } : {};
    if (random() < 0.3) tags.env = random() < 0.5 ? 'prod' : 'dev';
    return {
      provider: 'aws',
      source: 'aws-cost-explorer',
      providerName: 'AWS',
      subAccountId: account(Math.floor(random() * ACCOUNTS)),
      serviceName: pooled ? POOLED[Math.floor(random() * POOLED.length)]! : `AWS Service ${Math.floor(random() * AWS_SERVICES)}`,
      usageType: `USE1-Usage-${Math.floor(random() * 40)}`,
      model: null,
      apiKeyId: null,
      tokenType: null,
      tags,
    };
  }
  const openai = p < 0.85;
  const models = openai ? OPENAI_MODELS : ANTHROPIC_MODELS;
  const model = models[Math.floor(random() * models.length)]!;
  const tokenType = (['input', 'cachedInput', 'output'] as const)[Math.floor(random() * 3)]!;
  // One project or workspace in forty is mapped by no rule (shadow AI).
  const k = random() < 0.025 ? TEAMS + Math.floor(random() * 10) : Math.floor(random() * TEAMS);
  return {
    provider: openai ? 'openai' : 'anthropic',
    source: openai ? 'openai-costs' : 'anthropic-costs',
    providerName: openai ? 'OpenAI' : 'Anthropic',
    subAccountId: openai ? `proj_${k}` : k === 0 ? null : `wrkspc_${k}`,
    serviceName: openai ? 'OpenAI API' : 'Claude API',
    usageType: `${model}, ${tokenType}`,
    model,
    apiKeyId: random() < 0.5 ? `key_${k}_${Math.floor(random() * 3)}` : null,
    tokenType,
    tags: {},
  };
}

/**
 * `n` synthetic cost records of one month (identities spread over 30 days, so each slice appears once a
 * day, as Cost Explorer's daily rows do), plus one usage record per twenty, as a store returns them:
 * through JSON, so no two records share a string.
 */
export function syntheticRecords(n: number, seed = 1): { records: CostRecord[]; usage: UsageRecord[] } {
  const random = seeded(seed);
  const identities = Math.max(1, Math.ceil(n / DAYS));
  const templates = Array.from({ length: identities }, () => template(random));
  const records: CostRecord[] = [];
  const usage: UsageRecord[] = [];
  const CHUNK = 20_000;
  for (let start = 0; start < n; start += CHUNK) {
    const chunk: CostRecord[] = [];
    const usageChunk: UsageRecord[] = [];
    for (let i = start; i < Math.min(n, start + CHUNK); i++) {
      const t = templates[i % identities]!;
      const day = `${MONTH}-${String(1 + Math.floor(i / identities)).padStart(2, '0')}`;
      const cost = amount(random);
      chunk.push({
        id: `${String(i).padStart(12, '0')}${'0'.repeat(20)}`,
        source: t.source,
        provider: t.provider,
        providerName: t.providerName,
        billingAccountId: '999988887777',
        subAccountId: t.subAccountId,
        subAccountName: null,
        serviceName: t.serviceName,
        serviceCategory: 'Other',
        usageType: t.usageType,
        model: t.model,
        apiKeyId: t.apiKeyId,
        tokenType: t.tokenType,
        costOrigin: 'billed',
        chargePeriodStart: day,
        chargePeriodEnd: day,
        billedCost: cost,
        effectiveCost: cost,
        billingCurrency: 'USD',
        consumedQuantity: null,
        consumedUnit: null,
        tags: t.tags,
        estimated: random() < 0.01,
      });
      if (i % 20 === 0 && t.model !== null) {
        usageChunk.push({
          id: `u${i}`,
          source: `${t.source}-usage`,
          provider: t.provider,
          billingAccountId: '999988887777',
          subAccountId: t.subAccountId,
          apiKeyId: t.apiKeyId,
          serviceName: t.serviceName,
          model: t.model,
          usageType: t.provider === 'openai' ? 'completions' : 'messages',
          serviceTier: 'standard',
          chargePeriodStart: day,
          chargePeriodEnd: day,
          tokens: { input: Math.floor(random() * 1e6), cachedInput: Math.floor(random() * 1e5), cacheWrite5m: 0, cacheWrite1h: 0, output: Math.floor(random() * 2e5) },
          requests: Math.floor(random() * 1000),
          webSearchRequests: 0,
          tags: {},
        });
      }
    }
    records.push(...(JSON.parse(JSON.stringify(chunk)) as CostRecord[]));
    usage.push(...(JSON.parse(JSON.stringify(usageChunk)) as UsageRecord[]));
  }
  return { records, usage };
}

/**
 * Times allocate + chargeback alone on `n` synthetic records (and their usage), after a warm-up run on
 * a tenth of them so the timing is of compiled code. Generating the records is not timed. The first run on the
 * records is what a statement run does once; the median of five more is the steady rate, without the first run's
 * collection of what generating the records left behind.
 */
export function benchAllocateAndCharge(n: number): RecordsBench {
  const config = syntheticRecordsConfig();
  const allocation = allocationPolicyOf(config);
  const chargeback = chargebackPolicyOf(config);
  const run = (month: { records: CostRecord[]; usage: UsageRecord[] }) => chargeMonth(allocate({ month: MONTH, billed: month.records, usage: month.usage }, allocation), chargeback, '2026-10-20');
  run(syntheticRecords(Math.max(1, Math.floor(n / 10)), 2));
  const month = syntheticRecords(n);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = run(month);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (result.recordCount !== n) throw new Error(`charged ${result.recordCount} records of ${n}`);
  const repeated = Array.from({ length: REPEATS }, () => {
    const again = performance.now();
    run(month);
    return performance.now() - again;
  }).sort((a, b) => a - b);
  const medianMs = repeated[Math.floor(REPEATS / 2)]!;
  return { records: n, ms, recordsPerSecond: n / (ms / 1000), cpuMs: (used.user + used.system) / 1000, medianMs, runs: REPEATS };
}
