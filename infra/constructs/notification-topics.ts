import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type CfnSubscription, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AlertKind } from '../../functions/config/config-schema';
import type { CostlineConfig } from '../../functions/config/load-config';
import { ALERT_ATTRIBUTES, PLATFORM_TEAMS, type Severity } from '../../functions/domain/guardrails/alert-attributes';
import { STATEMENT_ATTRIBUTES, STATEMENT_KINDS } from '../../functions/domain/statements/statement-attributes';

/**
 * The three topics (budget alerts, monthly statements, operations) and their email subscriptions.
 *
 * All three are encrypted with one customer managed key (rotated yearly) because CloudWatch alarms cannot
 * publish to a topic encrypted with the AWS managed `aws/sns` key: its key policy cannot be changed to let
 * `cloudwatch.amazonaws.com` use it.
 */
export class NotificationTopics extends Construct {
  readonly key: Key;
  readonly alerts: Topic;
  readonly statements: Topic;
  readonly operations: Topic;

  constructor(scope: Construct, id: string, props: { config: CostlineConfig }) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new Key(this, 'Key', {
      description: `${stack.stackName}: encrypts the alerts, statements and operations topics`,
      enableKeyRotation: true,
      // The key only protects messages in flight; nothing encrypted with it outlives the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // Documented key policy for CloudWatch alarm actions on an encrypted topic.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // Only alarms of this account (confused-deputy protection, as on the topic policy).
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    const topic = (topicId: string, displayName: string) =>
      new Topic(this, topicId, { displayName, masterKey: this.key, enforceSSL: true });
    this.alerts = topic('Alerts', 'Costline budget alerts');
    this.statements = topic('Statements', 'Costline monthly statements');
    this.operations = topic('Operations', 'Costline operations');

    // enforceSSL replaces the default topic policy, which is what let CloudWatch alarms (a service principal
    // with no identity policy of its own) publish. Allow them back, for this account's alarms only.
    this.operations.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowThisAccountsCloudWatchAlarms',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.operations.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );

    const { config } = props;
    // SNS keeps one subscription per (topic, endpoint), so each address gets exactly one, whose filter
    // accepts what every audience it belongs to should receive.
    for (const [email, filterPolicy] of statementSubscriptions(config)) subscribeEmail(this.statements, email, filterPolicy);
    for (const email of unique(config.operations.emails)) {
      this.operations.addSubscription(new EmailSubscription(email));
    }
    for (const [email, filterPolicy] of alertSubscriptions(config)) subscribeEmail(this.alerts, email, filterPolicy);
  }
}

/** One audience's filter on message attributes: attribute name to the values it accepts (AND across names). */
export type AttributeFilter = Readonly<Record<string, readonly string[]>>;

/**
 * An SNS subscription filter policy (scope `MessageAttributes`): one audience's filter, or, for an address in
 * several audiences, `{ "$or": [filter, filter, ...] }` (https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html).
 */
export type FilterPolicy = AttributeFilter | { readonly $or: readonly AttributeFilter[] };

/**
 * What the platform/finance audience (`alerts.platformEmails`) receives on the alerts topic: every shadow-AI
 * alert (whichever team the spend came from), and everything addressed to `organization` (the organisation AI
 * budget) or `unallocated` (unmapped spend; shadow-AI alerts are its only alerts, so this adds the next-day
 * digest of those the daily cap held back, which carries `kind` = `digest`).
 */
export const PLATFORM_ALERTS: FilterPolicy = {
  $or: [{ [ALERT_ATTRIBUTES.kind]: ['shadow-ai' satisfies AlertKind] }, { [ALERT_ATTRIBUTES.team]: [PLATFORM_TEAMS.organization, PLATFORM_TEAMS.unallocated] }],
};

/**
 * The statements topic's subscriptions: address (as first written) to its filter policy. Finance receives the
 * organisation statement (`kind` = `statement`); leads of teams with `statementToLeads` their teams' own
 * (`kind` = `team-statement`, `team` = their opted-in teams); an address that is both, both.
 */
export function statementSubscriptions(config: CostlineConfig): Map<string, FilterPolicy> {
  const optedIn = { ...config, teams: config.teams.filter((t) => t.statementToLeads) };
  return byAddress([
    ...config.finance.emails.map((email): Audience => [email, { [STATEMENT_ATTRIBUTES.kind]: [STATEMENT_KINDS.organization] }]),
    ...[...teamsByLeadEmail(optedIn)].map(([email, teams]): Audience => [email, { [STATEMENT_ATTRIBUTES.kind]: [STATEMENT_KINDS.team], [STATEMENT_ATTRIBUTES.team]: teams }]),
  ]);
}

/**
 * The alerts topic's subscriptions: address (as first written) to its filter policy. A team lead receives
 * every alert of the teams it leads (`team` = their ids); `alerts.platformEmails` receive
 * {@link PLATFORM_ALERTS}; finance, with `finance.alerts`, every team's alerts of that severity or higher;
 * an address in several of these, the `$or` of all of it.
 */
export function alertSubscriptions(config: CostlineConfig): Map<string, FilterPolicy> {
  return byAddress([
    ...[...teamsByLeadEmail(config)].map(([email, teams]): Audience => [email, { [ALERT_ATTRIBUTES.team]: teams }]),
    ...config.alerts.platformEmails.map((email): Audience => [email, PLATFORM_ALERTS]),
    // Finance can ask for every team's critical alerts (or warnings too), filtered on severity.
    ...(config.finance.alerts === 'none' ? [] : config.finance.emails.map((email): Audience => [email, { [ALERT_ATTRIBUTES.severity]: (config.finance.alerts === 'critical' ? ['critical'] : ['warning', 'critical']) satisfies Severity[] }])),
  ]);
}

/** Lead email (as first written) to the ids of the teams it leads, in config order. */
export function teamsByLeadEmail(config: CostlineConfig): Map<string, string[]> {
  const byKey = new Map<string, { email: string; teams: string[] }>();
  for (const team of config.teams) {
    for (const email of team.leadEmails) {
      const entry = byKey.get(email.toLowerCase()) ?? { email, teams: [] };
      if (!entry.teams.includes(team.id)) entry.teams.push(team.id);
      byKey.set(email.toLowerCase(), entry);
    }
  }
  return new Map([...byKey.values()].map(({ email, teams }) => [email, teams]));
}

function unique(emails: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const email of emails) if (!seen.has(email.toLowerCase())) seen.set(email.toLowerCase(), email);
  return [...seen.values()];
}

