import { describe, expect, it } from 'vitest';
import type { Allocatable } from '../../../../functions/domain/allocation/allocation';
import { IdentityTable } from '../../../../functions/domain/allocation/identity-table';

const record = (over: Partial<Allocatable> = {}): Allocatable => ({
  provider: 'aws',
  subAccountId: '111122223333',
  serviceName: 'Amazon EC2',
  usageType: 'BoxUsage',
  apiKeyId: null,
  model: null,
  tags: {},
  ...over,
});

describe('IdentityTable', () => {
  it('numbers identities densely in the order first seen, and gives equal records one number', () => {
    // Prepare
    const table = new IdentityTable(['team']);

    // Act
    const numbers = [record(), record({ serviceName: 'Amazon S3' }), { ...record() }, record({ serviceName: 'Amazon S3' })].map((r) => table.indexOf(r));

    // Assess
    expect(numbers).toEqual([0, 1, 0, 1]);
    expect(table.size).toBe(2);
  });

  it('tells apart every field it reads, null from undefined, and only the tags it is given', () => {
    const table = new IdentityTable(['team', 'app']);
    const variants: Allocatable[] = [
      record(),
      record({ provider: 'openai' }),
      record({ subAccountId: null }),
      record({ subAccountId: undefined as unknown as null }),
      record({ usageType: null }),
      record({ apiKeyId: 'key_1' }),
      record({ model: 'gpt-4o' }),
      record({ tags: { team: 'pay' } }),
      record({ tags: { app: 'pay' } }),
      record({ tags: { team: 'pay', app: 'web' } }),
    ];
    expect(variants.map((r) => table.indexOf(r))).toEqual(variants.map((_, i) => i));
    // A tag the table is not given does not make a new identity.
    expect(table.indexOf(record({ tags: { owner: 'x' } }))).toBe(0);
  });

  it('keeps every number as it grows past its first capacity', () => {
    // Prepare: enough identities to grow the tuples and rehash the slots several times.
    const table = new IdentityTable(['team']);
    const records = Array.from({ length: 20_000 }, (_, k) => record({ subAccountId: String(k % 500), tags: { team: `t${Math.floor(k / 500)}` } }));

    // Act
    const first = records.map((r) => table.indexOf(r));
    const again = records.map((r) => table.indexOf({ ...r, tags: { ...r.tags } }));

    // Assess
    expect(first).toEqual(records.map((_, k) => k));
    expect(again).toEqual(first);
    expect(table.size).toBe(20_000);
  });
});
