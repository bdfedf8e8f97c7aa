import { Acknowledgment } from '../support/acknowledgment.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { ConsumerRecords } from '../support/consumer-records.js';
import { BatchListenerFailedException } from '../listener/batch-listener-failed-exception.js';
import { KafkaBackoffException } from '../listener/kafka-backoff-exception.js';
import type { ContainerConsumer } from '../listener/container-consumer.js';
import { isBatchListener, type BatchMessageListener, type GenericMessageListener, type MessageListener } from '../listener/message-listener.js';
import { TimestampedException } from '../listener/timestamped-exception.js';
import { backOffTimestampOf } from './retry-topic-headers.js';

/** Due times further ahead than this are ignored (a clock or header gone wrong), as in Spring. */
const MAX_BACK_OFF = 24 * 60 * 60 * 1000;

/**
 * Wraps the listener of each container of a retry-topic chain, as Spring's
 * `KafkaBackoffAwareMessageListenerAdapter`:
 *
 * - a record whose `retry_topic-backoff-timestamp` is still ahead is not handed to the
 *   listener: a {@link KafkaBackoffException} makes the container seek back to it and pause
 *   only its partition until it is due (the other partitions keep flowing);
 * - a listener failure is wrapped in a {@link TimestampedException}, so that the next attempt
 *   is due its delay after the failure.
 *
 * Batch listeners (which Spring's retry topics don't support) receive the due records at the
 * head of the batch; the partition then waits for the first record that is not due.
 */
export function kafkaBackoffAwareListener(delegate: GenericMessageListener, listenerId: string, clock: () => number = Date.now): GenericMessageListener {
  const notDue = (record: ConsumerRecord): KafkaBackoffException | undefined => {
    const due = backOffTimestampOf(record.headers);
    if (due === undefined) return undefined;
    const wait = due - clock();
    if (wait <= 0 || wait > MAX_BACK_OFF) return undefined;
    return new KafkaBackoffException(
      `Partition ${record.partition} from topic ${record.topic} is not ready for consumption, backing off for approx. ${wait} millis.`,
      { topic: record.topic, partition: record.partition },
      listenerId,
      due,
    );
  };

  const adapter: GenericMessageListener = isBatchListener(delegate)
    ? ({
        batch: true,
        async onMessage(records: ConsumerRecords, ack: Acknowledgment, consumer: ContainerConsumer) {
          const index = records.findIndex((record) => notDue(record) !== undefined);
          if (index === 0) throw notDue(records[0]!)!;
          const due = index < 0 ? records : ConsumerRecords.fromList(records.slice(0, index));
          try {
            // Acknowledging "the whole batch" must not cover the records that are not due.
            await delegate.onMessage(due, index < 0 ? ack : new PrefixAcknowledgment(ack), consumer);
          } catch (error) {
            throw new TimestampedException(error, clock());
          }
          if (index > 0) {
            throw new BatchListenerFailedException(`Records from ${records[index]} on are not due yet`, index, { cause: notDue(records[index]!) });
          }
        },
      } satisfies BatchMessageListener)
    : ({
        async onMessage(record: ConsumerRecord, ack: Acknowledgment, consumer: ContainerConsumer) {
          const backOff = notDue(record);
          if (backOff) throw backOff;
          try {
            await (delegate as MessageListener).onMessage(record, ack, consumer);
          } catch (error) {
            throw new TimestampedException(error, clock());
          }
        },
      } satisfies MessageListener);
  return forwardReplies(adapter, delegate);
}

/**
 * A batch's acknowledgment for the due head of the batch: the container counts the head as
 * processed when the partition is held, so `acknowledge()` of "the whole batch" is left to it.
 */
class PrefixAcknowledgment extends Acknowledgment {
  constructor(private readonly delegate: Acknowledgment) {
    super();
  }

  acknowledge(index?: number): void {
    if (index !== undefined) this.delegate.acknowledge(index);
  }

  nack(sleepMsOrIndex: number, sleepMs?: number): void {
    this.delegate.nack(sleepMsOrIndex, sleepMs);
  }
}

/** Keeps `@SendTo` working through the wrapper: the reply template is handed on to the adapter inside. */
function forwardReplies(adapter: GenericMessageListener, delegate: GenericMessageListener): GenericMessageListener {
  const inner = delegate as { setReplyTemplate?: (...args: unknown[]) => void; sendsReplies?: boolean };
  if (typeof inner.setReplyTemplate !== 'function') return adapter;
  Object.defineProperty(adapter, 'setReplyTemplate', { value: (...args: unknown[]) => inner.setReplyTemplate!(...args) });
  Object.defineProperty(adapter, 'sendsReplies', { get: () => inner.sendsReplies });
  return adapter;
}
