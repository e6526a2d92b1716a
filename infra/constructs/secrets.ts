import { Arn, ArnFormat } from 'aws-cdk-lib';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * Characters Secrets Manager allows in a secret name. Checked so that a `*` or `?` typed into the config can
 * never widen a grant: IAM would read them as wildcards.
 */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** The hyphen and 6 random characters Secrets Manager appends to the name in a secret's complete ARN. */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * What is wrong with a secret reference from the config (a name or a Secrets Manager secret ARN), or
 * `undefined` when it can be used. Phrased to follow the field's path, like the config's own messages.
 */
export function secretReferenceProblem(nameOrArn: string): string | undefined {
  if (!nameOrArn.startsWith('arn:')) {
    return SECRET_NAME.test(nameOrArn) ? undefined : `expected a secret name (letters, digits and /_+=.@-) or a secret ARN, got "${nameOrArn}"`;
  }
  const expected = `expected a Secrets Manager secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>), got "${nameOrArn}"`;
  try {
    const arn = Arn.split(nameOrArn, ArnFormat.COLON_RESOURCE_NAME);
    const ok = arn.service === 'secretsmanager' && arn.resource === 'secret' && !!arn.region && /^\d{12}$/.test(arn.account ?? '') && SECRET_NAME.test(arn.resourceName ?? '');
    return ok ? undefined : expected;
  } catch {
    return expected;
  }
}

/**
 * Imports (never creates) the secret named in the config, for grants:
 * - a name (`costline/openai-admin-key`): a secret of the stack's account and region; its complete ARN is not
 *   known at synth time, so grants name `arn:…:secret:<name>-??????` (the suffix is exactly six characters);
 * - a complete ARN (ending in the suffix, `…:secret:<name>-AbC123`): used as is;
 * - a partial ARN (no suffix): grants name `<arn>-??????`, as for a name.
 *
 * Secrets Manager itself cannot tell a partial ARN whose name ends in a hyphen and six characters from a
 * complete one; neither can this: such a partial ARN gets a grant on exactly that ARN, which does not match
 * the secret (AccessDenied at run time). Give the name or the complete ARN instead.
 *
 * @throws Error when the reference is neither (check {@link secretReferenceProblem} first to report it)
 */
export function importSecret(scope: Construct, id: string, nameOrArn: string): ISecret {
  const problem = secretReferenceProblem(nameOrArn);
  if (problem) throw new Error(problem);
  if (!nameOrArn.startsWith('arn:')) return Secret.fromSecretNameV2(scope, id, nameOrArn);
  return RANDOM_SUFFIX.test(nameOrArn) ? Secret.fromSecretCompleteArn(scope, id, nameOrArn) : Secret.fromSecretPartialArn(scope, id, nameOrArn);
}

/**
 * The ARN an identity policy must name to cover the secret: its complete ARN when known, else the partial ARN
 * followed by `-??????`, which matches exactly the six random characters and nothing longer (`<name>-*` would
 * also match `<name>-old-AbC123`, another secret). The same rule as the CDK's own (protected) `arnForPolicies`.
 */
export function secretArnForPolicies(secret: ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}
