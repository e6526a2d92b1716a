import { monthOf } from '../records/dates';
import type { AlertMessage } from './alert';
import { alertAttributes, type Severity } from './alert-attributes';

/** The digest of alerts held back by the daily cap: one message per team and day. */
export function digestAlert(team: string, day: string, held: readonly AlertMessage[]): AlertMessage {
  const month = monthOf(day);
  const order: Severity[] = ['info', 'warning', 'critical'];
  const severity = held.reduce<Severity>((a, h) => (order.indexOf(h.attributes.severity) > order.indexOf(a) ? h.attributes.severity : a), 'info');
  const body = [
    `${held.length} more alert(s) for ${team} on ${day}, past the daily cap (alerts.dailyCap), rolled into this digest:`,
    '',
    ...held.map((h) => `  [${h.attributes.severity}] ${h.subject.replace(/^\[costline\] /, '')}`),
    '',
    'Each was recorded once and will not be sent again.',
  ].join('\n');
  return { key: `digest#team:${team}#${day}`, month, subject: `[costline] Digest: ${held.length} more alert(s) for ${team} on ${day}`.slice(0, 99), body, attributes: alertAttributes(team, 'digest', severity) };
}