/** One address and one audience's filter for it. */
type Audience = [email: string, filter: FilterPolicy];

/** SNS refuses a filter policy with more value combinations than this (subscription-filter-policy-constraints.html). */
const MAX_COMBINATIONS = 150;

/**
 * Merges audiences per address, case-insensitively, keeping the first spelling (so an address already
 * subscribed keeps its construct id, and CloudFormation updates its filter instead of replacing it, which
 * would send a new confirmation email). Several audiences become one flat `$or` of their distinct filters:
 * SNS only reads `$or` as the operator with at least two alternatives, so a single one stays bare.
 */
function byAddress(audiences: readonly Audience[]): Map<string, FilterPolicy> {
  const merged = new Map<string, { email: string; filters: AttributeFilter[] }>();
  for (const [email, policy] of audiences) {
    const entry = merged.get(email.toLowerCase()) ?? { email, filters: [] };
    for (const filter of alternatives(policy)) {
      if (!entry.filters.some((f) => JSON.stringify(f) === JSON.stringify(filter))) entry.filters.push(filter);
    }
    merged.set(email.toLowerCase(), entry);
  }
  return new Map([...merged.values()].map(({ email, filters }) => [email, filters.length === 1 ? filters[0]! : { $or: filters }]));
}

function alternatives(policy: FilterPolicy): readonly AttributeFilter[] {
  return '$or' in policy ? (policy.$or as readonly AttributeFilter[]) : [policy as AttributeFilter];
}

/**
 * Subscribes an email address with a filter policy. The L2 `filterPolicy` prop cannot express `$or`, so the
 * policy goes on the L1 resource as JSON (scope left at its default, `MessageAttributes`). That skips the
 * L2's own size check, made here instead. The docs say how to count a plain policy (multiply the lengths of
 * its arrays) but not one with `$or`; each alternative is counted so and the counts added, one per path.
 */
function subscribeEmail(topic: Topic, email: string, filterPolicy: FilterPolicy): void {
  const combinations = alternatives(filterPolicy).reduce((sum, f) => sum + Object.values(f).reduce((product, values) => product * values.length, 1), 0);
  if (combinations > MAX_COMBINATIONS) {
    throw new Error(`The ${topic.node.id} subscription of ${email} would need a filter policy of ${combinations} value combinations; SNS allows ${MAX_COMBINATIONS}.`);
  }
  const subscription = topic.addSubscription(new EmailSubscription(email));
  (subscription.node.defaultChild as CfnSubscription).filterPolicy = filterPolicy;
}
