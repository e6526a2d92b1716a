import { ingestBilling, IngestionFailedError, type IngestDeps, type IngestOptions, type IngestSummary } from './ingest-billing';
import { evaluateBudgetAlerts, type EvaluateDeps, type MonthEvaluation } from './evaluate-budget-alerts';
import { withRunViews } from './run-view';

/** The scheduled job: ingest, then evaluate budgets for every month the ingestion touched. */
export interface DailyRunResult {
  ingestion: IngestSummary;
  evaluations: MonthEvaluation[];
}

/**
 * Ingests every source, then evaluates alerts on whatever was stored, even if a source failed (the
 * others' fresh data still deserves its alerts); then throws {@link IngestionFailedError} if any
 * source or the evaluation failed, carrying the ingestion summary (so per-source success is still
 * recorded), and the run fails loudly. Each month's records are read once: the evaluation sees them as
 * the ingestion left them.
 */
export async function runDailyIngestion(given: IngestDeps & EvaluateDeps, options: IngestOptions = {}): Promise<DailyRunResult> {
  const deps = withRunViews(given);
  const ingestion = await ingestBilling(deps, options);
  let evaluations: MonthEvaluation[];
  try {
    evaluations = await evaluateBudgetAlerts(deps, ingestion.months);
  } catch (cause) {
    throw new IngestionFailedError(ingestion, { cause });
  }
  if (ingestion.outcomes.some((o) => !o.ok)) throw new IngestionFailedError(ingestion);
  return { ingestion, evaluations };
}
