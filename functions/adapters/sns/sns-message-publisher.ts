import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { MessagePublisher, OutboundMessage } from '../../ports/ports';

/** Publishes to one SNS topic; attributes become String message attributes for filter policies. */
export class SnsMessagePublisher implements MessagePublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(message: OutboundMessage): Promise<string> {
    const out = await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: message.subject,
        Message: message.body,
        MessageAttributes: Object.fromEntries(
          Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
    );
    return out.MessageId ?? '';
  }
}
