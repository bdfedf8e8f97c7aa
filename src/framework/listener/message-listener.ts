import type { Acknowledgment } from '../support/acknowledgment.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { ConsumerRecords } from '../support/consumer-records.js';
import type { ContainerConsumer } from './container-consumer.js';
import { isConsumerSeekAware, type ConsumerSeekAware } from './consumer-seek-aware.js';

/**
 * What a container calls for each record. One interface covers Spring's four record-listener
 * variants: the acknowledgment and consumer are always passed and may be ignored.
 */
export interface MessageListener<K = unknown, V = unknown> {
  readonly batch?: false;
  onMessage(record: ConsumerRecord<K, V>, acknowledgment: Acknowledgment, consumer: ContainerConsumer): unknown;
}

/** What a container calls for each batch (one partition's share of a fetch). */
export interface BatchMessageListener<K = unknown, V = unknown> {
  readonly batch: true;
  onMessage(records: ConsumerRecords<K, V>, acknowledgment: Acknowledgment, consumer: ContainerConsumer): unknown;
}

export type GenericMessageListener<K = unknown, V = unknown> = MessageListener<K, V> | BatchMessageListener<K, V>;

/** A plain function is accepted as a record listener. */
export type MessageListenerFunction<K = unknown, V = unknown> = (
  record: ConsumerRecord<K, V>,
  acknowledgment: Acknowledgment,
  consumer: ContainerConsumer,
) => unknown;

export function toMessageListener<K, V>(
  listener: GenericMessageListener<K, V> | MessageListenerFunction<K, V>,
): GenericMessageListener<K, V> {
  return typeof listener === 'function' ? { onMessage: listener } : listener;
}

/**
 * The ConsumerSeekAware behind a listener: the listener itself, or the bean of a
 * `@KafkaListener` adapter (its `seekAwareBean`).
 */
export function seekAwareOf(listener: unknown): ConsumerSeekAware | undefined {
  if (isConsumerSeekAware(listener)) return listener;
  const bean = (listener as { seekAwareBean?: unknown } | undefined)?.seekAwareBean;
  return isConsumerSeekAware(bean) ? bean : undefined;
}

export function isBatchListener(listener: GenericMessageListener): listener is BatchMessageListener {
  return listener.batch === true;
}
