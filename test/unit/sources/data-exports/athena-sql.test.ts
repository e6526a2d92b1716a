import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../../functions/config/load-config';
import { recordTagKeysOf } from '../../../../functions/config/policies';
import { DEFAULT_ATHENA } from '../../../../functions/lib/athena-names';
import { curAggregationSql, keyColumns, tagKeysOf } from '../../../../functions/sources/data-exports/athena/athena-sql';
import { expectGoldenText } from '../../../support/fixtures';

describe('the Athena engine SQL', () => {
  it('is, for the sample configuration and a daily run window across two billing periods, the golden query', () => {
    const config = loadConfigFile('costline.config.json');
    const sql = curAggregationSql({
      target: DEFAULT_ATHENA,
      window: { start: '2026-04-01', end: '2026-05-06' },
      tagKey: config.allocation.awsTagKey,
      otherTagKeys: recordTagKeysOf(config),
      billingAccountId: '111111111111',
    });
    expectGoldenText('data-exports/athena-sample.golden.sql', `${sql}\n`);
  });

  it('names the table only as "database"."table", reads only the periods of the window, and quotes every literal', () => {
    const sql = curAggregationSql({ target: { workgroup: 'w', database: 'db', table: 't' }, window: { start: '2026-05-30', end: '2026-06-02' }, tagKey: "o'brien", otherTagKeys: ["o'brien", 'env'], billingAccountId: '1' });
    expect([...sql.matchAll(/"[^"]+"\."[^"]+"/g)].map((m) => m[0])).toEqual(['"db"."t"']);
    expect(sql).toContain("WHERE billing_period IN ('2026-05', '2026-06')");
    expect(sql).toContain("'user_o''brien'");
    expect(sql).toContain("usage_day >= '2026-05-30' AND usage_day < '2026-06-02'");
    expect(tagKeysOf({ tagKey: 'team', otherTagKeys: ['env', 'team'] })).toEqual(['team', 'env']);
    expect(keyColumns({ tagKey: 'team', otherTagKeys: ['env'] })).toEqual(['usage_day', 'billing_account_id', 'account_id', 'service', 'usage_type', 'line_item_type', 'tag_0', 'tag_1', 'iam_principal', 'resource_id']);
  });
});
