/*
 * A month's statement and its files, as the local run writes them.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Chargeback } from '../../functions/domain/chargeback/chargeback';
import { withAdjustments, type AdjustedChargeback } from '../../functions/domain/chargeback/month-close';
import { renderStatementText, renderTeamStatementText } from '../../functions/domain/statements/statement-text';
import type { SentAlert, StatementFile } from '../../functions/ports/ports';
import { monthChargeback } from '../../functions/use-cases/month-chargeback';
import { EmptyMonthError, publishStatement, type PublishedStatement, type StatementDeps } from '../../functions/use-cases/publish-statement';

/**
 * Writes a month's files: chargeback.json, the four statement files as the statement job archives them
 * (statement.txt, statement.csv, statement.html, focus.csv), each opted-in team's statement, and
 * alerts.jsonl (every alert sent for the month, in the order they fired). Returns the folder and the names of
 * the files written in it, for the run's summary.
 */
export function writeMonth(
  out: string,
  month: string,
  chargeback: AdjustedChargeback,
  files: readonly StatementFile[],
  alerts: SentAlert[],
  teamsWithStatements: readonly string[],
): { dir: string; names: string[] } {
  const dir = join(out, month);
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  const write = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    names.push(name);
  };
  write('chargeback.json', `${JSON.stringify(chargeback, null, 2)}\n`);
  for (const file of files) write(file.name, file.body);
  // Teams that opted in (statementToLeads) also get their own statement, as their leads receive it.
  for (const team of teamsWithStatements) write(`statement.${team}.txt`, renderTeamStatementText(chargeback, team));
  // The ledger lists alerts by key; a reader follows the month as it happened.
  const fired = [...alerts].sort((a, b) => a.firedAt.localeCompare(b.firedAt) || a.key.localeCompare(b.key));
  const lines = fired.map((a) => JSON.stringify({ topic: 'alerts', subject: a.subject, message: a.body, attributes: a.attributes, key: a.key, firedAt: a.firedAt }));
  write('alerts.jsonl', lines.join('\n') + (lines.length ? '\n' : ''));
  return { dir, names };
}

/** The month's statement as the statement job makes it on demand; undefined when nothing was ingested for it. */
export async function statementOf(deps: StatementDeps, month: string): Promise<PublishedStatement | undefined> {
  try {
    return await publishStatement(deps, month, 'on-demand');
  } catch (error) {
    if (error instanceof EmptyMonthError) return undefined;
    throw error;
  }
}

/**
 * Why a month must not close on this run: it is final and not closed yet, and some source's last ingestion of
 * it failed or held a shrink back. Undefined when it may be written (open months are written with what is
 * stored, held days included, as the run summary says).
 */
export async function heldBackClose(deps: StatementDeps, month: string, today: string): Promise<string | undefined> {
  if (!deps.state || (await deps.closed.list()).some((c) => c.month === month)) return undefined;
  const incomplete = (await deps.state.listMonthHealth(month)).filter((h) => h.status !== 'complete');
  if (incomplete.length === 0) return undefined;
  const { chargeback, empty } = await monthChargeback(deps, month, today);
  if (empty || chargeback.status !== 'final') return undefined;
  return `${month} is final but not closed: its last ingestion was not complete (${incomplete.map((h) => `${h.source} ${h.status}${h.detail ? `: ${h.detail}` : ''}`).join('; ')}); a run after a complete ingestion closes it`;
}

/** A $0.00 preliminary statement for a month with no data (printed with a note, never closed). */
export function emptyStatement(chargeback: Chargeback): { chargeback: AdjustedChargeback; text: string } {
  const adjusted = withAdjustments(chargeback, []);
  return { chargeback: adjusted, text: renderStatementText(adjusted) };
}
