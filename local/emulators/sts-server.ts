import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, header, listenOnLoopback, readBody } from './loopback';

/**
 * A loopback AWS STS for tests: `AssumeRole` only.
 *
 * `@aws-sdk/client-sts` (3.1177) speaks the AWS **Query** protocol, like SNS: `POST /` with a form body
 * (`Action=AssumeRole&Version=2011-06-15&RoleArn=...&RoleSessionName=...&ExternalId=...&DurationSeconds=...`),
 * XML answers (`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>...`)
 * and XML errors (`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>...`, HTTP 403). The real
 * client talks to it through its `endpoint` option or `AWS_ENDPOINT_URL_STS`.
 *
 * As STS does, it answers a role it does not know and a wrong or missing external id with the same
 * `AccessDenied` (the trust policy's conditions are not disclosed), and validates the session name
 * (2 to 64 characters of `[\w+=,.@-]`) and the duration (900 to 43,200 s). Each session gets fresh, distinct
 * credentials (`ASIA...` key ids) that {@link StsServer.isValid} recognises until they expire, so another
 * emulator can refuse a request that was not signed with them. The caller's own signature is not checked.
 */

/** One role the emulator can be asked to assume, and the external id its trust policy requires. */
export interface EmulatedRole {
  roleArn: string;
  externalId: string;
}

/** One session issued by `AssumeRole`. */
export interface IssuedSession {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  /** The access key id of the credentials the AssumeRole request itself was signed with. */
  callerAccessKeyId?: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** A running local STS. */
export interface StsServer {
  /** Base URL to pass as the client's `endpoint`, `http://127.0.0.1:PORT`. */
  url: string;
  /** Every session issued, in order. */
  sessions: IssuedSession[];
  /** Every AssumeRole request received (form parameters), in order, refused ones included. */
  requests: Record<string, string>[];
  /** Whether this access key id and session token belong to an issued session that has not expired (at `now`). */
  isValid(accessKeyId: string | undefined, sessionToken: string | undefined): boolean;
  /** Answers the next `count` requests with this STS error, e.g. `{ status: 400, code: 'RegionDisabledException', message: ... }`. */
  failNext(count: number, fault: { status: number; code: string; message: string }): void;
  close(): Promise<void>;
}

/** Options of {@link startStsServer}. */
export interface StsServerOptions {
  roles: EmulatedRole[];
  /** The clock expirations are computed from; default the system's. */
  now?: () => Date;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** The caller every AccessDenied names (the emulator does not resolve the caller's identity). */
const CALLER = 'arn:aws:sts::000000000000:assumed-role/local-caller/local';

class StsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Starts a local STS on 127.0.0.1. */
export async function startStsServer(options: StsServerOptions): Promise<StsServer> {
  const now = options.now ?? (() => new Date());
  const sessions: IssuedSession[] = [];
  const requests: Record<string, string>[] = [];
  const faults: { status: number; code: string; message: string }[] = [];
  let counter = 0;

  const assumeRole = (params: URLSearchParams, req: IncomingMessage): string => {
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    if (roleArn.length < 20) throw new StsApiError('ValidationError', `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`);
    if (!SESSION_NAME.test(sessionName)) {
      throw new StsApiError('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    }
    const duration = Number(params.get('DurationSeconds') ?? '3600');
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
      throw new StsApiError('ValidationError', `1 validation error detected: Value '${params.get('DurationSeconds')}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);
    }
    const externalId = params.get('ExternalId') ?? undefined;
    const role = options.roles.find((r) => r.roleArn === roleArn);
    if (!role || role.externalId !== externalId) {
      throw new StsApiError('AccessDenied', `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    }
    counter += 1;
    const suffix = String(counter).padStart(16, '0');
    const callerAccessKeyId = accessKeyIdOf(req);
    const session: IssuedSession = {
      roleArn,
      sessionName,
      ...(externalId !== undefined ? { externalId } : {}),
      ...(callerAccessKeyId !== undefined ? { callerAccessKeyId } : {}),
      accessKeyId: `ASIA${suffix}`,
      secretAccessKey: `local-secret-${suffix}`,
      sessionToken: `local-session-token-${suffix}`,
      expiration: new Date(now().getTime() + duration * 1000),
    };
    sessions.push(session);
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const account = roleArn.split(':')[4];
    return (
      `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult>` +
      `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>` +
      `<SessionToken>${session.sessionToken}</SessionToken><Expiration>${session.expiration.toISOString()}</Expiration></Credentials>` +
      `<AssumedRoleUser><AssumedRoleId>AROA${suffix}:${escapeXml(sessionName)}</AssumedRoleId>` +
      `<Arn>arn:aws:sts::${account}:assumed-role/${escapeXml(roleName)}/${escapeXml(sessionName)}</Arn></AssumedRoleUser>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>${requestId(counter)}</RequestId></ResponseMetadata></AssumeRoleResponse>`
    );
  };

  let requestCounter = 0;
  const server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        requestCounter += 1;
        const id = requestId(requestCounter);
        const params = new URLSearchParams(text);
        requests.push(Object.fromEntries(params));
        const fault = faults.shift();
        if (fault) return sendError(res, new StsApiError(fault.code, fault.message, fault.status), id);
        try {
          const action = params.get('Action');
          if (req.method !== 'POST' || action !== 'AssumeRole') throw new StsApiError('InvalidAction', `Could not find operation ${action} for version ${params.get('Version')}`);
          send(res, 200, assumeRole(params, req), id);
        } catch (error) {
          sendError(res, error instanceof StsApiError ? error : new StsApiError('InternalFailure', String(error), 500), id);
        }
      },
      (error: unknown) => sendError(res, new StsApiError('InternalFailure', String(error), 500), 'none'),
    );
  });
  const url = await listenOnLoopback(server, options.port);

  return {
    url,
    sessions,
    requests,
    isValid(accessKeyId, sessionToken) {
      const session = sessions.find((s) => s.accessKeyId === accessKeyId);
      return session !== undefined && session.sessionToken === sessionToken && session.expiration.getTime() > now().getTime();
    },
    failNext(count, fault) {
      for (let i = 0; i < count; i += 1) faults.push(fault);
    },
    close: () => closeServer(server),
  };
}

/** The access key id a SigV4 request was signed with (`Authorization: AWS4-HMAC-SHA256 Credential=<id>/<date>/...`). */
export function accessKeyIdOf(req: IncomingMessage): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
}

function requestId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

function send(res: ServerResponse, status: number, body: string, id: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': id });
  res.end(body);
}

function sendError(res: ServerResponse, error: StsApiError, id: string): void {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  send(res, error.status, `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`, id);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
