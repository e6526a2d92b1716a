/*
 * What every local command runs on: the table, the local keys and topics, the quiet log, the local SNS.
 */

import { monthOf } from '../../functions/domain/records/dates';
import type { Log } from '../../functions/ports/ports';
import { startSnsServer } from '../emulators/sns-server';
import { UsageError } from './errors';

/** The local database's one table. */
export const TABLE = 'costline';
/** Keys the local provider servers accept; never real keys. */
export const LOCAL_KEYS = { openai: 'sk-admin-local-sample', anthropic: 'sk-ant-admin-local-sample' } as const;
/** The local alerts topic. */
export const ALERTS_TOPIC = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';
/** The local statements topic. */
export const STATEMENTS_TOPIC = 'arn:aws:sns:us-east-1:000000000000:costline-statements';

/**
 * What the ingestion logs when a source fails. The CLI prints each failed source once, from the run's summary,
 * with a hint; this log line and the summary's error message would say it twice more.
 */
const REPORTED_IN_SUMMARY = new Set(['source ingestion failed; its stored data is unchanged']);

/** The CLI's log: quiet unless something is wrong. */
export const log: Log = {
  info: () => undefined,
  warn: (message, ...extra) => console.warn(`warning: ${message}`, ...extra.map((e) => JSON.stringify(e))),
  error: (message, ...extra) => {
    if (!REPORTED_IN_SUMMARY.has(message)) console.error(`error: ${message}`, ...extra.map((e) => JSON.stringify(e, errorReplacer)));
  },
};

function errorReplacer(_key: string, value: unknown) {
  return value instanceof Error ? value.message : value;
}

/** The latest month of a list of days. */
export function latestMonth(days: string[]): string {
  return monthOf(days.reduce((a, b) => (a > b ? a : b)));
}

/**
 * The SNS the run publishes to: its own in-process one, or, when `COSTLINE_LOCAL_SNS_URL` names a loopback
 * server (test equipment: the crash and chaos runs count what every run sent, killed runs included), that one.
 */
export async function localSns(): Promise<{ url: string; close(): Promise<void> }> {
  const shared = process.env.COSTLINE_LOCAL_SNS_URL;
  if (shared === undefined || shared === '') return startSnsServer();
  const url = URL.canParse(shared) ? new URL(shared) : undefined;
  if (!url || url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new UsageError(`COSTLINE_LOCAL_SNS_URL: expected a loopback http URL such as http://127.0.0.1:4575, got "${shared}"`);
  }
  return { url: shared, close: async () => undefined };
}
