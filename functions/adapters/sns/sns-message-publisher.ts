import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { MessagePublisher, OutboundMessage } from '../../ports/ports';

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
    const out = await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(message.subject),
        ...(message.json === undefined
          ? { Message: message.body }
          : // One message, a body per protocol: people read the text, integrations (AWS Chatbot, webhooks, queues) the JSON.
            { MessageStructure: 'json', Message: JSON.stringify(perProtocol(message.body, JSON.stringify(message.json))) }),
        MessageAttributes: Object.fromEntries(
          Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
    );
    return out.MessageId ?? '';
  }
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
