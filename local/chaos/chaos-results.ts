import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PublishedMessage } from '../emulators/sns-server';
import { CHAOS_MONTH } from './chaos-world';

/*
 * What a history of chaos runs left, and how it compares with the reference history's: money to the cent, the
 * statement files, and every message SNS received.
 */

/** An alert as SNS received it: its scope (kind, month, scope) and level. */
export interface SentAlertRecord {
  /** `2026-10#threshold#team:search`, or the alert's key for one-level kinds. */
  scope: string;
  level: string;
  /** The level's rank within its scope (threshold percent, forecast over 1 / certain 2); undefined for one-level kinds. */
  rank?: number;
}

/** A statement as SNS received it. */
export interface SentStatementRecord {
  /** `finance` or the team's id. */
  part: string;
  month: string;
  status: string;
}

/** What a history of runs left: the month's chargeback and files, and what SNS received. */
export interface WorldResult {
  /** Per team, then `total` and `unallocated`; money to the cent. Undefined when no chargeback was written. */
  totals?: Record<string, string>;
  status?: string;
  /** The statement files of the month (statement.txt, .csv, .html, focus.csv, statement.<team>.txt), by name. */
  files: Record<string, string>;
  alerts: SentAlertRecord[];
  statements: SentStatementRecord[];
}

/** Reads what the runs into `out` wrote for the month, with the messages SNS received during their history. */
export function resultOf(out: string, messages: readonly PublishedMessage[]): WorldResult {
  const dir = join(out, CHAOS_MONTH);
  const files: Record<string, string> = {};
  let totals: Record<string, string> | undefined;
  let status: string | undefined;
  if (existsSync(join(dir, 'chargeback.json'))) {
    const chargeback = JSON.parse(readFileSync(join(dir, 'chargeback.json'), 'utf8')) as { status: string; total: string; unallocated: string; teams: Array<{ team: string; total: string }> };
    totals = { ...Object.fromEntries(chargeback.teams.map((t) => [t.team, t.total])), total: chargeback.total, unallocated: chargeback.unallocated };
    status = chargeback.status;
    for (const name of readdirSync(dir)) if (name.startsWith('statement') || name === 'focus.csv') files[name] = readFileSync(join(dir, name), 'utf8');
  }
  const sent = messages;
  return {
    ...(totals ? { totals } : {}),
    ...(status ? { status } : {}),
    files,
    alerts: sent.filter((m) => m.topicArn.endsWith(':costline-alerts')).map(alertRecord),
    statements: sent.filter((m) => m.topicArn.endsWith(':costline-statements')).map((m) => ({
      part: m.attributes.kind?.value === 'team-statement' ? (m.attributes.team?.value ?? '?') : 'finance',
      month: m.attributes.month?.value ?? '?',
      status: m.attributes.status?.value ?? '?',
    })),
  };
}

/** An alert's scope and level, from the JSON form the publisher sends beside the text (or its subject). */
function alertRecord(message: PublishedMessage): SentAlertRecord {
  const kind = message.attributes.kind?.value ?? '?';
  let context: { key?: string; month?: string; scope?: string } = {};
  if (message.messageStructure === 'json') {
    const bodies = JSON.parse(message.message) as Record<string, string>;
    if (bodies.lambda) context = (JSON.parse(bodies.lambda) as { metadata?: { additionalContext?: typeof context } }).metadata?.additionalContext ?? {};
  }
  const key = context.key ?? `${kind}#${message.subject ?? ''}`;
  const level = key.slice(key.lastIndexOf('#') + 1);
  if (kind === 'threshold' || kind === 'forecast') {
    const rank = kind === 'threshold' ? Number(level) : level === 'certain' ? 2 : 1;
    return { scope: `${context.month ?? '?'}#${kind}#${context.scope ?? key.slice(0, key.lastIndexOf('#'))}`, level, rank };
  }
  return { scope: `${context.month ?? '?'}#${key}`, level };
}

/** What differs between a result and the reference's, each list empty when nothing does. */
export interface Comparison {
  /** Teams (or total, unallocated) whose money differs: `search: 1234.56 != 1200.00 (reference)`. */
  money: string[];
  /** Statement files that differ or are missing. */
  files: string[];
  /** A level sent twice, or a lower level sent after a higher one of the same scope. */
  wrongLevel: string[];
  /** A scope the reference alerted whose highest level never reached SNS. */
  lostAlerts: string[];
  /** A final statement part the reference sent that never reached SNS. */
  lostStatements: string[];
  /** A final statement part that reached SNS more than once, beyond the one repeat a crash may cause. */
  statementsTwice: string[];
  /** Messages a killed run had sent that the next run sent again: the documented at-least-once window. */
  resentAfterCrash: string[];
}

