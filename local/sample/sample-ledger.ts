import Big from 'big.js';
import { addDays } from '../../functions/domain/records/dates';
import { HISTORY_FIRST_DAY, monthsBeforeSeptember, MONTHLY_GROWTH_BACK } from './sample-history';
import { mulberry32 } from './seeded-random';
import type { Ledger, LedgerLineItem } from './ledger';
import { ACCOUNT_NAMES, ACCOUNTS } from './sample-accounts';
import { selfCost } from './sample-self-cost';

export { ACCOUNT_NAMES, ACCOUNTS } from './sample-accounts';
export { costExplorerRequestsOn, SELF_COST_TAGS } from './sample-self-cost';

/**
 * The bundled sample bill that `npm run local` serves from the local Cost Explorer: a year of a fictional
 * organisation (2025-11-01 … 2026-10-31) whose teams, tag key and account rules are the ones in
 * `costline.config.json`. September and October 2026 are the detailed months the default run charges back;
 * the ten months before are a smaller, steadier history, for backfills (`--from 2025-11 --to 2026-10`). Months
 * up to September are final; October is still estimated.
 *
 * It is built to exercise every allocation path: tags with ids and aliases in odd casing and whitespace, untagged
 * spend allocated by account rule, untagged spend in a shared account that stays unallocated, a tag value that
 * matches no team, Bedrock spend under both `Amazon Bedrock` and the Marketplace "(Amazon Bedrock Edition)"
 * services, EC2 under a savings plan (amortized below unblended), a support fee, a credit, and a late September
 * credit posted after September closed (`postedOn`). It also carries costline's own spend, every day of the year
 * (see sample-self-cost.ts). Two teams' applications (growth's and support-bot's) call Bedrock from the shared-services
 * account; Cost Explorer sees them by their team tag only, the billing export (cur-export.ts) by their IAM roles too.
 *
 * With AmortizedCost, October lands at about: search 115 % of budget, growth 88 %, payments 62 %,
 * data-platform 42 %, support-bot 37 %, and a few hundred dollars unallocated.
 */

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const BEDROCK = 'Amazon Bedrock';
const CLAUDE_SONNET = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
const CLAUDE_HAIKU = 'Claude Haiku 4.5 (Amazon Bedrock Edition)';
const CLAUDE_3_HAIKU = 'Claude 3 Haiku (Amazon Bedrock Edition)';

/** One recurring source of cost: it produces one line item per day. */
interface Workload {
  account: string;
  service: string;
  usageType: string;
  region?: string;
  /** Value of the `team` tag exactly as written on the resources (odd casing and spaces included); absent = untagged. */
  team?: string;
  /** Other cost allocation tags on the resources. */
  otherTags?: Record<string, string>;
  /** Typical October daily AmortizedCost, USD. */
  daily: string;
  /** September's level relative to October's (spend grows into October, Bedrock fastest). */
  september: string;
  /** Savings-plan discount on amortized cost: unblended = amortized / (1 - discount). */
  savingsPlanDiscount?: string;
  /** On-demand (unblended) price of one usage unit, to derive UsageQuantity. */
  unitPrice: string;
  unit: string;
}

const SP = '0.28'; // Compute Savings Plan discount seen on the EC2 lines

