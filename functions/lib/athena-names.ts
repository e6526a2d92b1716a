/**
 * The names of what the stack creates for the Athena engine (`sources.aws.engine: "athena"`), and the defaults of
 * `sources.aws.athena`: one name per fact, shared by the config, the stack and the local Athena server.
 */
export const DEFAULT_ATHENA = { workgroup: 'costline-billing', database: 'costline_billing', table: 'cur2_line_items' } as const;

/**
 * The workgroup's per-query data usage control: 10 GiB, $0.05 of scanning at $5 per TB. The daily query reads a
 * few columns of one or two billing periods; an organisation whose periods pass this raises it in the console (or
 * here) knowingly, rather than by accident (a query without its partition filter).
 */
export const ATHENA_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;

/** Days the query results (CSV copies of each answer, which costline reads once through GetQueryResults) are kept. */
export const ATHENA_RESULTS_RETENTION_DAYS = 7;
