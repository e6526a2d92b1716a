import { describe, expect, it } from 'vitest';
import { buildQuery, metricPairOf } from '../../../../functions/sources/cost-explorer/cost-explorer-queries';
import {
  MalformedCostExplorerPageError,
  mapCostExplorerPages,
  mergeQueries,
  UNRECONCILED_UNTAGGED,
  type MapperContext,
} from '../../../../functions/sources/cost-explorer/cost-explorer-mapper';
import { expectGolden, fixture } from '../../../support/fixtures';

const window = { start: '2026-10-01', end: '2026-10-03' };
const ctx = (kind: MapperContext['kind']): MapperContext => ({
  kind,
  window,
  tagKey: 'team',
  metrics: metricPairOf('AmortizedCost'),
  source: 'aws-cost-explorer',
  billingAccountId: '999988887777',
});
const taggedPages = () => [fixture('cost-explorer/tag-service-daily.page1.json'), fixture('cost-explorer/tag-service-daily.page2.json')];
const untaggedPages = () => [fixture('cost-explorer/untagged-account-service.page1.json')];

describe('Cost Explorer queries', () => {
  it('are exactly the recorded requests: TAG+SERVICE, and LINKED_ACCOUNT+SERVICE for untagged spend', () => {
    const metrics = metricPairOf('AmortizedCost');
    expect(buildQuery('tagged', window, 'team', metrics)).toEqual(fixture('cost-explorer/tag-service-daily.request.json'));
    expect(buildQuery('untagged', window, 'team', metrics)).toEqual(fixture('cost-explorer/untagged-account-service.request.json'));
  });

  it('request the net pair for a net metric', () => {
    expect(metricPairOf('NetAmortizedCost')).toEqual({ billed: 'NetUnblendedCost', effective: 'NetAmortizedCost' });
    expect(metricPairOf('UnblendedCost')).toEqual({ billed: 'UnblendedCost', effective: 'AmortizedCost' });
  });
});

describe('Cost Explorer mapper', () => {
  it('maps the recorded pages to the golden records', () => {
    const days = mergeQueries(window, mapCostExplorerPages(taggedPages(), ctx('tagged')), mapCostExplorerPages(untaggedPages(), ctx('untagged')), ctx('tagged'));
    expectGolden('cost-explorer/records.golden.json', days);
  });

  it('skips the tagged query’s untagged groups (the untagged query carries those dollars) and keeps raw tag values', () => {
    const mapped = mapCostExplorerPages(taggedPages(), ctx('tagged'));
    const day1 = mapped.days.get('2026-10-01')!.records;
    expect(day1.map((r) => r.tags.team)).toEqual(['Pay ', 'payments']);
    expect(day1[1]).toMatchObject({ billedCost: '40.3543773134', effectiveCost: '38.1000000001', subAccountId: null, estimated: true });
  });

  it('names the untagged spend’s account and its name', () => {
    const mapped = mapCostExplorerPages(untaggedPages(), ctx('untagged'));
    expect(mapped.days.get('2026-10-01')!.records[0]).toMatchObject({ subAccountId: '111122223333', subAccountName: 'payments-prod', tags: {} });
  });

  it('gives the same ids on every run (deterministic, so a re-run is an upsert)', () => {
    const a = mapCostExplorerPages(taggedPages(), ctx('tagged'));
    const b = mapCostExplorerPages(taggedPages(), ctx('tagged'));
    expect([...b.days.values()].flatMap((d) => d.records.map((r) => r.id))).toEqual([...a.days.values()].flatMap((d) => d.records.map((r) => r.id)));
  });

  it('keeps untagged dollars the untagged query did not return as an explicit residual, so the total matches Cost Explorer', () => {
    const [page] = untaggedPages() as [any];
    // The untagged query lost the $11.20 of account 444455556666's EC2 on day 1 (say, a tag state neither filter caught).
    page.ResultsByTime[0].Groups.splice(1, 1);
    const days = mergeQueries(window, mapCostExplorerPages(taggedPages(), ctx('tagged')), mapCostExplorerPages([page], ctx('untagged')), ctx('tagged'));
    const residuals = days.flatMap((d) => d.records.filter((r) => r.usageType === UNRECONCILED_UNTAGGED));
    expect(residuals.map((r) => [r.chargePeriodStart, r.serviceName, r.billedCost, r.effectiveCost, r.subAccountId])).toEqual([
      ['2026-10-01', 'Amazon Elastic Compute Cloud - Compute', '11.2', '10.8', null],
    ]);
  });

  it('adds no residual when the untagged query matches the tagged query’s untagged groups', () => {
    const days = mergeQueries(window, mapCostExplorerPages(taggedPages(), ctx('tagged')), mapCostExplorerPages(untaggedPages(), ctx('untagged')), ctx('tagged'));
    expect(days.flatMap((d) => d.records).some((r) => r.usageType === UNRECONCILED_UNTAGGED)).toBe(false);
  });

  it('rejects a page whose amount is not a decimal, naming the page and the field', () => {
    const [page1, page2] = taggedPages() as [any, any];
    page2.ResultsByTime[0].Groups[1].Metrics.AmortizedCost.Amount = 'N/A';
    expect(() => mapCostExplorerPages([page1, page2], ctx('tagged'))).toThrow(
      new MalformedCostExplorerPageError(
        'Cost Explorer tagged query, page 2: ResultsByTime[0].Groups[1].Metrics.AmortizedCost.Amount: expected a decimal amount, got "N/A"',
      ),
    );
  });

  it('rejects a page without ResultsByTime, a missing metric, and a non-USD unit', () => {
    expect(() => mapCostExplorerPages([{ GroupDefinitions: [] }], ctx('tagged'))).toThrow(/page 1: ResultsByTime: expected an array/);
    const [page1] = untaggedPages() as [any];
    delete page1.ResultsByTime[0].Groups[0].Metrics.UnblendedCost;
    expect(() => mapCostExplorerPages([page1], ctx('untagged'))).toThrow(/Groups\[0\]\.Metrics: missing UnblendedCost/);
    const [page] = untaggedPages() as [any];
    page.ResultsByTime[1].Groups[0].Metrics.UnblendedCost.Unit = 'EUR';
    expect(() => mapCostExplorerPages([page], ctx('untagged'))).toThrow(/Unit: expected "USD", got "EUR"/);
  });

  it('rejects an answer that leaves out a day of the window, so no day is replaced by a partial answer', () => {
    expect(() => mapCostExplorerPages([fixture('cost-explorer/tag-service-daily.page1.json')], ctx('tagged'))).toThrow(
      /returned no result for 2026-10-02/,
    );
  });

  it('rejects a group repeated for the same day (it would be counted twice)', () => {
    const [page1, page2] = taggedPages() as [any, any];
    page2.ResultsByTime.push(structuredClone(page1.ResultsByTime[0]));
    expect(() => mapCostExplorerPages([page1, page2], ctx('tagged'))).toThrow(/appears twice for 2026-10-01/);
  });
});