/** What a sent message is, for telling a repeat: an alert's scope and level, or a statement's month and part. */
function sendKey(message: PublishedMessage): string {
  if (message.topicArn.endsWith(':costline-alerts')) {
    const a = alertRecord(message);
    return `alert ${a.scope} level ${a.level}`;
  }
  const kind = message.attributes.kind?.value;
  return `statement ${message.attributes.month?.value ?? '?'} ${kind === 'team-statement' ? (message.attributes.team?.value ?? '?') : 'finance'}`;
}

/**
 * Compares a history's result with the reference history's, to the cent and to the message. `inFlight`: the
 * last message each killed run got SNS to accept; the next run may send it once more (the one documented
 * at-least-once case: a run that dies after SNS accepted a message and before recording it), so one repeat of
 * each is listed in `resentAfterCrash` instead of counting as a level or statement sent twice.
 */
export function compareResults(result: WorldResult, reference: WorldResult, inFlight: readonly PublishedMessage[] = []): Comparison {
  const forgiven = new Map<string, number>();
  for (const m of inFlight) forgiven.set(sendKey(m), (forgiven.get(sendKey(m)) ?? 0) + 1);
  const resentAfterCrash: string[] = [];
  const forgive = (key: string) => {
    const left = forgiven.get(key) ?? 0;
    if (left > 0) forgiven.set(key, left - 1);
    if (left > 0) resentAfterCrash.push(key);
    return left > 0;
  };
  const money: string[] = [];
  if (!result.totals) money.push('no chargeback.json written');
  else if (reference.totals) {
    for (const name of new Set([...Object.keys(reference.totals), ...Object.keys(result.totals)])) {
      if (result.totals[name] !== reference.totals[name]) money.push(`${name}: ${result.totals[name] ?? 'missing'} != ${reference.totals[name] ?? 'missing'} (reference)`);
    }
  }
  const files = Object.keys(reference.files).filter((name) => result.files[name] !== reference.files[name]).map((name) => (result.files[name] === undefined ? `${name} missing` : `${name} differs`));
  if (result.status !== reference.status) files.push(`status ${result.status ?? 'missing'} != ${reference.status ?? 'missing'} (reference)`);

  const wrongLevel: string[] = [];
  const highest = (alerts: SentAlertRecord[]) => {
    const top = new Map<string, SentAlertRecord>();
    for (const a of alerts) if (!top.has(a.scope) || (a.rank ?? 0) > (top.get(a.scope)!.rank ?? 0)) top.set(a.scope, a);
    return top;
  };
  const seen = new Map<string, SentAlertRecord[]>();
  for (const alert of result.alerts) {
    const before = seen.get(alert.scope) ?? [];
    if (before.some((b) => b.level === alert.level)) {
      if (!forgive(`alert ${alert.scope} level ${alert.level}`)) wrongLevel.push(`${alert.scope} level ${alert.level} sent twice`);
    }
    else if (alert.rank !== undefined && before.some((b) => (b.rank ?? 0) > alert.rank!)) wrongLevel.push(`${alert.scope} level ${alert.level} sent after a higher level`);
    seen.set(alert.scope, [...before, alert]);
  }
  const mine = highest(result.alerts);
  const lostAlerts = [...highest(reference.alerts).values()].filter((a) => mine.get(a.scope)?.level !== a.level).map((a) => `${a.scope} level ${a.level} (sent: ${mine.get(a.scope)?.level ?? 'nothing'})`);

  // Final statements only: each run sends the open month's preliminary one, so a re-run sends it again by design.
  const part = (s: SentStatementRecord) => `${s.month} ${s.part}`;
  const counts = new Map<string, number>();
  for (const s of result.statements.filter((s) => s.status === 'final')) counts.set(part(s), (counts.get(part(s)) ?? 0) + 1);
  const lostStatements = [...new Set(reference.statements.filter((s) => s.status === 'final').map(part))].filter((p) => !counts.has(p));
  const statementsTwice = [...counts]
    .filter(([p, n]) => n > 1 && !(n === 2 && forgive(`statement ${p}`)))
    .map(([p, n]) => `${p} sent ${n} times`);
  return { money, files, wrongLevel, lostAlerts, lostStatements, statementsTwice, resentAfterCrash };
}

/** True when nothing differs but the documented repeat of a message a killed run had in flight. */
export function survived(c: Comparison): boolean {
  return [c.money, c.files, c.wrongLevel, c.lostAlerts, c.lostStatements, c.statementsTwice].every((list) => list.length === 0);
}
