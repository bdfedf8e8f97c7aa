import type { Context, Link, Span } from '@opentelemetry/api';
import type { Acknowledgment } from '../support/acknowledgment.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { ConsumerRecords } from '../support/consumer-records.js';
import type { ContainerConsumer } from '../listener/container-consumer.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import { isBatchListener, type BatchMessageListener, type GenericMessageListener } from '../listener/message-listener.js';
import type { KafkaTracing } from './kafka-tracing.js';
import { Messaging, processAttributes } from './messaging-attributes.js';

interface ContainerIds {
  readonly groupId: string;
  readonly clientId: string | undefined;
  readonly listenerId: string;
}

/**
 * Runs each call of a container's batch listener in one CONSUMER span `process <topic>`, with
 * a link to each record's context. The span is current while the listener runs, so its sends
 * are its children. While no tracer provider is registered (it was removed) the listener is
 * called straight through. A record listener is returned as it is: the dispatcher runs each
 * record in its span ({@link tracingRecordScopes}), around interceptor and error handler too.
 */
export function tracingListener(listener: GenericMessageListener, container: MessageListenerContainer, tracing: KafkaTracing): GenericMessageListener {
  if (!isBatchListener(listener)) return listener;
  const ids: ContainerIds = { groupId: container.groupId, clientId: (container as { clientId?: string }).clientId, listenerId: container.listenerId };
  return {
    batch: true,
    onMessage: (records: ConsumerRecords, ack: Acknowledgment, consumer: ContainerConsumer) =>
      tracing.isActive() && records.length > 0 ? processBatch(tracing, listener, records, ack, consumer, ids) : listener.onMessage(records, ack, consumer),
  } satisfies BatchMessageListener;
}

function processBatch(tracing: KafkaTracing, listener: BatchMessageListener, records: ConsumerRecords, ack: Acknowledgment, consumer: ContainerConsumer, ids: ContainerIds): unknown {
  const { api } = tracing;
  const links: Link[] = [];
  for (const record of records) {
    const creation = api.trace.getSpanContext(tracing.extract(record));
    if (creation && api.isSpanContextValid(creation)) links.push({ context: creation, attributes: { [Messaging.KAFKA_OFFSET]: record.offset } });
  }
  const first = records[0]!;
  const sameTopic = records.every((r) => r.topic === first.topic);
  const samePartition = sameTopic && records.every((r) => r.partition === first.partition);
  const attributes = processAttributes(first, ids.groupId, ids.clientId, ids.listenerId);
  // A batch's own attributes: its size, and the destination only when every record shares it.
  delete attributes[Messaging.KAFKA_OFFSET];
  delete attributes[Messaging.KAFKA_MESSAGE_KEY];
  delete attributes[Messaging.KAFKA_TOMBSTONE];
  delete attributes[Messaging.CONVERSATION_ID];
  if (!sameTopic) delete attributes[Messaging.DESTINATION_NAME];
  if (!samePartition) delete attributes[Messaging.DESTINATION_PARTITION_ID];
  attributes[Messaging.BATCH_MESSAGE_COUNT] = records.length;
  // Links, not a parent: a batch's records come from many traces (the conventions' default).
  const span = tracing.tracer().startSpan(sameTopic ? `process ${first.topic}` : 'process', { kind: api.SpanKind.CONSUMER, attributes, links }, api.ROOT_CONTEXT);
  const context = api.trace.setSpan(api.ROOT_CONTEXT, span);
  return run(tracing, span, context, records, () => api.context.with(context, listener.onMessage, listener, records, ack, consumer));
}

/** Calls the listener and ends the span when it returns, or when the promise it returned settles. */
function run(tracing: KafkaTracing, span: Span, context: Context, records: readonly ConsumerRecord[], call: () => unknown): unknown {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    tracing.endProcessing(span, context, records, error);
    throw error;
  }
  if (!isPromiseLike(result)) {
    span.end();
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      tracing.endProcessing(span, context, records, error);
      throw error;
    },
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
