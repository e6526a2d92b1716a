import { describe, expect, it } from 'vitest';
import { snsSubject } from '../../../../functions/adapters/sns/sns-message-publisher';

describe('SNS subjects', () => {
  it('are ASCII without line breaks and under 100 characters, as SNS requires', () => {
    expect(snsSubject('[costline] Équipe « données » reached 80% …')).toBe('[costline] Equipe ? donnees ? reached 80% ...');
    expect(snsSubject('a\nb')).toBe('a b');
    const long = snsSubject(`[costline] ${'x'.repeat(200)}`);
    expect(long.length).toBeLessThan(100);
    expect(long.endsWith('...')).toBe(true);
  });
});