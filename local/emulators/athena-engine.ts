import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { PARTITION_COLUMN } from '../../functions/sources/data-exports/athena/glue-table';

/**
 * The local Athena server's SQL engine: DuckDB (in process, in memory, Parquet built in, no extension loaded)
 * over the Parquet files the local S3 server holds. The one rewrite is the table reference: `"<db>"."<table>"` of
 * a Glue table it knows becomes a subquery over `read_parquet` of the table's files with hive partitioning, with
 * the Glue table's columns (a column no file has reads as NULL, as Athena reads Parquet by name) and its
 * partition key from the `BILLING_PERIOD=YYYY-MM` folders. The rest of the SQL runs as written, so what it
 * uses must mean the same in Trino and DuckDB (see athena-sql.ts).
 *
 * Time zone: this build has no ICU, so a timestamp with time zone converts to a timestamp (and a date) in UTC,
 * Athena's session zone.
 *
 * Bytes scanned are counted as Athena counts them, from the Parquet files: the compressed size of the column
 * chunks of the columns the query names, in the files of the partitions its `billing_period IN (…)` (or `=`)
 * names; every partition when it names none.
 */

/** A Glue table the engine knows: its columns with Hive types, and where its files are. */
export interface GlueTableDefinition {
  database: string;
  table: string;
  columns: readonly { name: string; type: string }[];
  /** The S3 location's bucket and key prefix, e.g. `cur2/costline-cur2-daily/data/`. */
  bucket: string;
  prefix: string;
}

/** A query's answer as Athena returns it: column names and types, each value as text or null. */
export interface EngineAnswer {
  columns: { name: string; type: string; precision: number; scale: number }[];
  rows: (string | null)[][];
  bytesScanned: number;
}

/** An error Athena would report for the query (the message as its StateChangeReason). */
export class EngineError extends Error {
  override readonly name = 'EngineError';
}

const DUCKDB_TYPES: Record<string, string> = { string: 'VARCHAR', double: 'DOUBLE', timestamp: 'TIMESTAMP', 'map<string,string>': 'MAP(VARCHAR, VARCHAR)' };

export class AthenaSqlEngine {
  private connection: Promise<DuckDBConnection> | undefined;

  constructor(
    private readonly tables: readonly GlueTableDefinition[],
    /** The objects' bytes by `"<bucket>/<key>"`, read at each query (the local S3 server's map). */
    private readonly objects: () => Iterable<[string, { body: string | Uint8Array }]>,
  ) {}

