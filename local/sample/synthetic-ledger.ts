import type { Ledger, LedgerLineItem } from './ledger';
import { addDays } from '../../functions/domain/records/dates';
import { mulberry32 } from './seeded-random';

/**
 * A large, generated bill for the benchmark (`npm run bench`): many teams, services and accounts, with a config
 * that matches it. Deterministic for a given seed, so benchmark runs compare like with like.
 *
 * Shape: each team runs about 10 services (8–12) in one or two accounts, one line item per (team, service) per
 * day; about 10 % of workloads are untagged; tag values are mostly team ids, some aliases, some in upper case.
 * A few accounts have a rule sending their untagged spend to the team that owns the account.
 */

/** Options of {@link syntheticLedger}. */
export interface SyntheticLedgerOptions {
  /** Number of teams, ids `t000`, `t001`, …; default 100. */
  teams?: number;
  /** Number of days; default 30. */
  days?: number;
  /** Size of the service catalogue to draw from; default 150 (at least 1). */
  services?: number;
  /** Number of linked accounts; default 50. */
  accounts?: number;
  /** PRNG seed; default 1. */
  seed?: number;
  /** First day, `YYYY-MM-DD`; default `2026-10-01`. */
  startDate?: string;
}

/** Real service names first (Bedrock in both its forms among them); synthetic names fill the rest of the catalogue. */
const REAL_SERVICES = [
  'Amazon Elastic Compute Cloud - Compute',
  'Amazon Simple Storage Service',
  'Amazon DynamoDB',
  'AWS Lambda',
  'Amazon Relational Database Service',
  'Amazon Bedrock',
  'Claude Sonnet 4.5 (Amazon Bedrock Edition)',
  'Claude Haiku 4.5 (Amazon Bedrock Edition)',
  'Claude 3 Haiku (Amazon Bedrock Edition)',
  'Llama 3.3 70B Instruct (Amazon Bedrock Edition)',
  'Amazon OpenSearch Service',
  'Amazon CloudFront',
  'AmazonCloudWatch',
  'Amazon Simple Queue Service',
  'Amazon Simple Notification Service',
  'Amazon ElastiCache',
  'Amazon Redshift',
  'AWS Glue',
  'Amazon Athena',
  'Amazon Kinesis',
  'Amazon Elastic Container Service',
  'Amazon Elastic Kubernetes Service',
  'EC2 - Other',
  'Amazon Virtual Private Cloud',
  'Amazon API Gateway',
  'AWS Step Functions',
  'Amazon SageMaker',
  'Amazon Personalize',
  'Amazon Comprehend',
  'Amazon Textract',
  'Amazon Transcribe',
  'Amazon Polly',
  'Amazon Rekognition',
  'Amazon Elastic File System',
  'Amazon Elastic MapReduce',
  'AWS Key Management Service',
  'AWS Secrets Manager',
  'Amazon Route 53',
  'AWS WAF',
  'Amazon Simple Email Service',
];

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
const REGION_PREFIX: Record<string, string> = { 'us-east-1': 'USE1', 'us-west-2': 'USW2', 'eu-west-1': 'EU', 'eu-central-1': 'EUC1', 'ap-southeast-2': 'APS2' };

interface Workload {
  account: string;
  service: string;
  usageType: string;
  region: string;
  tag?: string;
  /** Typical daily cost in micro-dollars (an integer, so amounts are exact decimals). */
  dailyMicros: number;
  /** Amortized = unblended × this, in percent (savings plans on compute). */
  amortizedPercent: number;
}

/**
 * Generates a bill and a matching costline config (teams with budgets and aliases, tag key `team`, a few account
 * rules). The config has the shape of `costline.config.json` and passes `parseConfig`.
 * With the defaults: 100 teams, 30 days from 2026-10-01, 150 services, 50 accounts, about 30,000 line items.
 */
