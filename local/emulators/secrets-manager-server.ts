import { createServer } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from './loopback';

/**
 * A loopback AWS Secrets Manager with `GetSecretValue` only, for testing the Lambda handlers as deployed
 * (admin keys read through Powertools Parameters and the real SDK client). Speaks AWS JSON 1.1:
 * `POST /`, `x-amz-target: secretsmanager.GetSecretValue`, errors `{"__type": "ResourceNotFoundException"}`.
 */
export interface SecretsManagerServer {
  url: string;
  /** Secret ids requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startSecretsManagerServer(secrets: Record<string, string>): Promise<SecretsManagerServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const send = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (target !== 'secretsmanager.GetSecretValue') return send(400, { __type: 'UnknownOperationException', message: `unsupported: ${target}` });
      const { SecretId } = JSON.parse(text || '{}') as { SecretId?: string };
      requests.push(String(SecretId));
      const value = SecretId === undefined ? undefined : secrets[SecretId];
      if (value === undefined) return send(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      send(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}-AbCdEf`,
        Name: SecretId,
        SecretString: value,
        VersionId: '00000000-0000-4000-8000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1790812800,
      });
    });
  });
  const url = await listenOnLoopback(server);
  return { url, requests, close: () => closeServer(server) };
}