  private connect(): Promise<DuckDBConnection> {
    this.connection ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:', { threads: '1', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
      return instance.connect();
    })();
    return this.connection;
  }

  async run(sql: string, database: string | undefined): Promise<EngineAnswer> {
    const references = [...sql.matchAll(/"([^"]+)"\."([^"]+)"/g)];
    if (references.length === 0) throw new EngineError(`TABLE_NOT_FOUND: the query names no "database"."table" (the local Athena server reads only Glue tables by their full name)`);
    const dir = await mkdtemp(join(tmpdir(), 'costline-athena-'));
    try {
      let rewritten = sql;
      let bytesScanned = 0;
      for (const [reference, db, name] of references) {
        const table = this.tables.find((t) => t.database === db && t.table === name);
        if (!table) throw new EngineError(`TABLE_NOT_FOUND: Table 'awsdatacatalog.${db}.${name}' does not exist${database ? ` (query database ${database})` : ''}`);
        const { subquery, scanned } = await this.tableSource(table, sql, join(dir, db!, name!));
        rewritten = rewritten.replace(reference, subquery);
        bytesScanned += scanned;
      }
      const connection = await this.connect();
      let reader;
      try {
        reader = await connection.runAndReadAll(rewritten);
      } catch (error) {
        throw new EngineError(`SYNTAX_ERROR or engine error: ${(error as Error).message}`, { cause: error });
      }
      const columns = reader.columnNames().map((n, i) => ({ name: n, ...athenaTypeOf(String(reader.columnTypes()[i])) }));
      const rows = reader.getRowsJson().map((row) => row.map((v) => (v === null ? null : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v))));
      return { columns, rows, bytesScanned };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The table's files written under `dir`, the subquery that reads them, and the bytes the query scans of them. */
  private async tableSource(table: GlueTableDefinition, sql: string, dir: string): Promise<{ subquery: string; scanned: number }> {
    const root = `${table.bucket}/${table.prefix}`;
    const wanted = partitionsNamed(sql);
    const named = table.columns.filter((c) => new RegExp(`\\b${c.name}\\b`).test(sql)).map((c) => c.name);
    const files: string[] = [];
    let scanned = 0;
    for (const [key, object] of this.objects()) {
      if (!key.startsWith(root) || !key.endsWith('.parquet')) continue;
      const relative = key.slice(root.length);
      const period = /(?:^|\/)BILLING_PERIOD=([^/]+)\//.exec(relative)?.[1];
      if (period === undefined || (wanted && !wanted.has(period))) continue;
      const bytes = typeof object.body === 'string' ? new TextEncoder().encode(object.body) : object.body;
      const path = join(dir, relative);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
      files.push(path);
      scanned += scannedBytes(bytes, named, key);
    }
    const glue = (present: Set<string>) =>
      table.columns.map((c) => (present.has(c.name) ? `CAST("${c.name}" AS ${duckdbType(c.type)}) AS "${c.name}"` : `CAST(NULL AS ${duckdbType(c.type)}) AS "${c.name}"`));
    if (files.length === 0) return { subquery: `(SELECT ${[...glue(new Set()), `CAST(NULL AS VARCHAR) AS ${PARTITION_COLUMN}`].join(', ')} WHERE false)`, scanned };
    const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
    const source = `read_parquet(${list}, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`;
    const connection = await this.connect();
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    const present = new Set(described.getRowsJson().map((r) => String(r[0])));
    return { subquery: `(SELECT ${[...glue(present), `BILLING_PERIOD AS ${PARTITION_COLUMN}`].join(', ')} FROM ${source})`, scanned };
  }
}

function duckdbType(glue: string): string {
  const type = DUCKDB_TYPES[glue];
  if (!type) throw new EngineError(`the local Athena server has no DuckDB type for the Glue type ${glue}`);
  return type;
}

/** The partitions a query's `billing_period IN ('…', …)` or `billing_period = '…'` names; undefined when none. */
function partitionsNamed(sql: string): Set<string> | undefined {
  const match = new RegExp(`\\b${PARTITION_COLUMN}\\s+IN\\s*\\(([^)]*)\\)|\\b${PARTITION_COLUMN}\\s*=\\s*('[^']*')`, 'i').exec(sql);
  if (!match) return undefined;
  return new Set([...(match[1] ?? match[2]!).matchAll(/'([^']*)'/g)].map((m) => m[1]!));
}

/** The compressed bytes of a file's column chunks of `columns` (every row group). */
function scannedBytes(bytes: Uint8Array, columns: readonly string[], key: string): number {
  let metadata;
  try {
    metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (error) {
    throw new EngineError(`HIVE_CANNOT_OPEN_SPLIT: s3://${key}: not a Parquet file (${(error as Error).message})`, { cause: error });
  }
  let total = 0;
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const name = chunk.meta_data?.path_in_schema[0];
      if (name && columns.includes(name)) total += Number(chunk.meta_data!.total_compressed_size);
    }
  }
  return total;
}

/** Athena's name for a DuckDB result type, with precision and scale as ColumnInfo reports them. */
function athenaTypeOf(duckdb: string): { type: string; precision: number; scale: number } {
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(duckdb);
  if (decimal) return { type: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  const simple: Record<string, [string, number]> = { VARCHAR: ['varchar', 2147483647], BIGINT: ['bigint', 19], INTEGER: ['integer', 10], DOUBLE: ['double', 17], BOOLEAN: ['boolean', 0], DATE: ['date', 0], TIMESTAMP: ['timestamp', 3] };
  const [type, precision] = simple[duckdb] ?? ['varchar', 2147483647];
  return { type, precision, scale: 0 };
}
