import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * Whether a write was refused because its condition did not hold (another writer got there first). Checked by
 * name too, for an error thrown by another copy of the client package than the one this class comes from.
 */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}