const WORKLOADS: Workload[] = [
  // payments (111122223333): tagged spend plus untagged spend allocated by the account rule. ~100 USD/day.
  { account: ACCOUNTS.payments, service: EC2, usageType: 'USE1-BoxUsage:c7g.xlarge', team: 'payments', otherTags: { env: 'prod' }, daily: '30', september: '0.93', savingsPlanDiscount: SP, unitPrice: '0.145', unit: 'Hrs' },
  { account: ACCOUNTS.payments, service: EC2, usageType: 'USE1-BoxUsage:m7g.large', daily: '14', september: '0.93', savingsPlanDiscount: SP, unitPrice: '0.0816', unit: 'Hrs' },
  { account: ACCOUNTS.payments, service: 'Amazon DynamoDB', usageType: 'USE1-TimedStorage-ByteHrs', team: 'Pay', daily: '8', september: '0.95', unitPrice: '0.0083333333', unit: 'GB-Mo' },
  { account: ACCOUNTS.payments, service: 'Amazon DynamoDB', usageType: 'USE1-ReadRequestUnits', team: 'payments', daily: '12', september: '0.9', unitPrice: '0.000000125', unit: 'ReadRequestUnits' },
  { account: ACCOUNTS.payments, service: 'Amazon Relational Database Service', usageType: 'USE1-InstanceUsage:db.r6g.large', daily: '18', september: '0.95', unitPrice: '0.225', unit: 'Hrs' },
  { account: ACCOUNTS.payments, service: 'AWS Lambda', usageType: 'USE1-Lambda-GB-Second', team: ' payments', daily: '4', september: '0.9', unitPrice: '0.0000133334', unit: 'Lambda-GB-Second' },
  { account: ACCOUNTS.payments, service: CLAUDE_HAIKU, usageType: 'USE1-MP:USE1_InputTokenCount-Units', team: 'PAYMENTS', daily: '5', september: '0.85', unitPrice: '0.001', unit: 'Units' },
  { account: ACCOUNTS.payments, service: CLAUDE_HAIKU, usageType: 'USE1-MP:USE1_OutputTokenCount-Units', team: 'PAYMENTS', daily: '5', september: '0.85', unitPrice: '0.005', unit: 'Units' },
  { account: ACCOUNTS.payments, service: 'AmazonCloudWatch', usageType: 'USE1-CW:MetricMonitorUsage', daily: '4', september: '0.95', unitPrice: '0.01', unit: 'Metrics' },

  // search (777788889999): all tagged, mostly Claude on Bedrock, growing fast. ~111 USD/day, over budget.
  { account: ACCOUNTS.search, service: CLAUDE_SONNET, usageType: 'USE1-MP:USE1_InputTokenCount-Units', team: 'search', daily: '28', september: '0.75', unitPrice: '0.003', unit: 'Units' },
  { account: ACCOUNTS.search, service: CLAUDE_SONNET, usageType: 'USE1-MP:USE1_OutputTokenCount-Units', team: 'search', daily: '24', september: '0.75', unitPrice: '0.015', unit: 'Units' },
  { account: ACCOUNTS.search, service: BEDROCK, usageType: 'USE1-TitanEmbeddingsV2-Text-input-tokens', team: ' search-ai ', daily: '6', september: '0.75', unitPrice: '0.00000002', unit: 'tokens' },
  { account: ACCOUNTS.search, service: BEDROCK, usageType: 'USE1-NovaPro-input-tokens', team: ' search-ai ', daily: '4', september: '0.75', unitPrice: '0.0000008', unit: 'tokens' },
  { account: ACCOUNTS.search, service: BEDROCK, usageType: 'USE1-NovaPro-output-tokens', team: ' search-ai ', daily: '4.3', september: '0.75', unitPrice: '0.0000032', unit: 'tokens' },
  { account: ACCOUNTS.search, service: 'Amazon OpenSearch Service', usageType: 'USE1-ESInstance:r6g.large.search', team: 'search', otherTags: { env: 'prod' }, daily: '30', september: '0.92', unitPrice: '0.167', unit: 'Hrs' },
  { account: ACCOUNTS.search, service: EC2, usageType: 'USE1-BoxUsage:c7g.2xlarge', team: 'Search', daily: '12', september: '0.92', savingsPlanDiscount: SP, unitPrice: '0.29', unit: 'Hrs' },
  { account: ACCOUNTS.search, service: 'Amazon Simple Storage Service', usageType: 'USE1-TimedStorage-ByteHrs', team: ' search-ai ', daily: '3', september: '0.95', unitPrice: '0.000766667', unit: 'GB-Mo' },

  // growth (555566667777, plus SES in the shared account, still tagged). ~42.6 USD/day.
  { account: ACCOUNTS.growth, service: 'Amazon CloudFront', usageType: 'US-DataTransfer-Out-Bytes', region: 'global', team: 'growth', daily: '9', september: '0.9', unitPrice: '0.085', unit: 'GB' },
  // Growth's campaign writer calls Bedrock from the shared account (see SHARED_BEDROCK_CALLERS in cur-export.ts).
  { account: ACCOUNTS.shared, service: BEDROCK, usageType: 'USE1-NovaLite-input-tokens', team: 'Growth ', daily: '5', september: '0.8', unitPrice: '0.00000006', unit: 'tokens' },
  { account: ACCOUNTS.shared, service: BEDROCK, usageType: 'USE1-NovaLite-output-tokens', team: 'Growth ', daily: '6', september: '0.8', unitPrice: '0.00000024', unit: 'tokens' },
  { account: ACCOUNTS.growth, service: 'Amazon Personalize', usageType: 'USE1-TPS-hours', team: 'growth', daily: '10', september: '0.92', unitPrice: '0.2', unit: 'TPS-hours' },
  { account: ACCOUNTS.shared, service: 'Amazon Simple Email Service', usageType: 'USE1-Recipients', team: 'growth', daily: '3.6', september: '0.9', unitPrice: '0.0001', unit: 'Count' },
  { account: ACCOUNTS.growth, service: 'AWS Lambda', usageType: 'USE1-Lambda-GB-Second', team: 'growth', daily: '3', september: '0.9', unitPrice: '0.0000133334', unit: 'Lambda-GB-Second' },
  { account: ACCOUNTS.growth, service: EC2, usageType: 'USE1-BoxUsage:t4g.large', team: 'GROWTH', daily: '6', september: '0.95', savingsPlanDiscount: SP, unitPrice: '0.0672', unit: 'Hrs' },

  // support-bot (333344445555): all tagged, Nova and Claude 3 Haiku. ~24.2 USD/day.
  // Support's chat app calls Bedrock from the shared account too, through an application inference profile.
  { account: ACCOUNTS.shared, service: BEDROCK, usageType: 'USE1-NovaPro-input-tokens', team: 'support', daily: '5', september: '0.9', unitPrice: '0.0000008', unit: 'tokens' },
  { account: ACCOUNTS.shared, service: BEDROCK, usageType: 'USE1-NovaPro-output-tokens', team: 'support', daily: '6', september: '0.9', unitPrice: '0.0000032', unit: 'tokens' },
  { account: ACCOUNTS.support, service: CLAUDE_3_HAIKU, usageType: 'USE1-MP:USE1_InputTokenCount-Units', team: 'support-bot', daily: '2.2', september: '0.9', unitPrice: '0.00025', unit: 'Units' },
  { account: ACCOUNTS.support, service: CLAUDE_3_HAIKU, usageType: 'USE1-MP:USE1_OutputTokenCount-Units', team: 'support-bot', daily: '3', september: '0.9', unitPrice: '0.00125', unit: 'Units' },
  { account: ACCOUNTS.support, service: 'AWS Lambda', usageType: 'USE1-Lambda-GB-Second', team: 'support-bot', daily: '2', september: '0.95', unitPrice: '0.0000133334', unit: 'Lambda-GB-Second' },
  { account: ACCOUNTS.support, service: 'Amazon DynamoDB', usageType: 'USE1-WriteRequestUnits', team: 'Support-Bot', daily: '3', september: '0.95', unitPrice: '0.000000625', unit: 'WriteRequestUnits' },
  { account: ACCOUNTS.support, service: 'Amazon API Gateway', usageType: 'USE1-ApiGatewayRequest', team: 'support', daily: '1.5', september: '0.95', unitPrice: '0.0000035', unit: 'Requests' },
  { account: ACCOUNTS.support, service: 'AmazonCloudWatch', usageType: 'USE1-DataProcessing-Bytes', team: 'support-bot', daily: '1.5', september: '0.95', unitPrice: '0.5', unit: 'GB' },

  // data-platform (222233334444): tagged spend plus untagged spend allocated by the account rule. ~80.6 USD/day.
  { account: ACCOUNTS.data, service: 'Amazon Simple Storage Service', usageType: 'USE1-TimedStorage-ByteHrs', daily: '14', september: '0.97', unitPrice: '0.000766667', unit: 'GB-Mo' },
  { account: ACCOUNTS.data, service: 'Amazon Simple Storage Service', usageType: 'USE1-Requests-Tier1', team: 'data', daily: '3', september: '0.95', unitPrice: '0.000005', unit: 'Requests' },
  { account: ACCOUNTS.data, service: 'AWS Glue', usageType: 'USE1-ETL-DPU-Hour', team: 'DATA-PLATFORM', daily: '12', september: '0.93', unitPrice: '0.44', unit: 'DPU-Hour' },
  { account: ACCOUNTS.data, service: 'Amazon Elastic MapReduce', usageType: 'USE1-ElasticMapReduce-Instance:m7g.xlarge', team: 'data', daily: '10', september: '0.93', unitPrice: '0.0408', unit: 'Hrs' },
  { account: ACCOUNTS.data, service: EC2, usageType: 'USE1-BoxUsage:m7g.xlarge', daily: '18', september: '0.93', savingsPlanDiscount: SP, unitPrice: '0.1632', unit: 'Hrs' },
  { account: ACCOUNTS.data, service: 'Amazon Redshift', usageType: 'USE1-Node:ra3.xlplus', team: 'data-platform', otherTags: { env: 'prod' }, daily: '16', september: '0.95', unitPrice: '1.086', unit: 'Hrs' },
  { account: ACCOUNTS.data, service: 'Amazon Athena', usageType: 'USE1-DataScannedInTB', daily: '4', september: '0.9', unitPrice: '5', unit: 'Terabytes' },
  { account: ACCOUNTS.data, service: 'Amazon Kinesis', usageType: 'USE1-ShardHour', team: 'data ', daily: '3.6', september: '0.95', unitPrice: '0.015', unit: 'ShardHour' },

  // shared services (444455556666): no account rule, so untagged spend stays unallocated; one legacy tag.
  { account: ACCOUNTS.shared, service: 'EC2 - Other', usageType: 'USE1-NatGateway-Hours', daily: '3.2', september: '1', unitPrice: '0.045', unit: 'Hrs' },
  { account: ACCOUNTS.shared, service: 'AWS CloudTrail', usageType: 'USE1-PaidEventsRecorded', daily: '1.1', september: '1', unitPrice: '0.00001', unit: 'Events' },
  { account: ACCOUNTS.shared, service: 'Amazon Route 53', usageType: 'DNS-Queries', region: 'global', daily: '0.6', september: '1', unitPrice: '0.0000004', unit: 'Queries' },
  { account: ACCOUNTS.shared, service: 'AWS Key Management Service', usageType: 'USE1-KMS-Requests', daily: '0.5', september: '1', unitPrice: '0.000003', unit: 'Requests' },
  { account: ACCOUNTS.shared, service: EC2, usageType: 'USE1-BoxUsage:t3.medium', team: 'legacy', daily: '2.4', september: '1', savingsPlanDiscount: SP, unitPrice: '0.0416', unit: 'Hrs' },
];

