import { compareResults, survived, type Comparison, type WorldResult } from './chaos-results';
import type { ChaosFault } from './chaos-faults';
import type { LocalRun } from './chaos-run';
import { SOURCE_NAMES, type ChaosSource } from './chaos-world';
import type { PublishedMessage } from '../emulators/sns-server';

/*
 * How `npm run chaos` judges a trial: after a kill, the re-runs must end well and the history as the reference's;
 * a faulted run must end in time and fail in words that name the source and what happened, or succeed with the
 * reference's money or a shrink held and said.
 */

export /** A run still going this long after its deadline has hung. */
const HANG_MARGIN_MS = 20_000;

/** Words a failure must use to say what happened, per fault (a stall ends at the deadline, and says so). */
const FAULT_WORDS: Record<ChaosFault, RegExp> = {
  'http-500': /HTTP 500/,
  'http-429': /retry after \d+ s|HTTP 429/i,
  'http-401': /HTTP 401/,
  reset: /ECONNRESET|reset/i,
  'truncated-body': /aborted|terminated|UND_ERR_SOCKET|premature|cut short/i,
  'wrong-shape': /expected/,
  'stall-headers': /deadline/,
  'stall-body': /deadline/,
  'empty-lists': /shrink|expected|returned no (result|bucket|row)/,
};

export /** What one trial found. */
interface TrialOutcome {
  comparison: Comparison;
  unclear?: string;
  hang?: string;
  held?: boolean;
}

/** After a kill: every later run must end well, and the history must end as the reference's. */
export function judgeRecovery(later: LocalRun[], result: WorldResult, reference: WorldResult, inFlight: PublishedMessage[]): TrialOutcome {
  const hung = later.find((r) => r.hung);
  const failed = later.find((r) => r.code !== 0);
  return {
    comparison: compareResults(result, reference, inFlight),
    ...(hung ? { hang: 'a re-run after the kill hung' } : {}),
    ...(failed && !hung ? { unclear: `a re-run after the kill failed (exit ${failed.code}): ${lastLines(failed.stderr)}` } : {}),
  };
}

/**
 * A faulted run must end within its deadline (plus the margin), and either fail naming the source and what
 * happened, or succeed
 * with the reference's money, or with the stored days held and the shrink said; the clean run after it must end
 * the history as the reference's.
 */
export function judgeFault(source: ChaosSource, kind: ChaosFault, faulted: LocalRun, faultedResult: WorldResult, followUp: LocalRun, result: WorldResult, reference: WorldResult): TrialOutcome {
  const comparison = compareResults(result, reference);
  if (faulted.hung) return { comparison, hang: `the faulted run had not ended ${HANG_MARGIN_MS / 1000} s past its deadline (${(faulted.ms / 1000).toFixed(1)} s)` };
  if (followUp.hung) return { comparison, hang: 'the clean run after the fault hung' };
  if (followUp.code !== 0) return { comparison, unclear: `the clean run after the fault failed (exit ${followUp.code}): ${lastLines(followUp.stderr)}` };
  if (faulted.code !== 0) {
    if (!SOURCE_NAMES[source].test(faulted.stderr)) return { comparison, unclear: `the faulted run failed without naming ${source}: ${lastLines(faulted.stderr)}` };
    if (!FAULT_WORDS[kind].test(faulted.stderr)) return { comparison, unclear: `the faulted run failed without saying what happened (${kind}): ${lastLines(faulted.stderr)}` };
    return { comparison, ...(kind === 'empty-lists' ? { held: /shrink-held/.test(faulted.stderr) } : {}) };
  }
  const held = /shrink|held/i.test(faulted.stdout + faulted.stderr);
  const same = JSON.stringify(faultedResult.totals) === JSON.stringify(reference.totals);
  if (!same && !held) return { comparison, unclear: `the faulted run exited 0 with different totals and no word of it: ${JSON.stringify(faultedResult.totals)}` };
  return { comparison, ...(held ? { held: true } : {}) };
}

/** A trial's line in the log: survived (with what was held or resent) or what went wrong. */
export function verdict(o: TrialOutcome): string {
  if (!survivedTrial(o)) return `NOT SURVIVED: ${describe(o)}`;
  return [o.unclear ? `survived, but unclear: ${o.unclear}` : 'survived', o.held ? 'shrink held' : '', o.comparison.resentAfterCrash.length ? `resent ${o.comparison.resentAfterCrash.join(', ')}` : ''].filter(Boolean).join('; ');
}

/** No hang, and nothing differs from the reference but the documented repeat. */
export function survivedTrial(o: TrialOutcome): boolean {
  return !o.hang && survived(o.comparison);
}

/** Everything that went wrong in a trial, in words. */
export function describe(o: TrialOutcome): string {
  const c = o.comparison;
  return [
    o.hang,
    o.unclear,
    ...c.money.map((m) => `money ${m}`),
    ...c.files.map((f) => `file ${f}`),
    ...c.lostStatements.map((s) => `statement never sent: ${s}`),
    ...c.statementsTwice.map((s) => `statement ${s}`),
    ...c.lostAlerts.map((a) => `alert lost: ${a}`),
    ...c.wrongLevel.map((a) => `alert ${a}`),
  ]
    .filter(Boolean)
    .join('; ');
}

/** The last lines of a run's output, for a verdict. */
export function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' / ').slice(0, 400);
}
