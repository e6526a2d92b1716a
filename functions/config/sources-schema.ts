import { z } from 'zod';
import { DEFAULT_ATHENA } from '../lib/athena-names';
import { flag, nonEmpty, section } from './config-fields';

/** The `sources` section: Cost Explorer, and each model provider read through its admin API. */

export const COST_METRICS = ['AmortizedCost', 'NetAmortizedCost', 'UnblendedCost', 'NetUnblendedCost'] as const;
export type CostMetric = (typeof COST_METRICS)[number];

/** An IAM role ARN, with its path (`role/costline/reader`), in any partition. */
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
/** STS `ExternalId`: 2 to 1224 characters of `[\w+=,.@:\/-]`. */
const EXTERNAL_ID = /^[\w+=,.@:\/-]{2,1224}$/;

/** Which Anthropic reporting API the sources read (`sources.anthropic.api`). */
export const ANTHROPIC_APIS = ['auto', 'analytics', 'legacy'] as const;
export type AnthropicApi = (typeof ANTHROPIC_APIS)[number];

/** Where AWS billing is read from (`sources.aws.mode`): Cost Explorer's API, or the CUR 2.0 export in S3. */
export const AWS_MODES = ['cost-explorer', 'data-exports'] as const;
export type AwsMode = (typeof AWS_MODES)[number];

/** What reads the export (`sources.aws.engine`): costline's own Parquet reader in the function, or Amazon Athena. */
export const AWS_ENGINES = ['embedded', 'athena'] as const;
export type AwsEngine = (typeof AWS_ENGINES)[number];

