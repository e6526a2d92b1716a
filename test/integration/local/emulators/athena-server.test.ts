import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { createClients } from '../../../../functions/app/compose';
import { bundledPriceBook } from '../../../../functions/domain/pricing/bundled-price-book';
import { AthenaExportsSource } from '../../../../functions/sources/data-exports/athena/athena-source';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery } from '../../../../functions/sources/data-exports/athena/athena-query';
import { exportGlueTable } from '../../../../local/emulators/athena-catalog';
import { startAthenaServer, type AthenaServer } from '../../../../local/emulators/athena-server';
import { startFaultProxy } from '../../../../local/emulators/fault-proxy';
import { EXPORT, MAY_ROWS, writeCurParquet } from '../../../fixtures/data-exports/cur2-fixture';
import { FIXTURES } from '../../../support/fixtures';

const target = { workgroup: 'costline-billing', database: 'costline_billing', table: 'cur2_line_items' };
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, 'athena', name), 'utf8')) as unknown;

/** A value's shape: the same keys (recursively), each value's type; arrays by their first element. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return typeof value;
}

describe('the loopback Athena server', () => {
  let athena: AthenaServer;
  const objects = new Map<string, { body: Uint8Array }>();
  const post = async (operation: string, body: Record<string, unknown>) => {
    // StartQueryExecution takes a ClientRequestToken (the SDK makes one); a fresh one unless the test gives its own.
    const sent = operation === 'StartQueryExecution' && !('ClientRequestToken' in body) ? { ...body, ClientRequestToken: randomUUID() } : body;
    const answer = await fetch(athena.url, { method: 'POST', headers: { 'x-amz-target': `AmazonAthena.${operation}`, 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(sent) });
    return { status: answer.status, type: answer.headers.get('content-type'), json: (await answer.json()) as Record<string, any> };
  };
  const finished = async (id: string) => {
    for (;;) {
      const { json } = await post('GetQueryExecution', { QueryExecutionId: id });
      if (!['QUEUED', 'RUNNING'].includes(json.QueryExecution.Status.State)) return json;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const client = () => new AthenaClient({ endpoint: athena.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  beforeAll(async () => {
    objects.set(`${EXPORT.bucket}/cur2/costline-cur2-daily/data/BILLING_PERIOD=2026-05/part-1.snappy.parquet`, { body: writeCurParquet(MAY_ROWS) });
    athena = await startAthenaServer({ workgroups: [{ name: target.workgroup }, { name: 'tight', bytesScannedCutoff: 100 }], tables: [exportGlueTable(EXPORT, target)], objects: () => objects });
  });
  afterAll(() => athena.close());

  it('answers StartQueryExecution and GetQueryExecution as documented: QUEUED at the first poll (RUNNING while the engine runs), then SUCCEEDED with bytes scanned', async () => {
    const start = await post('StartQueryExecution', { QueryString: `SELECT count(line_item_unblended_cost) AS n FROM "${target.database}"."${target.table}" WHERE billing_period IN ('2026-05')`, WorkGroup: target.workgroup, QueryExecutionContext: { Database: target.database } });
    expect(start.status).toBe(200);
    expect(start.type).toBe('application/x-amz-json-1.1');
    expect(shapeOf(start.json)).toEqual(shapeOf(fixture('start-query-execution.json')));
    const first = await post('GetQueryExecution', { QueryExecutionId: start.json.QueryExecutionId });
    expect(first.json.QueryExecution.Status.State).toBe('QUEUED');
    const done = await finished(start.json.QueryExecutionId);
    expect(shapeOf(done)).toEqual(shapeOf(fixture('get-query-execution-succeeded.json')));
    expect(done.QueryExecution.Statistics.DataScannedInBytes).toBeGreaterThan(0);
  });

  it('pages GetQueryResults: the header row first, MaxResults rows a page, NextToken while rows remain, NULL as {}', async () => {
    const start = await post('StartQueryExecution', { QueryString: `SELECT line_item_line_item_type AS t, CAST(NULL AS VARCHAR) AS nothing FROM "${target.database}"."${target.table}" ORDER BY t`, WorkGroup: target.workgroup });
    await finished(start.json.QueryExecutionId);
    const page1 = await post('GetQueryResults', { QueryExecutionId: start.json.QueryExecutionId, MaxResults: 10 });
    expect(shapeOf({ ...page1.json, ResultSet: { ...page1.json.ResultSet, Rows: page1.json.ResultSet.Rows.slice(0, 1) } })).toEqual(shapeOf({ ...(fixture('get-query-results-first-page.json') as object), ResultSet: { ...(fixture('get-query-results-first-page.json') as any).ResultSet, Rows: [(fixture('get-query-results-first-page.json') as any).ResultSet.Rows[0]] } }));
    expect(page1.json.ResultSet.Rows[0]).toEqual({ Data: [{ VarCharValue: 't' }, { VarCharValue: 'nothing' }] });
    expect(page1.json.ResultSet.Rows[1].Data[1]).toEqual({});
    expect(page1.json.ResultSet.Rows).toHaveLength(10);
    const page2 = await post('GetQueryResults', { QueryExecutionId: start.json.QueryExecutionId, MaxResults: 10, NextToken: page1.json.NextToken });
    expect(page2.json.ResultSet.Rows).toHaveLength(MAY_ROWS.length + 1 - 10);
    expect(page2.json.NextToken).toBeUndefined();
    expect(page2.json.ResultSet.Rows[0].Data[0].VarCharValue).not.toBe('t');
    expect((await post('GetQueryResults', { QueryExecutionId: start.json.QueryExecutionId, MaxResults: 1001 })).json).toEqual({ __type: 'InvalidRequestException', Message: 'MaxResults: expected 1 to 1000' });
  });

  it('runQuery (the engine client) reads every page through the SDK, the header dropped', async () => {
    const answer = await runQuery(client(), target, `SELECT line_item_usage_type AS u FROM "${target.database}"."${target.table}"`, Date.now() + 30_000, async () => undefined);
    expect(answer.columns).toEqual(['u']);
    expect(answer.rows).toHaveLength(MAY_ROWS.length);
  });

  it('fails a query on an unknown table (FAILED, with the reason), and a scan over the workgroup cutoff (CANCELLED), naming workgroup and query id', async () => {
    const start = await post('StartQueryExecution', { QueryString: `SELECT * FROM "${target.database}"."missing"`, WorkGroup: target.workgroup, QueryExecutionContext: { Database: target.database } });
    const failed = await finished(start.json.QueryExecutionId);
    expect(shapeOf(failed)).toEqual(shapeOf(fixture('get-query-execution-failed.json')));
    expect(failed.QueryExecution.Status.StateChangeReason).toMatch(/^TABLE_NOT_FOUND: Table 'awsdatacatalog.costline_billing.missing' does not exist/);
    await expect(runQuery(client(), target, `SELECT * FROM "${target.database}"."missing"`, undefined, async () => undefined)).rejects.toThrow(/^Athena workgroup costline-billing, query [0-9a-f-]{36}: query FAILED after scanning 0 bytes: TABLE_NOT_FOUND/);
    await expect(runQuery(client(), { ...target, workgroup: 'tight' }, `SELECT line_item_usage_type FROM "${target.database}"."${target.table}"`, undefined, async () => undefined)).rejects.toThrow(
      /^Athena workgroup tight, query [0-9a-f-]{36}: query CANCELLED after scanning \d+ bytes: Query cancelled: .* over the workgroup's per-query data usage limit of 100 bytes; nothing is stored$/,
    );
  });

  it("the engine's result never depends on telling NULL from an empty string (not documented for GetQueryResults): an empty currency fails the pull either way", async () => {
    const rows = [{ ...MAY_ROWS[0]!, line_item_currency_code: '' }, ...MAY_ROWS.slice(1)];
    const local = new Map([[`${EXPORT.bucket}/cur2/costline-cur2-daily/data/BILLING_PERIOD=2026-05/part-1.snappy.parquet`, { body: writeCurParquet(rows) }]]);
    for (const blankAsNull of [false, true]) {
      const server = await startAthenaServer({ workgroups: [{ name: target.workgroup }], tables: [exportGlueTable(EXPORT, target)], objects: () => local, blankAsNull });
      try {
        const source = new AthenaExportsSource(new AthenaClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), {
          target,
          tagKey: 'team',
          billingAccountId: '111111111111',
          priceBook: bundledPriceBook,
        });
        await expect(source.pull({ start: '2026-05-01', end: '2026-05-06' }, { now: new Date('2026-05-06T06:00:00Z') })).rejects.toThrow(/column line_item_currency_code is empty, expected a value/);
      } finally {
        await server.close();
      }
    }
  });

  it('is idempotent on ClientRequestToken, as the model documents, and refuses a start without one', async () => {
    const token = randomUUID();
    const sql = `SELECT count(*) AS n FROM "${target.database}"."${target.table}"`;
    const before = athena.queries().length;
    const first = await post('StartQueryExecution', { QueryString: sql, WorkGroup: target.workgroup, ClientRequestToken: token });
    const again = await post('StartQueryExecution', { QueryString: sql, WorkGroup: target.workgroup, ClientRequestToken: token });
    expect(again.json.QueryExecutionId).toBe(first.json.QueryExecutionId);
    expect(athena.queries()).toHaveLength(before + 1);
    const changed = await post('StartQueryExecution', { QueryString: `${sql} WHERE false`, WorkGroup: target.workgroup, ClientRequestToken: token });
    expect(changed.status).toBe(400);
    expect(changed.json.__type).toBe('InvalidRequestException');
    const without = await post('StartQueryExecution', { QueryString: sql, WorkGroup: target.workgroup, ClientRequestToken: undefined });
    expect(without.json).toEqual({ __type: 'InvalidRequestException', Message: 'ClientRequestToken: expected 32 to 128 characters' });
    await finished(first.json.QueryExecutionId);
  });

  it("retries Athena's throttling (TooManyRequestsException, the concurrent-query limit) with backoff, starting the query once", async () => {
    const proxy = await startFaultProxy({ target: athena.url });
    try {
      const throttled = JSON.stringify({ __type: 'TooManyRequestsException', Message: 'Rate exceeded', Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' });
      proxy.inject({ kind: 'http-429', retryAfterSeconds: 0, body: throttled, headers: { 'content-type': 'application/x-amz-json-1.1' } }, { times: 3, when: (r) => r.headers['x-amz-target'] === 'AmazonAthena.StartQueryExecution' });
      const { athena: composed } = createClients({ endpoints: { athena: proxy.url }, loopbackCredentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: 'us-east-1' });
      const before = athena.queries().length;
      const answer = await runQuery(composed, target, `SELECT count(*) AS n FROM "${target.database}"."${target.table}"`, Date.now() + 60_000, async () => undefined);
      expect(answer.rows).toEqual([[String(MAY_ROWS.length)]]);
      expect(proxy.requests.filter((r) => r.headers['x-amz-target'] === 'AmazonAthena.StartQueryExecution')).toHaveLength(4);
      expect(athena.queries()).toHaveLength(before + 1);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('refuses an unknown workgroup and query id as Athena does (InvalidRequestException), and a query past the deadline', async () => {
    expect((await post('StartQueryExecution', { QueryString: 'SELECT 1', WorkGroup: 'nope' })).json).toEqual({ __type: 'InvalidRequestException', Message: 'WorkGroup nope is not found.' });
    const missing = await post('GetQueryExecution', { QueryExecutionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE99999' });
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual(fixture('invalid-request.json'));
    await expect(runQuery(client(), { ...target, workgroup: 'nope' }, 'SELECT 1', undefined)).rejects.toThrow(/^Athena workgroup nope: StartQueryExecution failed: InvalidRequestException: WorkGroup nope is not found\.$/);
    await expect(runQuery(client(), target, 'SELECT 1', Date.now() - 1)).rejects.toThrow(/no time left before the run's deadline/);
    // The first poll always finds the query QUEUED; the next wait (250 ms) would pass a deadline 100 ms away.
    await expect(runQuery(client(), target, `SELECT 1 AS one FROM "${target.database}"."${target.table}"`, Date.now() + 100)).rejects.toThrow(
      /^Athena workgroup costline-billing, query [0-9a-f-]{36}: still QUEUED at the run's deadline; nothing is stored$/,
    );
  });
});
