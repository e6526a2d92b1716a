import { CUR_COLUMNS, type ColumnKind, type CurColumn } from '../cur-columns';

/**
 * The Glue table over a CUR 2.0 export, as the stack defines it and the local Athena server reads it: every column
 * costline reads ({@link CUR_COLUMNS}), typed as Data Exports writes them (costs and quantities as doubles), and the
 * partition key `billing_period` from the `BILLING_PERIOD=YYYY-MM` folders. A declared column a file lacks reads as
 * NULL, as Athena reads Parquet by column name.
 */

/** The partition column (the folders' `BILLING_PERIOD=YYYY-MM`; Glue names are lower case). */
export const PARTITION_COLUMN = 'billing_period';

const GLUE_TYPES: Record<ColumnKind, string> = { string: 'string', number: 'double', timestamp: 'timestamp', map: 'map<string,string>' };

/** The table's columns (partition key excluded), in {@link CUR_COLUMNS} order, with their Glue (Hive) types. */
export const GLUE_COLUMNS: readonly { name: CurColumn; type: string }[] = (Object.entries(CUR_COLUMNS) as Array<[CurColumn, { kind: ColumnKind }]>).map(([name, spec]) => ({
  name,
  type: GLUE_TYPES[spec.kind],
}));

/** Where the table and the query run (`sources.aws.athena`). */
export interface AthenaTarget {
  workgroup: string;
  database: string;
  table: string;
}
