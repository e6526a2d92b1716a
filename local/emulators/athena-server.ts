import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AthenaSqlEngine, EngineError, type EngineAnswer, type GlueTableDefinition } from './athena-engine';
import { closeServer, header, listenOnLoopback, readBody } from './loopback';

/**
 * A loopback Amazon Athena for tests and the local run: `StartQueryExecution`, `GetQueryExecution` and
 * `GetQueryResults`, in Athena's JSON 1.1 protocol (`POST /`, `X-Amz-Target: AmazonAthena.<Operation>`,
 * `Content-Type: application/x-amz-json-1.1`; errors as `{ "__type": "InvalidRequestException", "Message" }`,
 * HTTP 400), answering with the shapes of the AWS SDK's Athena model (`@aws-sdk/client-athena`, generated from
 * the same service model as botocore's `athena/2017-05-18/service-2.json`). The SQL runs on DuckDB over the
 * local S3 server's Parquet files (`athena-engine.ts`); the real client reaches it through its `endpoint`
 * option or `AWS_ENDPOINT_URL_ATHENA`.
 *
 * StartQueryExecution needs a `ClientRequestToken` (32 to 128 characters; the SDK generates one and keeps it across
 * its retries) and is idempotent on it, as the model documents: the same token and query return the same query id,
 * the same token with another query is refused (the wording of both refusals is the emulator's own).
 *
 * A query is QUEUED when started, RUNNING at the first poll, then SUCCEEDED or FAILED once the engine is done,
 * with `Statistics.DataScannedInBytes`. A query that scans more than its workgroup's `bytesScannedCutoff` is
 * CANCELLED, as Athena documents for the per-query data usage control (its exact StateChangeReason text is not
 * documented; the emulator's is its own). Results come as rows of `{ VarCharValue }` (a NULL is `{}`), the first
 * row of the first page the column names, `ResultSetMetadata.ColumnInfo` on every page, at most `MaxResults`
 * rows (1 to 1000, default 1000) a page, and `NextToken` while rows remain.
 */

/** A workgroup the emulator knows, and its per-query scan limit (bytes). */
export interface EmulatedWorkgroup {
  name: string;
  bytesScannedCutoff?: number;
}

export interface AthenaServerOptions {
  workgroups: EmulatedWorkgroup[];
  tables: GlueTableDefinition[];
  /** The local S3 server's objects, by `"<bucket>/<key>"`. */
  objects: () => Iterable<[string, { body: string | Uint8Array }]>;
  port?: number;
  /**
   * Answer an empty string as a NULL (`{}`). AWS does not document how GetQueryResults writes an empty string; the
   * emulator writes `{ VarCharValue: "" }` by default, and tests use this to prove the engine works either way.
   */
  blankAsNull?: boolean;
}

/** One query as the emulator holds it. */
interface Execution {
  id: string;
  sql: string;
  workgroup: string;
  database: string | undefined;
  submitted: Date;
  polls: number;
  done?: { answer?: EngineAnswer; error?: string; cancelled?: boolean; at: Date };
}

export interface AthenaServer {
  url: string;
  /** Every query started, in order, as it stands now. */
  queries(): { id: string; sql: string; workgroup: string; state: string; bytesScanned: number }[];
  /** Operations received, in order (`StartQueryExecution`, …). */
  operations: string[];
  close(): Promise<void>;
}

class AthenaApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const PAGE_MAX = 1000;

