/**
 * The SNS message attributes every alert carries, which the alerts topic's subscription filter policies
 * match on: `team` (the recipient team, or one of {@link PLATFORM_TEAMS}), `kind` and `severity`; some
 * alerts add `threshold`, `provider` and `model`. One name each, for the domain that sets them and the
 * infrastructure that filters on them.
 */
export const ALERT_ATTRIBUTES = { team: 'team', kind: 'kind', severity: 'severity', threshold: 'threshold', provider: 'provider', model: 'model' } as const;

/**
 * `team` values of alerts addressed to no single team, which the platform audience receives:
 * `organization` (the organisation's AI budget, a watched model several teams use, a data shrink) and
 * `unallocated` (spend no rule maps).
 */
export const PLATFORM_TEAMS = { organization: 'organization', unallocated: 'unallocated' } as const;

/** How loud an alert is; subscriptions can filter on it. */
export type Severity = 'info' | 'warning' | 'critical';

/** An alert's message attributes: the three every alert has, and any others (`threshold`, `provider`, `model`). */
export type AlertAttributes = { [ALERT_ATTRIBUTES.team]: string; [ALERT_ATTRIBUTES.kind]: string; [ALERT_ATTRIBUTES.severity]: Severity } & Record<string, string>;

/** An alert's attributes, in the order every alert lists them: team, kind, severity, then the others. */
export function alertAttributes(team: string, kind: string, severity: Severity, others: Record<string, string> = {}): AlertAttributes {
  return { [ALERT_ATTRIBUTES.team]: team, [ALERT_ATTRIBUTES.kind]: kind, [ALERT_ATTRIBUTES.severity]: severity, ...others };
}
