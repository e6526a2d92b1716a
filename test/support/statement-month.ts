import { parse } from 'csv-parse/sync';
import { buildChargeback } from './chargeback';
import { testConfig } from './config';
import { awsRecord } from './records';

/** An account rule for payments and an even shared pool for the support plan. */
export const config = testConfig({
  allocation: {
    awsTagKey: 'team',
    rules: [
      { match: { provider: 'aws', account: '111122223333' }, team: 'payments' },
      { match: { service: 'AWS Support (Business)' }, pool: 'support' },
    ],
    sharedPools: [{ id: 'support', method: 'even' }],
  },
});
/** A small month for the statement files: two tagged teams, a rule, a credit, an unallocated source and the pool. */
export const records = [
  awsRecord({ tags: { team: 'payments' }, cost: '10.004', serviceName: 'Amazon EC2' }),
  awsRecord({ tags: { team: 'search' }, cost: '3.333', serviceName: 'Amazon "S3", eu' }),
  awsRecord({ subAccountId: '111122223333', cost: '-1.25', serviceName: 'Credit' }),
  awsRecord({ subAccountId: '444455556666', cost: '7.777', serviceName: 'Amazon Route 53' }),
  awsRecord({ serviceName: 'AWS Support (Business)', subAccountId: '444455556666', cost: '2.01' }),
];
/** The small month's chargeback. */
export const cb = buildChargeback(records, config, '2026-10', '2026-10-20');
/** A CSV file's rows, by column name. */
export const rowsOf = (csv: string) => parse(csv, { columns: true }) as Array<Record<string, string>>;