export async function startAthenaServer(options: AthenaServerOptions): Promise<AthenaServer> {
  const engine = new AthenaSqlEngine(options.tables, options.objects);
  const executions = new Map<string, Execution>();
  // StartQueryExecution is idempotent per ClientRequestToken: a retried request gets the same query back.
  const byToken = new Map<string, Execution>();
  const operations: string[] = [];
  // Queries run one at a time, in order (DuckDB's one connection), as they are started.
  let queue: Promise<void> = Promise.resolve();

  const stateOf = (e: Execution) => (e.done ? (e.done.cancelled ? 'CANCELLED' : e.done.error ? 'FAILED' : 'SUCCEEDED') : e.polls === 0 ? 'QUEUED' : 'RUNNING');

  const start = (body: Record<string, unknown>) => {
    const sql = body.QueryString;
    if (typeof sql !== 'string' || sql.length < 1 || sql.length > 262144) throw new AthenaApiError('InvalidRequestException', 'QueryString: expected 1 to 262144 characters');
    // The model's IdempotencyToken: 32 to 128 characters; the SDKs fill it in, and a caller without one fails.
    const token = body.ClientRequestToken;
    if (typeof token !== 'string' || token.length < 32 || token.length > 128) throw new AthenaApiError('InvalidRequestException', 'ClientRequestToken: expected 32 to 128 characters');
    const earlier = byToken.get(token);
    if (earlier) {
      if (earlier.sql !== sql) throw new AthenaApiError('InvalidRequestException', 'ClientRequestToken: already used for a different query');
      return { QueryExecutionId: earlier.id };
    }
    const name = typeof body.WorkGroup === 'string' ? body.WorkGroup : 'primary';
    const workgroup = options.workgroups.find((w) => w.name === name);
    if (!workgroup) throw new AthenaApiError('InvalidRequestException', `WorkGroup ${name} is not found.`);
    const context = body.QueryExecutionContext as { Database?: unknown } | undefined;
    const execution: Execution = { id: randomUUID(), sql, workgroup: name, database: typeof context?.Database === 'string' ? context.Database : undefined, submitted: new Date(), polls: 0 };
    executions.set(execution.id, execution);
    byToken.set(token, execution);
    queue = queue.then(async () => {
      try {
        const answer = await engine.run(sql, execution.database);
        const cutoff = workgroup.bytesScannedCutoff;
        execution.done = cutoff !== undefined && answer.bytesScanned > cutoff ? { answer, cancelled: true, at: new Date() } : { answer, at: new Date() };
      } catch (error) {
        execution.done = { error: error instanceof EngineError ? error.message : `INTERNAL_ERROR: ${(error as Error).message}`, at: new Date() };
      }
    });
    return { QueryExecutionId: execution.id };
  };

  const find = (body: Record<string, unknown>): Execution => {
    const id = body.QueryExecutionId;
    if (typeof id !== 'string' || id === '') throw new AthenaApiError('InvalidRequestException', 'QueryExecutionId: expected a query execution id');
    const execution = executions.get(id);
    if (!execution) throw new AthenaApiError('InvalidRequestException', `QueryExecution ${id} was not found`);
    return execution;
  };

  const describe = (body: Record<string, unknown>) => {
    const e = find(body);
    const state = stateOf(e);
    e.polls += 1;
    const scanned = e.done?.answer?.bytesScanned ?? 0;
    const cutoff = options.workgroups.find((w) => w.name === e.workgroup)?.bytesScannedCutoff;
    const reason = e.done?.cancelled ? `Query cancelled: it scanned ${scanned} bytes, over the workgroup's per-query data usage limit of ${cutoff} bytes` : e.done?.error;
    return {
      QueryExecution: {
        QueryExecutionId: e.id,
        Query: e.sql,
        StatementType: 'DML',
        QueryExecutionContext: e.database ? { Database: e.database, Catalog: 'awsdatacatalog' } : {},
        Status: {
          State: state,
          SubmissionDateTime: e.submitted.getTime() / 1000,
          ...(e.done ? { CompletionDateTime: e.done.at.getTime() / 1000 } : {}),
          ...(reason && e.done ? { StateChangeReason: reason, AthenaError: { ErrorCategory: e.done.cancelled ? 1 : 2, ErrorType: e.done.cancelled ? 1004 : 1000, Retryable: false, ErrorMessage: reason } } : {}),
        },
        Statistics: { DataScannedInBytes: e.done ? scanned : 0, EngineExecutionTimeInMillis: e.done ? Math.max(1, e.done.at.getTime() - e.submitted.getTime()) : 0 },
        WorkGroup: e.workgroup,
        EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
      },
    };
  };

  const results = (body: Record<string, unknown>) => {
    const e = find(body);
    const state = stateOf(e);
    if (state !== 'SUCCEEDED' || !e.done?.answer) throw new AthenaApiError('InvalidRequestException', `Query has not yet finished. Current state: ${state}`);
    const max = body.MaxResults ?? PAGE_MAX;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > PAGE_MAX) throw new AthenaApiError('InvalidRequestException', `MaxResults: expected 1 to ${PAGE_MAX}`);
    const answer = e.done.answer;
    // Row 0 is the header; the token is the next row's index in that list.
    const all = [answer.columns.map((c) => c.name), ...answer.rows];
    let from = 0;
    if (body.NextToken !== undefined) {
      const token = /^(.+):(\d+)$/.exec(String(body.NextToken));
      if (!token || token[1] !== e.id || Number(token[2]) >= all.length) throw new AthenaApiError('InvalidRequestException', 'NextToken: not a token of this query');
      from = Number(token[2]);
    }
    const next = from + max;
    return {
      UpdateCount: 0,
      ResultSet: {
        Rows: all.slice(from, next).map((row) => ({ Data: row.map((v) => (v === null || (v === '' && options.blankAsNull) ? {} : { VarCharValue: v })) })),
        ResultSetMetadata: {
          ColumnInfo: answer.columns.map((c) => ({ CatalogName: 'hive', SchemaName: '', TableName: '', Name: c.name, Label: c.name, Type: c.type, Precision: c.precision, Scale: c.scale, Nullable: 'UNKNOWN', CaseSensitive: c.type === 'varchar' })),
        },
      },
      ...(next < all.length ? { NextToken: `${e.id}:${next}` } : {}),
    };
  };

  const handlers: Record<string, (body: Record<string, unknown>) => unknown> = { StartQueryExecution: start, GetQueryExecution: describe, GetQueryResults: results };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
        res.end(JSON.stringify(value));
      };
      try {
        const target = header(req, 'x-amz-target') ?? '';
        const operation = target.startsWith('AmazonAthena.') ? target.slice('AmazonAthena.'.length) : '';
        operations.push(operation || target);
        const text = await readBody(req);
        if (req.method !== 'POST' || !handlers[operation]) throw new AthenaApiError('UnknownOperationException', `the local Athena server does not implement ${target || '(no X-Amz-Target)'}`);
        if (!(header(req, 'content-type') ?? '').startsWith('application/x-amz-json-1.1')) throw new AthenaApiError('InvalidRequestException', 'expected Content-Type application/x-amz-json-1.1');
        let body: unknown;
        try {
          body = JSON.parse(text || '{}');
        } catch {
          throw new AthenaApiError('SerializationException', 'the request body is not JSON');
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AthenaApiError('SerializationException', 'expected a JSON object');
        send(200, handlers[operation]!(body as Record<string, unknown>));
      } catch (error) {
        if (error instanceof AthenaApiError) send(400, { __type: error.type, Message: error.message });
        else send(500, { __type: 'InternalServerException', Message: (error as Error).message });
      }
    })();
  });
  const url = await listenOnLoopback(server, options.port);
  return {
    url,
    operations,
    queries: () => [...executions.values()].map((e) => ({ id: e.id, sql: e.sql, workgroup: e.workgroup, state: stateOf(e), bytesScanned: e.done?.answer?.bytesScanned ?? 0 })),
    async close() {
      await queue;
      await closeServer(server);
    },
  };
}
