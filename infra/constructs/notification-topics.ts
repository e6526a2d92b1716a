import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { CostlineConfig } from '../../functions/config/load-config';

/** Message attribute the alerts topic filters on; the ingest job sets it to the team id. */
export const TEAM_ATTRIBUTE = 'team';

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
    // Finance receives the organisation statement; opted-in teams' leads receive their team's own.
    const finance = unique(config.finance.emails);
    for (const email of finance) {
      this.statements.addSubscription(new EmailSubscription(email, { filterPolicy: { kind: SubscriptionFilter.stringFilter({ allowlist: ['statement'] }) } }));
    }
    const financeKeys = new Set(finance.map((e) => e.toLowerCase()));
    const optedIn = { ...config, teams: config.teams.filter((t) => t.statementToLeads) };
    for (const [email, teams] of teamsByLeadEmail(optedIn)) {
      // One subscription per address and topic: an address that is also finance's keeps finance's.
      if (financeKeys.has(email.toLowerCase())) continue;
      this.statements.addSubscription(
        new EmailSubscription(email, {
          filterPolicy: { kind: SubscriptionFilter.stringFilter({ allowlist: ['team-statement'] }), [TEAM_ATTRIBUTE]: SubscriptionFilter.stringFilter({ allowlist: teams }) },
        }),
      );
    }
    for (const email of unique(config.operations.emails)) {
      this.operations.addSubscription(new EmailSubscription(email));
    }
    // One subscription per address: SNS keeps a single subscription per (topic, endpoint), so a lead of
    // several teams gets one filter listing all of them rather than subscriptions that overwrite each other.
    for (const [email, teams] of teamsByLeadEmail(config)) {
      this.alerts.addSubscription(
        new EmailSubscription(email, {
          filterPolicy: { [TEAM_ATTRIBUTE]: SubscriptionFilter.stringFilter({ allowlist: teams }) },
        }),
      );
    }
  }
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