export function syntheticLedger(options: SyntheticLedgerOptions = {}): { ledger: Ledger; config: unknown } {
  const teamCount = positiveInteger(options.teams ?? 100, 'teams');
  const days = positiveInteger(options.days ?? 30, 'days');
  const serviceCount = positiveInteger(options.services ?? 150, 'services');
  const accountCount = positiveInteger(options.accounts ?? 50, 'accounts');
  const startDate = options.startDate ?? '2026-10-01';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate) || Number.isNaN(Date.parse(`${startDate}T00:00:00Z`))) {
    throw new RangeError(`startDate must be YYYY-MM-DD, got ${startDate}`);
  }
  const random = mulberry32(options.seed ?? 1);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

  const accounts = Array.from({ length: accountCount }, (_, i) => String(100000000000 + (i + 1) * 1010101));
  const services = Array.from({ length: serviceCount }, (_, i) => REAL_SERVICES[i] ?? `Amazon Synthetic Service ${pad(i, 3)}`);
  const width = Math.max(3, String(teamCount - 1).length);

  const teams: { id: string; name: string; aliases: string[]; monthlyBudget: number; leadEmails: string[] }[] = [];
  const workloads: Workload[] = [];
  const primaryOwner = new Map<string, string>();

  for (let t = 0; t < teamCount; t += 1) {
    const id = `t${pad(t, width)}`;
    const alias = `team-${pad(t, width)}`;
    const primary = accounts[t % accountCount]!;
    if (!primaryOwner.has(primary)) primaryOwner.set(primary, id);
    const teamAccounts = [primary];
    if (accountCount > 1 && random() < 0.5) {
      const other = accounts[(t + int(1, accountCount - 1)) % accountCount]!;
      teamAccounts.push(other);
    }

    const chosen = pickDistinct(services.length, Math.min(int(8, 12), services.length), random);
    let tagged = 0;
    for (const s of chosen) {
      const service = services[s]!;
      const region = REGIONS[s % REGIONS.length]!;
      // Log-uniform daily cost between about $0.50 and $60, so a few services dominate as in real bills.
      const dailyMicros = Math.round(500_000 * Math.exp(random() * Math.log(120)));
      const roll = random();
      const tag = roll < 0.1 ? undefined : roll < 0.25 ? alias : roll < 0.32 ? id.toUpperCase() : id;
      workloads.push({
        account: teamAccounts[int(0, teamAccounts.length - 1)]!,
        service,
        usageType: `${REGION_PREFIX[region]}-${service.replace(/[^A-Za-z0-9]+/g, '')}-Usage`,
        region,
        ...(tag !== undefined ? { tag } : {}),
        dailyMicros,
        amortizedPercent: /Compute|SageMaker/.test(service) ? 72 : 100,
      });
      if (tag !== undefined) tagged += dailyMicros;
    }

    // Budgets between 60 % and 150 % of the team's expected monthly tagged spend, so some teams alert.
    const expectedMonthly = (tagged / 1e6) * 30;
    const monthlyBudget = Math.max(100, Math.round((expectedMonthly * int(60, 150)) / 100 / 100) * 100);
    teams.push({ id, name: `Team ${pad(t, width)}`, aliases: [alias], monthlyBudget, leadEmails: [`${id}-lead@example.com`] });
  }

  const lineItems: LedgerLineItem[] = [];
  let date = startDate;
  for (let d = 0; d < days; d += 1, date = addDays(date, 1)) {
    for (const w of workloads) {
      // ±20 % daily noise, in integer micro-dollars.
      const unblended = Math.round((w.dailyMicros * int(80, 120)) / 100);
      const amortized = Math.round((unblended * w.amortizedPercent) / 100);
      lineItems.push({
        date,
        account: w.account,
        service: w.service,
        usageType: w.usageType,
        region: w.region,
        recordType: 'Usage',
        tags: w.tag !== undefined ? { team: w.tag } : {},
        unblendedCost: formatMicros(unblended),
        amortizedCost: formatMicros(amortized),
        usageQuantity: String(int(1, 10_000)),
        usageUnit: 'Units',
      });
    }
  }

  // Rules for the first few accounts: their untagged spend goes to the team whose primary account it is.
  const rules = accounts
    .slice(0, Math.min(5, accountCount))
    .filter((account) => primaryOwner.has(account))
    .map((account) => ({ match: { provider: 'aws', account }, team: primaryOwner.get(account)! }));

  const config = {
    currency: 'USD',
    teams,
    allocation: { awsTagKey: 'team', rules },
    alerts: { thresholds: [50, 80, 100] },
    finance: { emails: ['finance@example.com'] },
    operations: { emails: ['cloud-team@example.com'] },
    sources: { aws: { enabled: true, costMetric: 'AmortizedCost' } },
  };

  const ledger: Ledger = {
    organization: `synthetic (${teamCount} teams, seed ${options.seed ?? 1})`,
    // Everything before the start is final; the generated days are all estimated, like a current month.
    finalizedThrough: previousDay(startDate),
    accounts: Object.fromEntries(accounts.map((a, i) => [a, `account-${pad(i, 3)}`])),
    lineItems,
  };
  return { ledger, config };
}

/** `count` distinct indexes in [0, n), by a partial Fisher–Yates shuffle. */
function pickDistinct(n: number, count: number, random: () => number): number[] {
  const indexes = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i += 1) {
    const j = i + Math.floor(random() * (n - i));
    [indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!];
  }
  return indexes.slice(0, count);
}

/** Integer micro-dollars as a decimal string, e.g. 1234567 → "1.234567". */
function formatMicros(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  return `${sign}${Math.floor(abs / 1e6)}.${String(abs % 1e6).padStart(6, '0')}`;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}



function previousDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
