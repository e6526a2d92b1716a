import { describe, expect, it } from 'vitest';
import { isAiSpend } from '../../../../functions/domain/guardrails/slices';

describe('AI spend', () => {
  it('counts Bedrock and model-provider spend as AI spend, and other AWS spend not', () => {
    expect(isAiSpend({ provider: 'aws', model: null, serviceName: 'Amazon Bedrock' })).toBe(true);
    expect(isAiSpend({ provider: 'openai', model: null, serviceName: 'OpenAI API' })).toBe(true);
    expect(isAiSpend({ provider: 'aws', model: null, serviceName: 'Amazon EC2' })).toBe(false);
  });
});
