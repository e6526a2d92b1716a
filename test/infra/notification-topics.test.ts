import { Match, type Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostlineStack } from '../../infra/costline-stack';
import { alertSubscriptions, PLATFORM_ALERTS, statementSubscriptions, teamsByLeadEmail } from '../../infra/constructs/notification-topics';
import { testConfig } from './support';
import { only, receivers, ref, subscriptionsOf, subscriptionsTo, synth, type Resource } from './template-queries';

afterAll(() => CloudAssembly.cleanupTemporaryDirectories());

describe('CostlineStack', () => {
  let stack: CostlineStack;
  let template: Template;
  beforeAll(() => ({ stack, template } = synth()));

  describe('topics', () => {
    /** finance@ also leads search (statementToLeads: true); data-lead@ is also platform; both lists repeat an address in another case. */
    const overlappingConfig = () =>
      testConfig((raw) => {
        raw.teams[1].leadEmails = ['Finance@example.com'];
        raw.finance.emails = ['finance@example.com', 'FINANCE@example.com'];
        raw.alerts.platformEmails = ['platform-team@example.com', 'Data-Lead@example.com', 'PLATFORM-TEAM@example.com'];
      });
    let synthesized: { stack: CostlineStack; template: Template } | undefined;
    const overlapping = () => (synthesized ??= synth(overlappingConfig()));

    it('creates three topics, each encrypted with the rotated customer managed key', () => {
      const [keyId, key] = only(template, 'AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const topics = Object.values(template.findResources('AWS::SNS::Topic') as Record<string, Resource>);
      expect(topics).toHaveLength(3);
      for (const topic of topics) expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    });

    it('lets CloudWatch use the topic key, so alarms can publish to the encrypted operations topic', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey*']),
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(stack, stack.topics.operations)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
          ]),
        },
      });
    });

    it('denies publishing without TLS on every topic', () => {
      for (const topic of [stack.topics.alerts, stack.topics.statements, stack.topics.operations]) {
        template.hasResourceProperties('AWS::SNS::TopicPolicy', {
          Topics: [ref(stack, topic)],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('subscribes finance to the organisation statement (kind = statement) and operations to the operations topic, unfiltered', () => {
      const [, finance] = only(template, 'AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'finance@example.com', TopicArn: ref(stack, stack.topics.statements) });
      expect(finance.Properties.FilterPolicy).toEqual({ kind: ['statement'] });
      const [, ops] = only(template, 'AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'cloud-team@example.com', TopicArn: ref(stack, stack.topics.operations) });
      expect(ops.Properties.FilterPolicy).toBeUndefined();
    });

    it('subscribes the leads of teams that opted in to their own statement, filtered on kind and team', () => {
      const statements = Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: ref(stack, stack.topics.statements) } }) as Record<string, Resource>);
      // finance, plus search's lead (search has statementToLeads: true in the sample config).
      expect(statements.map((s) => [s.Properties.Endpoint, s.Properties.FilterPolicy]).sort()).toEqual([
        ['finance@example.com', { kind: ['statement'] }],
        ['search-lead@example.com', { kind: ['team-statement'], team: ['search'] }],
      ]);
    });

    it("subscribes each team lead to the alerts topic, filtered on team = the team's id, and the platform audience to shadow-AI and organisation alerts", () => {
      const config = testConfig();
      const alerts = subscriptionsTo(stack, template, stack.topics.alerts);
      expect([...alerts.keys()].sort()).toEqual([...config.teams.flatMap((t) => t.leadEmails), ...config.alerts.platformEmails].sort());
      for (const team of config.teams) {
        for (const email of team.leadEmails) expect(alerts.get(email), email).toEqual({ team: [team.id] });
      }
      expect(config.alerts.platformEmails).not.toEqual([]);
      for (const email of config.alerts.platformEmails) {
        expect(alerts.get(email), email).toEqual({ $or: [{ kind: ['shadow-ai'] }, { team: ['organization', 'unallocated'] }] });
      }
    });

    it('subscribes finance to every team\'s critical alerts when finance.alerts asks for it, and to none by default', () => {
      expect(subscriptionsTo(stack, template, stack.topics.alerts).has('finance@example.com')).toBe(false);
      const { stack: s, template: t } = synth(
        testConfig((raw) => {
          raw.finance.alerts = 'critical';
        }),
      );
      const alerts = subscriptionsTo(s, t, s.topics.alerts);
      expect(alerts.get('finance@example.com')).toEqual({ severity: ['critical'] });
      expect(receivers(alerts, { team: 'payments', kind: 'threshold', severity: 'critical' })).toContain('finance@example.com');
      expect(receivers(alerts, { team: 'payments', kind: 'threshold', severity: 'warning' })).not.toContain('finance@example.com');
    });

    it('gives a lead of two teams one subscription whose filter lists both teams', () => {
      const { stack: s, template: t } = synth(
        testConfig((raw) => {
          raw.teams[1].leadEmails = ['Shared-Lead@example.com'];
          raw.teams[2].leadEmails = ['shared-lead@example.com'];
        }),
      );
      only(t, 'AWS::SNS::Subscription', { Endpoint: 'Shared-Lead@example.com', TopicArn: ref(s, s.topics.alerts), FilterPolicy: { team: ['search', 'support-bot'] } });
      expect(t.findResources('AWS::SNS::Subscription', { Properties: { Endpoint: 'shared-lead@example.com' } })).toEqual({});
    });

    it('never subscribes the same address to the same topic twice, whatever the case it is written in', () => {
      for (const t of [template, overlapping().template]) {
        const pairs = subscriptionsOf(t).map((s) => `${s.topic} ${s.endpoint.toLowerCase()}`);
        expect(pairs.length).toBeGreaterThan(0);
        expect(new Set(pairs).size, pairs.join('\n')).toBe(pairs.length);
      }
    });

    describe('an address in several audiences', () => {
      it('gets one statements subscription: the $or of the organisation statement and its team\'s statement (finance no longer hides its lead role)', () => {
        const { stack: s, template: t } = overlapping();
        const statements = subscriptionsTo(s, t, s.topics.statements);
        expect([...statements]).toEqual([['finance@example.com', { $or: [{ kind: ['statement'] }, { kind: ['team-statement'], team: ['search'] }] }]]);
        expect(receivers(statements, { kind: 'statement' })).toEqual(['finance@example.com']);
        expect(receivers(statements, { kind: 'team-statement', team: 'search' })).toEqual(['finance@example.com']);
        expect(receivers(statements, { kind: 'team-statement', team: 'payments' })).toEqual([]);
      });

      it('gets one alerts subscription whose $or lists its lead filter and the platform alternatives, flattened', () => {
        const { stack: s, template: t } = overlapping();
        const alerts = subscriptionsTo(s, t, s.topics.alerts);
        expect(alerts.get('data-lead@example.com')).toEqual({ $or: [{ team: ['data-platform'] }, { kind: ['shadow-ai'] }, { team: ['organization', 'unallocated'] }] });
        expect(alerts.get('platform-team@example.com')).toEqual(PLATFORM_ALERTS);
        // The other leads' filters are unchanged, and finance@ is on the alerts topic only as search's lead.
        expect(alerts.get('Finance@example.com')).toEqual({ team: ['search'] });
        expect(alerts.get('payments-lead@example.com')).toEqual({ team: ['payments'] });
        expect(alerts.size).toBe(6);
      });

      it('is subscribed with exactly the policies the exported helpers compute (what the README shows)', () => {
        const { stack: s, template: t } = overlapping();
        const config = overlappingConfig();
        expect(subscriptionsTo(s, t, s.topics.alerts)).toEqual(alertSubscriptions(config));
        expect(subscriptionsTo(s, t, s.topics.statements)).toEqual(statementSubscriptions(config));
      });
    });

    it.each([
      ['the repository config', () => ({ stack, template, config: testConfig() })],
      ['a lead who is also platform', () => ({ ...overlapping(), config: overlappingConfig() })],
    ])('route every alert to the right people under SNS filter semantics (%s)', (_name, setup) => {
      // Prepare: each synthesized alerts-topic filter policy, as SNS would evaluate it (the local SNS's matcher).
      const { stack: s, template: t, config } = setup();
      const alerts = subscriptionsTo(s, t, s.topics.alerts);
      const platform = [...new Set(config.alerts.platformEmails.map((e) => e.toLowerCase()))].sort();
      const teamAlerts = (team: string): Record<string, string>[] => [
        { team, kind: 'threshold', severity: 'warning', threshold: '80' },
        { team, kind: 'forecast', severity: 'warning' },
        { team, kind: 'anomaly', severity: 'critical', provider: 'openai', model: 'gpt-4o' },
        { team, kind: 'unit-cost', severity: 'warning', provider: 'anthropic', model: 'claude-sonnet-4' },
        { team, kind: 'digest', severity: 'warning' },
      ];
      const led = new Map([...teamsByLeadEmail(config)].map(([email, teams]) => [email.toLowerCase(), teams]));
      // Act / Assess: every subscriber receives the alerts of the teams it leads and no other team's (none, for platform only).
      for (const email of [...alerts.keys()].map((e) => e.toLowerCase())) {
        for (const team of config.teams.map((x) => x.id)) {
          for (const attributes of teamAlerts(team)) {
            expect(receivers(alerts, attributes).includes(email), `${email} ← ${JSON.stringify(attributes)}`).toBe(led.get(email)?.includes(team) ?? false);
          }
        }
      }
      // The platform audience receives shadow-AI (unmapped spend, and a watched model one team used) and organisation alerts.
      const platformAlerts: Record<string, string>[] = [
        { team: 'unallocated', kind: 'shadow-ai', severity: 'warning', provider: 'openai' },
        { team: 'search', kind: 'shadow-ai', severity: 'warning', provider: 'openai', model: 'o1-pro' },
        { team: 'organization', kind: 'threshold', severity: 'critical', threshold: '100' },
        { team: 'organization', kind: 'forecast', severity: 'warning' },
        { team: 'organization', kind: 'digest', severity: 'warning' },
      ];
      for (const attributes of platformAlerts) expect(receivers(alerts, attributes), JSON.stringify(attributes)).toEqual(expect.arrayContaining(platform));
      // Nobody but the platform audience receives unallocated spend's alerts, nor its digest.
      for (const kind of ['shadow-ai', 'digest']) expect(receivers(alerts, { team: 'unallocated', kind, severity: 'warning' })).toEqual(platform);
    });
  });
});
