import Big from 'big.js';
import { isMonday } from '../../functions/domain/records/dates';
import type { LedgerLineItem } from './ledger';
import { ACCOUNTS } from './sample-accounts';

/**
 * costline itself, as the README's Deploy section deploys it: in the shared-services account (us-east-1) with
 * `-c ownerTeam=data-platform`, reading the bill through the payer role. The stack tags every resource it
 * creates with the team tag (`allocation.awsTagKey`) and `costline:stage`; the admin-key secrets are tagged
 * the same way when they are created (Deploy, step 4). Two charges carry no resource tag, as in real AWS:
 * CloudWatch custom metrics (billed to the shared-services account) and the Cost Explorer API requests (billed
 * to the account whose credentials call, the management account with the payer role). The sample config's
 * allocation rules send both to data-platform. (The sample config has no `roleArn`, so that
 * `npm run local -- --live` works as is with management-account credentials.)
 *
 * A month's figures for the sample organisation, at us-east-1 list prices: about $10.40, most of it the
 * dashboard, custom metrics, alarms, the KMS key and the two secrets (monthly fees prorated by the hour);
 * DynamoDB, Lambda, logs, S3 and SNS are cents. The queues and schedules cost nothing at this volume.
 */
export const SELF_COST_TAGS: Readonly<Record<string, string>> = { team: 'data-platform', 'costline:stage': 'Costline' };

/** One of costline's charges: a usage quantity a day at a unit price, the same every day. */
interface SelfCharge {
  service: string;
  usageType: string;
  /** Usage a day; a monthly fee is prorated by the hour ({@link monthlyFee}). */
  daily: string;
  unitPrice: string;
  unit: string;
  /** Whether the charge carries the stack's tags (most do; custom metrics cannot). */
  tagged: boolean;
}

/** AWS prorates monthly fees (alarms, dashboards, keys, secrets, custom metrics) over 730 hours a month. */
const HOURS_A_MONTH = 730;
/** `count` things billed by the month, as a day's share of the month: count × 24 / 730. */
const monthlyFee = (count: string) => new Big(count).times(24).div(HOURS_A_MONTH).round(10).toFixed();

