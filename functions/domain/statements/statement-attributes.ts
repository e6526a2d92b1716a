/**
 * The SNS message attributes of the statements topic, which its subscription filter policies match on: `kind`
 * (one of {@link STATEMENT_KINDS}) and, on a team's own statement, `team`; `month` and `status` tell the reader
 * which statement it is. One name each, for the job that sets them and the stack that filters on them.
 */
export const STATEMENT_ATTRIBUTES = { kind: 'kind', team: 'team', month: 'month', status: 'status' } as const;

/** `kind` of the organisation statement (finance's) and of a team's own statement (its leads'). */
export const STATEMENT_KINDS = { organization: 'statement', team: 'team-statement' } as const;