/** Fixed-fee and one-off lines, by date. */
const ONE_OFFS: LedgerLineItem[] = [
  // Business support is charged once a month as a fee on the payer's bill; here it lands in the shared account.
  ...['2026-09-01', '2026-10-01'].map((date) => ({
    date,
    account: ACCOUNTS.shared,
    service: 'AWS Support (Business)',
    usageType: 'Dollar',
    region: 'global',
    recordType: 'Usage',
    tags: {},
    unblendedCost: '100.0000000000',
    amortizedCost: '100.0000000000',
    usageQuantity: '1',
    usageUnit: 'N/A',
  })),
  // A promotional credit: negative, in October, untagged in the shared account.
  {
    date: '2026-10-15',
    account: ACCOUNTS.shared,
    service: EC2,
    usageType: 'USE1-BoxUsage:t3.medium',
    region: 'us-east-1',
    recordType: 'Credit',
    tags: {},
    unblendedCost: '-25.0000000000',
    amortizedCost: '-25.0000000000',
    usageQuantity: '0',
    usageUnit: 'Hrs',
  },
  // An SLA credit for a September OpenSearch outage, posted on 20 October, after September closed: the local
  // run closes September first, then sees this and carries it to October as a prior-period adjustment.
  {
    date: '2026-09-18',
    account: ACCOUNTS.search,
    service: 'Amazon OpenSearch Service',
    usageType: 'USE1-ESInstance:r6g.large.search',
    region: 'us-east-1',
    recordType: 'Credit',
    tags: { team: 'search' },
    unblendedCost: '-120.0000000000',
    amortizedCost: '-120.0000000000',
    usageQuantity: '0',
    usageUnit: 'Hrs',
    postedOn: '2026-10-20',
  },
];

