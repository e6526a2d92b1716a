import { setTimeout as wait } from 'node:timers/promises';
import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, type AthenaClient } from '@aws-sdk/client-athena';
import { beforeDeadline } from '../../../lib/deadline';
import type { AthenaTarget } from './glue-table';

/** An Athena query that failed, was cancelled, passed its scan limit or ran past the run's deadline; names the workgroup and query. */
export class AthenaQueryError extends Error {
  override readonly name = 'AthenaQueryError';
}

/** A finished query's rows (header row removed; a NULL is null) by column name, and what it scanned. */
export interface QueryAnswer {
  queryId: string;
  columns: string[];
  rows: (string | null)[][];
  bytesScanned: number;
  /** Requests made: start, polls, result pages. */
  requests: number;
}

/** Polling waits: 250 ms, doubling, at most 5 s; never past the deadline. */
const FIRST_WAIT_MS = 250;
const MAX_WAIT_MS = 5000;
/** GetQueryResults' largest page (the API's limit). */
const PAGE_ROWS = 1000;

/**
 * Runs one query in the workgroup and reads all of its result: StartQueryExecution, GetQueryExecution until the
 * state is final (waits with backoff, bounded by `deadline`), then GetQueryResults page by page (NextToken); the
 * first row of the first page is the header. A FAILED or CANCELLED query (the workgroup's bytes-scanned cutoff
 * cancels one) throws, naming the workgroup, the query id and Athena's reason.
 * @param deadline epoch ms by which every request has ended (the run's), or undefined
 */
export async function runQuery(athena: AthenaClient, target: AthenaTarget, sql: string, deadline: number | undefined, sleep: (ms: number) => Promise<unknown> = wait): Promise<QueryAnswer> {
  let requests = 0;
  const where = (id?: string) => `Athena workgroup ${target.workgroup}${id ? `, query ${id}` : ''}`;
  const send = <T>(what: string, id: string | undefined, call: (signal?: AbortSignal) => Promise<T>): Promise<T> => {
    requests += 1;
    return beforeDeadline(
      deadline,
      async (signal) => {
        try {
          return await call(signal);
        } catch (error) {
          throw new AthenaQueryError(`${where(id)}: ${what} failed: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
        }
      },
      {
        notStarted: () => new AthenaQueryError(`${where(id)}: ${what} not sent, no time left before the run's deadline${id ? ' (the query may still run; nothing is stored)' : ''}`),
        expired: () => new AthenaQueryError(`${where(id)}: ${what} stopped at the run's deadline`),
      },
    );
  };
  const options = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});
  const started = await send('StartQueryExecution', undefined, (signal) =>
    athena.send(new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: target.workgroup, QueryExecutionContext: { Database: target.database } }), options(signal)),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new AthenaQueryError(`${where()}: StartQueryExecution returned no QueryExecutionId`);
  let pause = FIRST_WAIT_MS;
  let bytesScanned = 0;
  for (;;) {
    const answer = await send('GetQueryExecution', id, (signal) => athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }), options(signal)));
    const execution = answer.QueryExecution;
    const state = execution?.Status?.State;
    bytesScanned = execution?.Statistics?.DataScannedInBytes ?? 0;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED') {
      const reason = execution?.Status?.AthenaError?.ErrorMessage ?? execution?.Status?.StateChangeReason ?? 'no reason given';
      throw new AthenaQueryError(`${where(id)}: query ${state} after scanning ${bytesScanned} bytes: ${reason}; nothing is stored`);
    }
    if (state !== 'QUEUED' && state !== 'RUNNING') throw new AthenaQueryError(`${where(id)}: GetQueryExecution returned state ${String(state)}, expected QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED`);
    if (deadline !== undefined && Date.now() + pause >= deadline) throw new AthenaQueryError(`${where(id)}: still ${state} at the run's deadline; nothing is stored`);
    await sleep(pause);
    pause = Math.min(pause * 2, MAX_WAIT_MS);
  }
  let columns: string[] | undefined;
  const rows: (string | null)[][] = [];
  let token: string | undefined;
  do {
    const page = await send('GetQueryResults', id, (signal) =>
      athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: PAGE_ROWS, ...(token ? { NextToken: token } : {}) }), options(signal)),
    );
    const data = (page.ResultSet?.Rows ?? []).map((row) => (row.Data ?? []).map((d) => d.VarCharValue ?? null));
    if (!columns) {
      columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
      const header = data.shift();
      if (!header || header.join('\u0000') !== columns.join('\u0000')) throw new AthenaQueryError(`${where(id)}: the first result row is not the header (${JSON.stringify(header)}; columns ${JSON.stringify(columns)})`);
    }
    rows.push(...data);
    token = page.NextToken;
  } while (token);
  return { queryId: id, columns: columns ?? [], rows, bytesScanned, requests };
}
