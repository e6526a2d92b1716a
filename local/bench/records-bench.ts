/**
 * The bench's "records" job: allocate + chargeback alone, in memory, on n synthetic cost records of one
 * month (no database, no HTTP), so the hot path of the money is timed apart from the I/O around it.
 */
import { parseConfig, type CostlineConfig } from '../../functions/config/config-schema';
import { chargeMonth } from '../../functions/domain/chargeback/chargeback';
import type { CostRecord, TokenType } from '../../functions/domain/records/cost-record';
import { serviceCategoryOf } from '../../functions/domain/records/cost-record';
import { addDays } from '../../functions/domain/records/dates';
import { mulberry32 } from '../sample/seeded-random';

const MONTH = '2026-10';
const DAYS = 31;
/** The day the chargeback is computed on: after the month closed. */
const AS_OF = '2026-11-10';
const TEAMS = 200;
const ACCOUNTS = 80;
const SERVICES = ['Amazon Elastic Compute Cloud - Compute', 'Amazon Simple Storage Service', 'Amazon DynamoDB', 'AWS Lambda', 'Amazon Relational Database Service', 'Amazon Bedrock', 'Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'Amazon OpenSearch Service', 'Amazon CloudFront', 'AmazonCloudWatch', 'Amazon Simple Queue Service', 'Amazon ElastiCache', 'EC2 - Other', 'Amazon Virtual Private Cloud', 'Amazon SageMaker', 'AWS Support (Business)'];
const OPENAI_MODELS = ['gpt-4o-2024-08-06', 'gpt-4o-mini-2024-07-18', 'gpt-4.1-2025-04-14', 'o3-2025-04-16', 'text-embedding-3-small'];
const ANTHROPIC_MODELS = ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001', 'claude-opus-4-1-20250805'];
const TOKEN_TYPES: TokenType[] = ['input', 'cachedInput', 'cacheWrite', 'output'];

/** One line of a bill that recurs every day of the month, with its own cost. */
type Workload = Pick<CostRecord, 'provider' | 'source' | 'providerName' | 'subAccountId' | 'serviceName' | 'serviceCategory' | 'usageType' | 'model' | 'apiKeyId' | 'tokenType' | 'tags'> & {
  /** Typical daily cost, integer micro-dollars. */
  dailyMicros: number;
  /** Amortized = billed × this, in percent. */
  amortizedPercent: number;
};

const pad = (n: number, width = 3) => String(n).padStart(width, '0');
const teamId = (t: number) => `t${pad(t)}`;
const account = (a: number) => String(200000000000 + a * 1010101);

/** Integer micro-dollars as an exact decimal string. */
function micros(value: number): string {
  return `${Math.floor(value / 1e6)}.${String(value % 1e6).padStart(6, '0')}`;
}

/**
 * The records bench's configuration: 200 teams with aliases, tag key `team`, a rule per OpenAI project
 * and Anthropic workspace, rules for the first accounts' untagged spend, and the support plan in an
 * even shared pool.
 */
export function recordsBenchConfig(): CostlineConfig {
  const teams = Array.from({ length: TEAMS }, (_, t) => ({ id: teamId(t), name: `Team ${pad(t)}`, aliases: [`team-${pad(t)}`], monthlyBudget: 10_000, leadEmails: [`${teamId(t)}@example.com`] }));
  const rules = [
    { match: { provider: 'aws', service: 'AWS Support (Business)' }, pool: 'support-plan' },
    ...Array.from({ length: 10 }, (_, a) => ({ match: { provider: 'aws', account: account(a) }, team: teamId(a) })),
    ...teams.map((team, t) => ({ match: { provider: 'openai', project: `proj_${pad(t)}` }, team: team.id })),
    ...teams.map((team, t) => ({ match: { provider: 'anthropic', workspace: `wrkspc_${pad(t)}` }, team: team.id })),
  ];
  return parseConfig(
    {
      currency: 'USD',
      teams,
      allocation: { awsTagKey: 'team', rules, sharedPools: [{ id: 'support-plan', method: 'even' }] },
      alerts: { thresholds: [50, 80, 100] },
      finance: { emails: ['finance@example.com'] },
      operations: { emails: ['cloud-team@example.com'] },
      sources: { aws: { enabled: true, costMetric: 'AmortizedCost' }, openai: { enabled: true, organizationId: 'org-bench' }, anthropic: { enabled: true, organizationId: 'bench' } },
    },
    'records bench config',
  );
}

/**
 * The workloads behind `count` daily records: 70 % AWS (tagged with a team id, an alias, an upper-case id,
 * or untagged; about one in fifty the support plan), 20 % OpenAI cost lines per project, model and token
 * type (a few projects no rule maps), 10 % Anthropic per workspace (some the default workspace) and API key.
 */
function workloads(count: number, random: () => number): Workload[] {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(list: readonly T[]) => list[int(0, list.length - 1)]!;
  const out: Workload[] = [];
  for (let w = 0; w < count; w += 1) {
    const t = int(0, TEAMS - 1);
    const dailyMicros = Math.round(20_000 * Math.exp(random() * Math.log(2_000))); // $0.02 to $40, log-uniform
    const roll = random();
    const tokenType = pick(TOKEN_TYPES);
    if (roll < 0.7) {
      const serviceName = random() < 0.02 ? 'AWS Support (Business)' : pick(SERVICES);
      const tagRoll = random();
      const tag = tagRoll < 0.12 ? undefined : tagRoll < 0.25 ? `team-${pad(t)}` : tagRoll < 0.3 ? teamId(t).toUpperCase() : teamId(t);
      out.push({
        provider: 'aws', source: 'aws-cost-explorer', providerName: 'AWS', subAccountId: account(int(0, ACCOUNTS - 1)), serviceName, serviceCategory: serviceCategoryOf(serviceName),
        usageType: `USE1-${serviceName.replace(/[^A-Za-z0-9]+/g, '')}-Usage-${int(0, 9)}`, model: null, apiKeyId: null, tokenType: null,
        tags: tag === undefined ? {} : { team: tag }, dailyMicros, amortizedPercent: /Compute|SageMaker/.test(serviceName) ? 72 : 100,
      });
    } else if (roll < 0.9) {
      const model = pick(OPENAI_MODELS);
      out.push({
        provider: 'openai', source: 'openai-costs', providerName: 'OpenAI', subAccountId: `proj_${pad(random() < 0.03 ? TEAMS + t : t)}`, serviceName: 'OpenAI API', serviceCategory: 'AI and Machine Learning',
        usageType: `${model}, ${tokenType}`, model, apiKeyId: null, tokenType, tags: {}, dailyMicros, amortizedPercent: 100,
      });
    } else {
      const model = pick(ANTHROPIC_MODELS);
      out.push({
        provider: 'anthropic', source: 'anthropic-costs', providerName: 'Anthropic', subAccountId: random() < 0.05 ? null : `wrkspc_${pad(t)}`, serviceName: 'Claude API', serviceCategory: 'AI and Machine Learning',
        usageType: 'messages', model, apiKeyId: `apikey_${pad(t)}_${int(0, 3)}`, tokenType, tags: {}, dailyMicros, amortizedPercent: 100,
      });
    }
  }
  return out;
}

/**
 * `n` deterministic cost records of 2026-10: workloads that recur every day (one record per workload and
 * day) with ±20 % daily noise, in the order a month is read back (by day).
 */
export function syntheticRecords(n: number, seed = 1): CostRecord[] {
  const random = mulberry32(seed);
  const all = workloads(Math.ceil(n / DAYS), random);
  const records: CostRecord[] = [];
  for (let d = 0; records.length < n; d += 1) {
    const day = addDays(`${MONTH}-01`, d);
    const next = addDays(day, 1);
    for (let w = 0; w < all.length && records.length < n; w += 1) {
      const work = all[w]!;
      const billed = Math.round((work.dailyMicros * (80 + Math.floor(random() * 41))) / 100);
      records.push({
        id: `bench-${pad(w, 6)}-${day}`,
        source: work.source,
        provider: work.provider,
        providerName: work.providerName,
        billingAccountId: work.provider === 'aws' ? '999988887777' : work.provider === 'openai' ? 'org-bench' : 'bench',
        subAccountId: work.subAccountId,
        subAccountName: null,
        serviceName: work.serviceName,
        serviceCategory: work.serviceCategory,
        usageType: work.usageType,
        model: work.model,
        apiKeyId: work.apiKeyId,
        tokenType: work.tokenType,
        costOrigin: 'billed',
        chargePeriodStart: day,
        chargePeriodEnd: next,
        billedCost: micros(billed),
        effectiveCost: micros(Math.round((billed * work.amortizedPercent) / 100)),
        billingCurrency: 'USD',
        consumedQuantity: null,
        consumedUnit: null,
        tags: work.tags,
        estimated: false,
      });
    }
  }
  return records;
}

/**
 * Times allocate + chargeback of one month on `n` synthetic records (generated before the clock starts).
 * @returns the records charged, the wall time in ms, and records per second
 */
export function benchAllocateAndCharge(n: number): { records: number; ms: number; recordsPerSecond: number } {
  const config = recordsBenchConfig();
  const records = syntheticRecords(n);
  const start = performance.now();
  const { chargeback } = chargeMonth(records, config, MONTH, AS_OF);
  const ms = performance.now() - start;
  if (chargeback.recordCount !== records.length) throw new Error(`records bench: charged ${chargeback.recordCount} of ${records.length} records`);
  return { records: records.length, ms, recordsPerSecond: records.length / (ms / 1000) };
}