const FIRST_DAY = '2026-09-01';
const LAST_DAY = '2026-10-31';
const SEED = 20260901;
/** The history before September has its own random sequence, so September and October stay as they were. */
const HISTORY_SEED = 20251101;

/**
 * Builds the sample ledger. Pure and deterministic: every call returns an equal ledger (a seeded PRNG, no
 * `Math.random`, no clock). About 22,600 line items.
 */
export function sampleLedger(): Ledger {
  const lineItems: LedgerLineItem[] = [...history()];
  const random = mulberry32(SEED);
  for (let date = FIRST_DAY; date <= LAST_DAY; date = addDays(date, 1)) {
    const october = date >= '2026-10-01';
    for (const workload of WORKLOADS) lineItems.push(dailyLine(workload, date, new Big(workload.daily).times(october ? 1 : workload.september), random));
    for (const item of ONE_OFFS) if (item.date === date) lineItems.push({ ...item, tags: { ...item.tags } });
  }
  // After the rest, so the other lines' random draws stay as they were.
  for (let date = HISTORY_FIRST_DAY; date <= LAST_DAY; date = addDays(date, 1)) lineItems.push(...selfCost(date));
  return {
    organization: 'Northwind Analytics (sample)',
    finalizedThrough: '2026-09-30',
    accounts: { ...ACCOUNT_NAMES },
    lineItems,
  };
}

