import type { ConsumerRecord } from '../support/consumer-record.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { MessageListenerContainer } from './message-listener-container.js';

/**
 * What the container calls when a listener fails, as Spring's `CommonErrorHandler`. The
 * container first commits what was processed before the failure, then:
 *
 * - record listeners: `handleRemaining(error, [failed, ...unprocessed rest of the batch])`.
 *   The handler positions the consumer (`consumer.seek`) and resolves `true` when the failed
 *   record was recovered (it then counts as processed and is committed when
 *   `isAckAfterHandle()`), `false` when it is to be redelivered.
 * - batch listeners: `handleBatch(error, records)` resolves how many leading records count as
 *   processed; the handler seeks the rest.
 * - `handleOtherException`: failures outside a listener call (commits, rebalances).
 * - `isCommitRecovered()` (optional): commit a recovered record's offset at once, whatever
 *   the ack mode.
 * - `seeksAfterHandling()` (optional, default true): false means the handler does not seek.
 *   The container then calls `handleOne(error, failedRecord)` instead of `handleRemaining`:
 *   `true` (recovered) goes on with the next record of the batch in hand, `false` invokes the
 *   listener with the same record again, without fetching it again (Spring's
 *   `seekAfterError: false`).
 * - `deliveryAttempt(groupId, record)` (optional): the number of the coming delivery, written
 *   to `kafka_deliveryAttempt` when the container's `deliveryAttemptHeader` is on.
 *
 * Records the container must hold back rather than count as failed (a retry-topic record not
 * due yet, a circuit breaker that is open) never reach the handler: the container positions
 * the consumer on them itself.
 */
export interface CommonErrorHandler {
  handleRemaining(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean>;
  handleBatch(error: Error, records: readonly ConsumerRecord[], consumer: ContainerConsumer, container: MessageListenerContainer): Promise<number>;
  handleOtherException(error: unknown, consumer: ContainerConsumer, container: MessageListenerContainer, batchListener: boolean): void;
  isAckAfterHandle(): boolean;
  isCommitRecovered?(): boolean;
  /** `error`, when given, is the failure about to be handled (a wrapper may answer per failure). */
  seeksAfterHandling?(error?: Error): boolean;
  handleOne?(error: Error, record: ConsumerRecord, consumer: ContainerConsumer, container: MessageListenerContainer): Promise<boolean>;
  deliveryAttempt?(groupId: string, record: ConsumerRecord): number;
}
