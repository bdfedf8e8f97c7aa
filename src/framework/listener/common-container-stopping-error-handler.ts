import type { ConsumerRecord } from '../support/consumer-record.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import type { CommonErrorHandler } from './common-error-handler.js';
import { describeError } from './error-handling-utils.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { MessageListenerContainer } from './message-listener-container.js';

/**
 * Stops the container when a listener fails, as Spring's `CommonContainerStoppingErrorHandler`
 * (the whole concurrent container, not only the failing consumer). The failed record and the
 * rest of the batch are not committed: the records processed before it are, and once the
 * container is started again its consumers resume at the failed record.
 *
 * The stop is started, not awaited: the container's stop waits for the record in hand, which
 * is the one being handled here.
 */
export class CommonContainerStoppingErrorHandler implements CommonErrorHandler {
  constructor(private readonly logger: Logger = defaultLogger()) {}

  isAckAfterHandle(): boolean {
    return true;
  }

  async handleRemaining(error: Error, records: readonly ConsumerRecord[], _consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean> {
    this.stop(container, error, records[0]?.toString() ?? 'a record');
    return false;
  }

  async handleBatch(error: Error, records: readonly ConsumerRecord[], _consumer: ContainerConsumer, container: MessageListenerContainer): Promise<number> {
    this.stop(container, error, `a batch of ${records.length} record(s)`);
    return 0;
  }

  handleOtherException(error: unknown, _consumer: ContainerConsumer, container: MessageListenerContainer): void {
    this.stop(container, error, 'an error outside the listener');
  }

  private stop(container: MessageListenerContainer, error: unknown, what: string): void {
    const target = (container as { thisOrParentContainer?: MessageListenerContainer }).thisOrParentContainer ?? container;
    this.logger.error(`Stopping container ${target.listenerId} after ${what} failed: ${describeError(error)}`, error);
    target.stop().catch((stopError: unknown) => this.logger.error(`Stopping container ${target.listenerId} failed`, stopError));
  }
}