/** An S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A Data Exports export name (`Export.Name`, billing-apis-2026.md §A7.1). */
const EXPORT_NAME = /^[0-9A-Za-z!\-_.*'()]{1,128}$/;

/** An Athena workgroup name (1 to 128 letters, digits, `.`, `_`, `-`). */
const WORKGROUP_NAME = /^[A-Za-z0-9._-]{1,128}$/;
/** A Glue database or table name as Athena reads it unquoted-safe: lower case letters, digits and `_`. */
const GLUE_NAME = /^[a-z0-9_]{1,255}$/;

/** `sources.aws.athena`: where the Athena engine queries the export; each field defaults to what the stack creates. */
const athenaSchema = z.strictObject(
  {
    workgroup: z.string({ error: 'expected an Athena workgroup name' }).regex(WORKGROUP_NAME, { error: 'expected an Athena workgroup name (1-128 letters, digits, ".", "_" and "-")' }).default(DEFAULT_ATHENA.workgroup),
    database: z.string({ error: 'expected a Glue database name' }).regex(GLUE_NAME, { error: 'expected a Glue database name (lower case letters, digits and "_")' }).default(DEFAULT_ATHENA.database),
    table: z.string({ error: 'expected a Glue table name' }).regex(GLUE_NAME, { error: 'expected a Glue table name (lower case letters, digits and "_")' }).default(DEFAULT_ATHENA.table),
  },
  { error: 'expected an object { "workgroup", "database", "table" }' },
);

/** `sources.aws.dataExports`: where the CUR 2.0 export is delivered (`s3://<bucket>/<prefix>/<exportName>/...`). */
const dataExportsSchema = z.strictObject(
  {
    bucket: z.string({ error: 'expected the name of the bucket the export is delivered to' }).regex(BUCKET_NAME, { error: 'expected an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)' }),
    /** The export's `S3Prefix`, without leading or trailing slash; may be empty. */
    prefix: z
      .string({ error: 'expected the S3 prefix of the export (may be "")' })
      .refine((p) => !p.startsWith('/') && !p.endsWith('/'), { error: 'expected a prefix without a leading or trailing "/"' }),
    exportName: z.string({ error: 'expected the name of the export' }).regex(EXPORT_NAME, { error: "expected an export name of 1-128 letters, digits and !-_.*'()" }),
  },
  { error: 'expected an object { "bucket", "prefix", "exportName" }' },
);

/** How a FOCUS file is read (`sources.focus[].format`). */
export const FOCUS_FORMATS = ['csv', 'parquet'] as const;
export type FocusFormat = (typeof FOCUS_FORMATS)[number];

/** A FOCUS source's id: part of its source id (`focus:<id>`), so short and lowercase. */
const FOCUS_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * One `sources.focus[]` entry: a bucket prefix where some system (an Azure cost export, a LiteLLM proxy, another
 * cloud) delivers FOCUS 1.0 to 1.3 cost and usage files. Each entry is a source of its own, `focus:<id>`.
 */
const focusEntrySchema = z.strictObject(
  {
    id: z.string({ error: 'expected an id such as "azure"' }).regex(FOCUS_ID, { error: 'expected a lowercase id of 1-32 letters, digits and hyphens, such as "azure"' }),
    bucket: z.string({ error: 'expected the name of the bucket the files are delivered to' }).regex(BUCKET_NAME, { error: 'expected an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)' }),
    /** Every object under it is listed; "" reads the whole bucket. */
    prefix: z.string({ error: 'expected the S3 prefix of the files (may be "")' }).refine((p) => !p.startsWith('/'), { error: 'expected a prefix without a leading "/"' }),
    /** Absent: each file's format comes from its extension (`.csv`, `.csv.gz`, `.parquet`). */
    format: z.enum(FOCUS_FORMATS, { error: `expected one of ${FOCUS_FORMATS.map((f) => `"${f}"`).join(', ')} (or no format: from each file's extension)` }).optional(),
    enabled: flag.default(true),
    /** Re-read the previous month until this day of the new month, as for the other sources. */
    previousMonthUntilDay: z.number({ error: 'expected a day of the month' }).int({ error: 'expected a whole day of the month' }).min(1).max(28).default(5),
    /** On Mondays, re-read this many closed months too. */
    recheckClosedMonths: z.number({ error: 'expected a number of months' }).int({ error: 'expected a whole number of months' }).min(0).max(12).default(1),
  },
  { error: 'expected an object { "id", "bucket", "prefix", "format"?, "enabled"? }' },
);
export type FocusSourceConfig = z.infer<typeof focusEntrySchema>;

/** `sources.focus`: the FOCUS file sources, ids unique. */
const focusSchema = z
  .array(focusEntrySchema, { error: 'expected a list of FOCUS sources [{ "id", "bucket", "prefix" }]' })
  .superRefine((entries, ctx) => {
    const seen = new Map<string, number>();
    entries.forEach((e, i) => {
      const first = seen.get(e.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${e.id}" is already the id of sources.focus[${first}]; each FOCUS source needs its own id` });
      else seen.set(e.id, i);
    });
  })
  .default([]);

/** A model provider read through its admin API. */
function modelProviderSchema(defaultSecret: string) {
  return z.strictObject(
    {
      enabled: flag.default(false),
      /** Secrets Manager secret (name or ARN) holding the admin key; created by you, read by the functions. */
      adminKeySecret: nonEmpty.default(defaultSecret),
      /** Organization id, recorded as FOCUS BillingAccountId. */
      organizationId: nonEmpty.optional(),
      previousMonthUntilDay: z.number({ error: 'expected a day of the month' }).int({ error: 'expected a whole day of the month' }).min(1).max(28).default(5),
      /** On Mondays, re-pull this many closed months too, to catch late credits and restatements. */
      recheckClosedMonths: z.number({ error: 'expected a number of months' }).int({ error: 'expected a whole number of months' }).min(0).max(12).default(1),
    },
    { error: 'expected an object' },
  );
}

/** `sources`: which sources are read, and how. */
export const sourcesSection = section({
  aws: section({
    enabled: flag.default(true),
    /** `cost-explorer`: the Cost Explorer API (no setup); `data-exports`: the CUR 2.0 export named by `dataExports`. */
    mode: z.enum(AWS_MODES, { error: `expected one of ${AWS_MODES.map((m) => `"${m}"`).join(', ')}` }).default('cost-explorer'),
    /** Required in `data-exports` mode. */
    dataExports: dataExportsSchema.optional(),
    /** What reads the export in `data-exports` mode: `embedded` (in the function) or `athena` (one query per window). */
    engine: z.enum(AWS_ENGINES, { error: `expected one of ${AWS_ENGINES.map((e) => `"${e}"`).join(', ')}` }).default('embedded'),
    /** The Athena engine's workgroup, Glue database and table (`engine: "athena"`); absent, or a field absent: what the stack creates (`DEFAULT_ATHENA`). */
    athena: athenaSchema.optional(),
    costMetric: z.enum(COST_METRICS, { error: `expected one of ${COST_METRICS.join(', ')}` }).default('AmortizedCost'),
    /** Re-pull the previous month until this day of the new month, even once Cost Explorer says it is final. */
    previousMonthUntilDay: z.number({ error: 'expected a day of the month' }).int({ error: 'expected a whole day of the month' }).min(1).max(28).default(5),
    /** On Mondays, re-pull this many closed months too, to catch late credits and restatements. */
    recheckClosedMonths: z.number({ error: 'expected a number of months' }).int({ error: 'expected a whole number of months' }).min(0).max(12).default(1),
    /** FOCUS BillingAccountId: the payer (management) account. Cost Explorer does not return it. */
    billingAccountId: z.string().regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' }).optional(),
    /**
     * A role in the management (payer) account that costline assumes to read Cost Explorer, so that costline
     * itself runs in a member account (the `CostlinePayerAccess` stack creates it). Absent: the function's own role.
     */
    roleArn: z.string().regex(IAM_ROLE_ARN, { error: 'expected an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)' }).optional(),
    /** The external id the role's trust policy requires (sts:ExternalId); required with roleArn. */
    externalId: z.string().regex(EXTERNAL_ID, { error: 'expected 2 to 1224 characters of letters, digits and +=,.@:/-' }).optional(),
  }),
  openai: modelProviderSchema('costline/openai-admin-key').prefault({}),
  anthropic: modelProviderSchema('costline/anthropic-admin-key')
    .extend({
      /**
       * Which reporting API to read: `auto` the Usage and Cost Analytics API from 2026-01-01 (the legacy
       * reports for older days, and for every day when the analytics API refuses the key), `analytics`
       * the same without the fallback (a refusal fails the source), `legacy` never the analytics API.
       */
      api: z.enum(ANTHROPIC_APIS, { error: `expected one of ${ANTHROPIC_APIS.map((a) => `"${a}"`).join(', ')} (which Anthropic reporting API to read)` }).default('auto'),
    })
    .prefault({}),
  focus: focusSchema,
});
