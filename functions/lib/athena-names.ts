/**
 * The names of what the stack creates for the Athena engine (`sources.aws.engine: "athena"`), and the defaults of
 * `sources.aws.athena`: one name per fact, shared by the config, the stack and the local Athena server.
 */
export const DEFAULT_ATHENA = { workgroup: 'costline-billing', database: 'costline_billing', table: 'cur2_line_items' } as const;
