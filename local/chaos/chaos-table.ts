import { survivedTrial, type TrialOutcome } from './chaos-judge';

/*
 * The table `npm run chaos` prints: one row per fault or kill point, counting trials and what went wrong in them.
 */

export /** One row of the table. */
interface Row {
  name: string;
  tried: number;
  survived: number;
  money: number;
  unclear: number;
  hangs: number;
  lostStatements: number;
  lostAlerts: number;
  wrongLevel: number;
  /** Documented: a killed run's in-flight message sent once more. */
  resent: number;
  /** A held shrink, applied or dropped by the follow-up run. */
  held: number;
}

/** Counts a trial in its row. */
export function record(rows: Map<string, Row>, name: string, o: TrialOutcome): void {
  const row = rows.get(name) ?? { name, tried: 0, survived: 0, money: 0, unclear: 0, hangs: 0, lostStatements: 0, lostAlerts: 0, wrongLevel: 0, resent: 0, held: 0 };
  const c = o.comparison;
  row.tried += 1;
  row.survived += survivedTrial(o) ? 1 : 0;
  row.money += c.money.length > 0 ? 1 : 0;
  row.unclear += o.unclear ? 1 : 0;
  row.hangs += o.hang ? 1 : 0;
  row.lostStatements += c.lostStatements.length > 0 || c.statementsTwice.length > 0 ? 1 : 0;
  row.lostAlerts += c.lostAlerts.length > 0 ? 1 : 0;
  row.wrongLevel += c.wrongLevel.length > 0 ? 1 : 0;
  row.resent += c.resentAfterCrash.length > 0 ? 1 : 0;
  row.held += o.held ? 1 : 0;
  rows.set(name, row);
}

/** Prints the rows as a Markdown table, with a row of sums. */
export function printTable(rows: Row[]): void {
  const head = ['fault / kill point', 'tried', 'survived', 'lost/doubled $', 'unclear errors', 'hangs', 'lost statements', 'lost alerts', 'wrong-level alerts', 'resent after crash*', 'held shrinks'];
  const body = rows.map((r) => [r.name, r.tried, r.survived, r.money, r.unclear, r.hangs, r.lostStatements, r.lostAlerts, r.wrongLevel, r.resent, r.held].map(String));
  const sum = (i: number) => String(body.reduce((n, cells) => n + Number(cells[i]), 0));
  const all = [...body, ['all', ...head.slice(1).map((_, i) => sum(i + 1))]];
  const widths = head.map((h, i) => Math.max(h.length, ...all.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(`\n${line(head)}\n|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const cells of all) console.log(line(cells));
  console.log('* the message a killed run had in flight, sent once more by the next run: the documented at-least-once window.');
}
