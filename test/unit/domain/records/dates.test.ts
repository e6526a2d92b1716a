import { describe, expect, it } from 'vitest';
import { isDay } from '../../../../functions/domain/records/dates';

describe('isDay', () => {
  it('accepts only real calendar days, so config and page dates such as 2026-02-30 are refused rather than rolled into March', () => {
    expect(['2026-01-31', '2024-02-29', '2000-02-29', '2026-12-31'].filter(isDay)).toEqual(['2026-01-31', '2024-02-29', '2000-02-29', '2026-12-31']);
    expect(['2026-02-30', '2026-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-1-01', '2026-01-01T00:00:00Z', ''].filter(isDay)).toEqual([]);
  });
});
