import { describe, expect, it } from 'vitest';

describe('statement email', () => {
  const message = { subject: 'costline chargeback statement 2026-10 (final)', attributes: { kind: 'statement', month: '2026-10', status: 'final' } };

  it('carries the whole text and where the files are when it fits', async () => {
    const { emailBody } = await import('../../../functions/use-cases/publish-statement');
    expect(emailBody(message, () => 'Team  Total\nTOTAL  1.00\n\nmore\n', 's3://b/statements/2026-10/')).toBe('Team  Total\nTOTAL  1.00\n\nmore\n\nThe statement as CSV, HTML and FOCUS CSV: s3://b/statements/2026-10/\n');
  });

  it('carries the console link under the s3:// location when the archive gives one', async () => {
    const { emailBody } = await import('../../../functions/use-cases/publish-statement');
    const body = emailBody(message, () => 'TOTAL  1.00\n', 's3://b/statements/2026-10/', 'https://us-east-1.console.aws.amazon.com/s3/buckets/b?region=us-east-1&prefix=statements%2F2026-10%2F');
    expect(body).toBe('TOTAL  1.00\n\nThe statement as CSV, HTML and FOCUS CSV: s3://b/statements/2026-10/\nOpen them in the S3 console (sign in with the statements read-only role): https://us-east-1.console.aws.amazon.com/s3/buckets/b?region=us-east-1&prefix=statements%2F2026-10%2F\n');
  });

  it('cuts a text no table cap can shorten at a line, under the limit counted in UTF-8 bytes with subject and attributes, keeping the pointer', async () => {
    const { emailBody, messageBytes, EMAIL_LIMIT_BYTES } = await import('../../../functions/use-cases/publish-statement');
    // Three-byte characters: counted in characters, this would look a third of its size.
    const long = `Team  Total\nTOTAL  1.00\n\n${'€€€€€€€€€€\n'.repeat(30_000)}`;
    const cut = emailBody(message, () => long, 's3://b/statements/2026-10/');
    expect(messageBytes({ ...message, body: cut })).toBeLessThanOrEqual(EMAIL_LIMIT_BYTES);
    expect(cut).toContain('TOTAL  1.00');
    expect(cut).not.toContain('\uFFFD');
    expect(cut).toMatch(/€\n\.\.\.\n\nThis email is shortened to fit the 256 KB message limit: it is cut here\. Every team and every line is in the statement files at s3:\/\/b\/statements\/2026-10\/\.\n/);
    expect(cut.endsWith('The statement as CSV, HTML and FOCUS CSV: s3://b/statements/2026-10/\n')).toBe(true);
  });
});