/** November 2025 to August 2026: every workload at its September level, a little lower each month back, and the monthly support fee. */
function history(): LedgerLineItem[] {
  const random = mulberry32(HISTORY_SEED);
  const lines: LedgerLineItem[] = [];
  for (let date = HISTORY_FIRST_DAY; date < FIRST_DAY; date = addDays(date, 1)) {
    const level = new Big(MONTHLY_GROWTH_BACK).pow(monthsBeforeSeptember(date));
    for (const workload of WORKLOADS) lines.push(dailyLine(workload, date, new Big(workload.daily).times(workload.september).times(level), random));
    if (date.endsWith('-01')) lines.push({ ...ONE_OFFS[0]!, date, tags: {} });
  }
  return lines;
}

/** One workload's line item for a day, at a daily amortized level with ±15 % noise. */
function dailyLine(workload: Workload, date: string, level: Big, random: () => number): LedgerLineItem {
  // Day-to-day noise of ±15 %, drawn as an integer so the amount stays an exact decimal.
  const noise = new Big(8500 + Math.floor(random() * 3001)).div(10000);
  const amortized = level.times(noise).round(10);
  const unblended = workload.savingsPlanDiscount ? amortized.div(new Big(1).minus(workload.savingsPlanDiscount)).round(10) : amortized;
  return {
    date,
    account: workload.account,
    service: workload.service,
    usageType: workload.usageType,
    region: workload.region ?? 'us-east-1',
    recordType: 'Usage',
    tags: { ...(workload.team !== undefined ? { team: workload.team } : {}), ...workload.otherTags },
    unblendedCost: unblended.toFixed(10),
    amortizedCost: amortized.toFixed(10),
    usageQuantity: unblended.div(workload.unitPrice).round(4).toFixed(),
    usageUnit: workload.unit,
  };
}
