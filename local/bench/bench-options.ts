/**
 * `npm run bench` options: the synthetic organisation's size, the records bench's size, which sections
 * run, and whether the figures print as text or as JSON Lines.
 */
import { parseArgs } from 'node:util';
import type { AwsMode, OrgSize } from './org-jobs';

/** The bench's sections, in the order they run. */
export const SECTIONS = ['jobs', 'records', 'exports', 'bundles', 'alert-timing'] as const;
export type Section = (typeof SECTIONS)[number];

/** Parsed options. */
export interface BenchOptions {
  org: OrgSize;
  /** Synthetic records for the allocate + chargeback bench. */
  records: number;
  /** Synthetic CUR 2.0 line items for the billing-export engine bench. */
  lineItems: number;
  /** Where the organisation's jobs read AWS billing (`--aws-source`, as `npm run local` takes it). */
  awsMode: AwsMode;
  /** Fresh processes per bundle for its module load time. */
  loads: number;
  /** JSON Lines on stdout (one object per job, bundle and estimate) instead of text. */
  json: boolean;
  sections: ReadonlySet<Section>;
}

/** A bad option: the bench prints it with {@link BENCH_USAGE} and exits 2. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

export const BENCH_USAGE = `usage: npm run bench -- [--teams N] [--days N] [--services N] [--accounts N] [--aws-source cost-explorer|exports] [--records N] [--line-items N] [--loads N] [--only ${SECTIONS.join(',')}] [--json]
  --teams, --days, --services, --accounts  the synthetic organisation (default 100, 30, 150, 50)
  --aws-source SRC  cost-explorer (default) or exports: the jobs read AWS billing from the local Cost Explorer or
                from the organisation's CUR 2.0 export in the local S3, and the estimate prices that mode
  --records N   synthetic records for allocate + chargeback alone (default 1000000)
  --line-items N  synthetic CUR 2.0 line items for the billing-export engine alone (default 1000000)
  --loads N     fresh Node processes per Lambda bundle for its module load time (default 5)
  --only LIST   run only these sections, comma-separated (default: all)
  --json        JSON Lines on stdout, one object per job, bundle and estimate; no text`;

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new BenchUsageError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Parses the bench's arguments (without `node` and the script); throws {@link BenchUsageError}. */
export function parseBenchArgs(args: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        teams: { type: 'string', default: '100' },
        days: { type: 'string', default: '30' },
        services: { type: 'string', default: '150' },
        accounts: { type: 'string', default: '50' },
        'aws-source': { type: 'string', default: 'cost-explorer' },
        records: { type: 'string', default: '1000000' },
        'line-items': { type: 'string', default: '1000000' },
        loads: { type: 'string', default: '5' },
        only: { type: 'string', default: SECTIONS.join(',') },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  const sections = values.only.split(',').map((s) => s.trim());
  const unknown = sections.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new BenchUsageError(`--only: unknown section ${unknown.join(', ')} (known: ${SECTIONS.join(', ')})`);
  const source = values['aws-source'];
  if (source !== 'cost-explorer' && source !== 'exports') throw new BenchUsageError(`--aws-source must be cost-explorer or exports, got ${JSON.stringify(source)}`);
  return {
    awsMode: source === 'exports' ? 'data-exports' : 'cost-explorer',
    org: { teams: positive('teams', values.teams), days: positive('days', values.days), services: positive('services', values.services), accounts: positive('accounts', values.accounts) },
    records: positive('records', values.records),
    lineItems: positive('line-items', values['line-items']),
    loads: positive('loads', values.loads),
    json: values.json,
    sections: new Set(sections as Section[]),
  };
}
