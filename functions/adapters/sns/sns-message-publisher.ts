import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { MessagePublisher, OutboundMessage } from '../../ports/ports';

/** SNS's limit for one message: 256 KiB of body plus every attribute's name, type and value, in UTF-8. */
export const SNS_PAYLOAD_LIMIT_BYTES = 256 * 1024;

/**
 * How long one Publish may take, the SDK's retries included. The alert ledger relies on it: a claim still
 * pending well past this belongs to a run that died (see the lease in evaluate-budget-alerts).
 */
export const PUBLISH_TIMEOUT_MS = 20_000;

/** Thrown before the call when a message would exceed SNS's limit (SNS's own refusal does not say by how much). */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
}

/**
 * Publishes to one SNS topic; attributes become String message attributes for filter policies. A message
 * with a JSON form goes out with message structure `json`: text for email, JSON for integrations.
 */
export class SnsMessagePublisher implements MessagePublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(message: OutboundMessage): Promise<string> {
    // One message, a body per protocol: people read the text, integrations (AWS Chatbot, webhooks, queues) the JSON.
    const body = message.json === undefined ? message.body : JSON.stringify(perProtocol(message.body, JSON.stringify(message.json)));
    const bytes = snsPayloadBytes(body, message.attributes);
    if (bytes > SNS_PAYLOAD_LIMIT_BYTES) {
      throw new MessageTooLargeError(`"${message.subject}" is ${bytes} bytes with its attributes; SNS takes at most ${SNS_PAYLOAD_LIMIT_BYTES}`);
    }
    const out = await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(message.subject),
        ...(message.json === undefined ? { Message: body } : { MessageStructure: 'json', Message: body }),
        MessageAttributes: Object.fromEntries(
          Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
      { abortSignal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS) },
    );
    return out.MessageId ?? '';
  }
}

/** A message's size as SNS counts it against its limit: the body, and each attribute's name, type and value. */
export function snsPayloadBytes(body: string, attributes: Record<string, string>): number {
  return Object.entries(attributes).reduce((n, [name, value]) => n + Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value), Buffer.byteLength(body));
}

/** SNS message structure: `default` and email get the text; the machine protocols get the JSON. */
function perProtocol(text: string, json: string): Record<string, string> {
  return { default: text, email: text, 'email-json': json, http: json, https: json, sqs: json, lambda: json, firehose: json };
}

/**
 * SNS refuses a Subject that is not ASCII, holds line breaks or control characters, or is 100 characters
 * or more: accents are dropped (é → e), other characters become `?`, an ellipsis becomes `...`.
 */
export function snsSubject(subject: string): string {
  const ascii = subject
    .replace(/…/g, '...')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');
  return ascii.length < 100 ? ascii : `${ascii.slice(0, 96)}...`;
}