const SELF_CHARGES: SelfCharge[] = [
  // Three arm64 functions: the daily ingest (~20 GB-s a day at this size) and the hourly usage run (~90).
  { service: 'AWS Lambda', usageType: 'USE1-Lambda-GB-Second-ARM', daily: '110', unitPrice: '0.0000133334', unit: 'Lambda-GB-Second', tagged: true },
  { service: 'AWS Lambda', usageType: 'USE1-Request-ARM', daily: '40', unitPrice: '0.0000002', unit: 'Requests', tagged: true },
  // One on-demand table: the hourly re-evaluation's reads dominate; about 60 MB stored.
  { service: 'Amazon DynamoDB', usageType: 'USE1-ReadRequestUnits', daily: '9000', unitPrice: '0.000000125', unit: 'ReadRequestUnits', tagged: true },
  { service: 'Amazon DynamoDB', usageType: 'USE1-WriteRequestUnits', daily: '1500', unitPrice: '0.000000625', unit: 'WriteRequestUnits', tagged: true },
  { service: 'Amazon DynamoDB', usageType: 'USE1-TimedStorage-ByteHrs', daily: monthlyFee('0.06'), unitPrice: '0.25', unit: 'GB-Mo', tagged: true },
  // Alert, statement and operations emails.
  { service: 'Amazon Simple Notification Service', usageType: 'USE1-DeliveryAttempts-SMTP', daily: '12', unitPrice: '0.00002', unit: 'Notifications', tagged: true },
  // The statements bucket: each closed month's files and hashes.
  { service: 'Amazon Simple Storage Service', usageType: 'USE1-Requests-Tier1', daily: '8', unitPrice: '0.000005', unit: 'Requests', tagged: true },
  { service: 'Amazon Simple Storage Service', usageType: 'USE1-TimedStorage-ByteHrs', daily: monthlyFee('0.02'), unitPrice: '0.023', unit: 'GB-Mo', tagged: true },
  // The functions' log groups (ingested and stored), the eleven alarms and the operations dashboard.
  { service: 'AmazonCloudWatch', usageType: 'USE1-DataProcessing-Bytes', daily: '0.004', unitPrice: '0.5', unit: 'GB', tagged: true },
  { service: 'AmazonCloudWatch', usageType: 'USE1-TimedStorage-ByteHrs', daily: monthlyFee('0.1'), unitPrice: '0.03', unit: 'GB-Mo', tagged: true },
  { service: 'AmazonCloudWatch', usageType: 'USE1-CW:AlarmMonitorUsage', daily: monthlyFee('11'), unitPrice: '0.1', unit: 'Alarms', tagged: true },
  { service: 'AmazonCloudWatch', usageType: 'USE1-DashboardsUsageHour-Basic', daily: monthlyFee('1'), unitPrice: '3', unit: 'Dashboards', tagged: true },
  // Custom metrics are not resources and carry no tag: nine sent every hour, twelve in one hour a day.
  { service: 'AmazonCloudWatch', usageType: 'USE1-CW:MetricMonitorUsage', daily: new Big(9 * 24 + 12).div(HOURS_A_MONTH).round(10).toFixed(), unitPrice: '0.3', unit: 'Metrics', tagged: false },
  // The topics' customer managed key, and the OpenAI and Anthropic admin-key secrets (read every five minutes at most).
  { service: 'AWS Key Management Service', usageType: 'USE1-KMS-Keys', daily: monthlyFee('1'), unitPrice: '1', unit: 'Keys', tagged: true },
  { service: 'AWS Secrets Manager', usageType: 'USE1-AWSSecretsManager-Secrets', daily: monthlyFee('2'), unitPrice: '0.4', unit: 'Secrets', tagged: true },
  { service: 'AWS Secrets Manager', usageType: 'USE1-AWSSecretsManager-APIRequest', daily: '300', unitPrice: '0.000005', unit: 'API Requests', tagged: true },
];

/** Cost Explorer's price: $0.01 per request, each page a request. */
const COST_EXPLORER_REQUEST = '0.01';

/**
 * Cost Explorer requests of the daily run on `day`, as a rule of thumb: three queries (tagged, untagged, Bedrock
 * tokens) of about a page each over the month to date; three more while the previous month is re-pulled (to
 * `previousMonthUntilDay`, the 5th), and three more on Mondays, when the last closed month is re-pulled
 * (`recheckClosedMonths: 1`). The local Cost Explorer counts the pages of each run exactly; they come close.
 */
export function costExplorerRequestsOn(day: string): number {
  return 3 + (Number(day.slice(8, 10)) <= 5 ? 3 : 0) + (isMonday(day) ? 3 : 0);
}

/** costline's own line items for one day: the same charges every day, and that day's Cost Explorer requests. */
export function selfCost(date: string): LedgerLineItem[] {
  const line = (account: string, service: string, usageType: string, quantity: Big, unitPrice: string, unit: string, tags: Record<string, string>): LedgerLineItem => {
    const cost = quantity.times(unitPrice).round(10).toFixed(10);
    return { date, account, service, usageType, region: 'us-east-1', recordType: 'Usage', tags, unblendedCost: cost, amortizedCost: cost, usageQuantity: quantity.round(10).toFixed(), usageUnit: unit };
  };
  return [
    ...SELF_CHARGES.map((c) => line(ACCOUNTS.shared, c.service, c.usageType, new Big(c.daily), c.unitPrice, c.unit, c.tagged ? { ...SELF_COST_TAGS } : {})),
    line(ACCOUNTS.management, 'AWS Cost Explorer', 'USE1-APIRequest', new Big(costExplorerRequestsOn(date)), COST_EXPLORER_REQUEST, 'Requests', {}),
  ];
}
