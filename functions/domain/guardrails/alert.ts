import type { BuiltInProvider, Provider } from '../records/cost-record';
import type { AlertAttributes } from './alert-attributes';

/** The kinds of alert costline sends; subscriptions filter on the `kind` attribute. */
export const ALERT_KINDS = ['threshold', 'forecast', 'anomaly', 'shadow-ai', 'unit-cost'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** A message for the alerts topic, with the attributes subscription filter policies match on. */
export interface AlertMessage {
  /** Stable identity: the same alert has the same key however often evaluation runs. */
  key: string;
  month: string;
  subject: string;
  body: string;
  attributes: AlertAttributes;
}

/** An alert with the scope and level that make its key, ready for the once-only ledger. */
export interface GuardrailAlert extends AlertMessage {
  kind: AlertKind;
  /** `team:search`, `team:search/model:gpt-4o*`, `organization:ai`, `shadow-ai`. */
  scope: string;
  /** Threshold percent, forecast level, day (anomalies), or the id (shadow AI). */
  level: string;
  /** Higher ranks of the same kind and scope supersede lower ones (escalation). */
  rank: number;
  /** The machine-readable form for chat and ticket integrations. */
  json: AlertJson;
  /**
   * Keys of alerts that already say the same thing: when one of them was sent, this one is not (a team's
   * anomaly the morning after the hourly job reported its top model's spike).
   */
  coveredBy?: string[];
}

/**
 * The JSON form: an AWS Chatbot custom notification (so a Chatbot-subscribed topic posts it to Slack or
 * Teams as is), with costline's fields in `metadata.additionalContext` for webhooks and tickets.
 */
export interface AlertJson {
  version: '1.0';
  source: 'custom';
  id: string;
  content: { textType: 'client-markdown'; title: string; description: string; keywords: string[] };
  metadata: { threadId: string; summary: string; eventType: AlertKind; additionalContext: Record<string, string> };
}

/** Built-in provider names as alert texts spell them. */
const PROVIDER_NAMES: Record<BuiltInProvider, string> = { aws: 'AWS', openai: 'OpenAI', anthropic: 'Anthropic' };

/** A provider's name as alert texts spell it: a FOCUS file's provider by its id (`microsoft`). */
export function providerLabel(provider: Provider): string {
  return Object.hasOwn(PROVIDER_NAMES, provider) ? PROVIDER_NAMES[provider as BuiltInProvider] : provider;
}

/** The alert's JSON form, with `facts` (its figures) added to the attributes in its additional context. */
export function jsonOf(alert: Omit<GuardrailAlert, 'json'>, facts: Record<string, string>): AlertJson {
  const description = alert.body.split('\n\n')[0]!;
  return {
    version: '1.0',
    source: 'custom',
    id: `${alert.month}#${alert.key}`,
    content: { textType: 'client-markdown', title: alert.subject, description, keywords: [alert.kind, alert.attributes.severity, alert.attributes.team] },
    metadata: { threadId: `costline#${alert.scope}#${alert.month}`, summary: alert.subject, eventType: alert.kind, additionalContext: { key: alert.key, month: alert.month, scope: alert.scope, ...alert.attributes, ...facts } },
  };
}

/** A guardrail alert with its subject clipped to SNS's 100-character limit and its JSON form. */
export function build(alert: Omit<GuardrailAlert, 'json' | 'subject'> & { subject: string }, facts: Record<string, string>): GuardrailAlert {
  const shaped = { ...alert, subject: alert.subject.length > 99 ? `${alert.subject.slice(0, 96)}...` : alert.subject };
  return { ...shaped, json: jsonOf(shaped, facts) };
}
