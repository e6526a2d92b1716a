import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';

/** Temporary credentials, as the SDK clients' `credentials` option takes them. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** The session name every costline session of the payer role carries: it shows as `assumed-role/<role>/costline` in CloudTrail. */
export const ROLE_SESSION_NAME = 'costline';

/**
 * Credentials are renewed this long before they expire: a Cost Explorer page signed just before expiry
 * would otherwise be refused on arrival. The SDK's own identity cache uses the same five minutes.
 */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/** One hour, STS's default and the role's default maximum session; a daily run takes minutes. */
const SESSION_SECONDS = 3600;

/** Thrown when STS refuses (or cannot be reached for) the AssumeRole of `sources.aws.roleArn`. */
export class AssumeRoleFailedError extends Error {
  override readonly name = 'AssumeRoleFailedError';
  constructor(
    readonly roleArn: string,
    readonly code: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot assume sources.aws.roleArn ${roleArn} (STS AssumeRole, session ${ROLE_SESSION_NAME}, with sources.aws.externalId): ${code}: ${detail}. ${hintFor(code)}`, options);
  }
}

/** What to check for the errors STS answers an AssumeRole with. */
function hintFor(code: string): string {
  if (code === 'AccessDenied') {
    return 'Check that the payer-access stack is deployed in the payer account for this stack name and workload account, and that sources.aws.externalId equals its ExternalId parameter.';
  }
  if (code === 'RegionDisabledException') return 'Activate STS in this region (IAM > Account settings) or use the global endpoint.';
  return 'Check the role ARN and that the payer-access stack is deployed.';
}

/** Options of {@link assumedRoleCredentials}. */
export interface AssumedRoleOptions {
  roleArn: string;
  externalId: string;
  /** Time source for the refresh decision; default `Date.now`. */
  now?: () => number;
}

/**
 * A credential provider that assumes `roleArn` (with the external id, session name `costline`) using the
 * STS client's own credentials (the function's role), caches the session, and assumes again once it is within
 * {@link REFRESH_BEFORE_EXPIRY_MS} of expiry. Concurrent callers share one AssumeRole call. A failure is not
 * cached: the next request tries again.
 */
export function assumedRoleCredentials(sts: STSClient, options: AssumedRoleOptions): () => Promise<SessionCredentials> {
  const now = options.now ?? Date.now;
  let current: SessionCredentials | undefined;
  let inFlight: Promise<SessionCredentials> | undefined;

  const assume = async (): Promise<SessionCredentials> => {
    let answer;
    try {
      answer = await sts.send(new AssumeRoleCommand({ RoleArn: options.roleArn, RoleSessionName: ROLE_SESSION_NAME, ExternalId: options.externalId, DurationSeconds: SESSION_SECONDS }));
    } catch (cause) {
      const e = cause as { name?: string; message?: string };
      throw new AssumeRoleFailedError(options.roleArn, e.name ?? 'Error', e.message ?? String(cause), { cause });
    }
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new AssumeRoleFailedError(options.roleArn, 'MalformedResponse', 'the answer carries no complete Credentials (AccessKeyId, SecretAccessKey, SessionToken, Expiration)');
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  };

  return async () => {
    if (current && current.expiration.getTime() - now() > REFRESH_BEFORE_EXPIRY_MS) return current;
    inFlight ??= assume().then(
      (credentials) => {
        current = credentials;
        inFlight = undefined;
        return credentials;
      },
      (error: unknown) => {
        inFlight = undefined;
        throw error;
      },
    );
    return inFlight;
  };
}
