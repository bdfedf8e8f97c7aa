import type { ConsumerRecord } from '../support/consumer-record.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import { describeError } from './error-handling-utils.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { MessageListenerContainer } from './message-listener-container.js';

/**
 * Logs the failure at ERROR and moves on, as Spring's `CommonLoggingErrorHandler`: the failed
 * record (or batch) counts as handled and is committed with the others
 * (`ackAfterHandle`, default true); the rest of the batch in hand goes on without a new fetch.
 * Nothing is retried.
 */
export class CommonLoggingErrorHandler implements CommonErrorHandler {
  private ackAfterHandle = true;

  constructor(private readonly logger: Logger = defaultLogger()) {}

  setAckAfterHandle(ackAfterHandle: boolean): this {
    this.ackAfterHandle = ackAfterHandle;
    return this;
  }

  isAckAfterHandle(): boolean {
    return this.ackAfterHandle;
  }

  seeksAfterHandling(): boolean {
    return false;
  }

  async handleOne(error: Error, record: ConsumerRecord, _consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    this.logger.error(`Error in container ${container.listenerId} for ${record}; it is skipped: ${describeError(error)}`, error);
    return true;
  }

  /** Only reached when a container calls it directly: logs, and positions the consumer past the failed record. */
  async handleRemaining(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    const failed = records[0];
    if (!failed) return false;
    await this.handleOne(error, failed, consumer, container);
    consumer.seek(failed, failed.offset + 1);
    return true;
  }

  async handleBatch(error: Error, records: readonly ConsumerRecord[], _consumer: ContainerConsumer, container: MessageListenerContainer): Promise<number> {
    this.logger.error(`Error in container ${container.listenerId} for a batch of ${records.length} record(s); it is skipped: ${describeError(error)}`, error);
    return records.length;
  }

  handleOtherException(error: unknown, _consumer: ContainerConsumer, container: MessageListenerContainer): void {
    this.logger.error(`Error in container ${container.listenerId} outside the listener`, error);
  }
}
