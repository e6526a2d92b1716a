/**
 * The IAM path of a costline stack's function roles, `/costline/<stack name>/`: the payer-access role trusts
 * principals under it, which only this stack creates.
 */
export function functionRolePath(stackName: string): string {
  return `/costline/${stackName}/`;
}
