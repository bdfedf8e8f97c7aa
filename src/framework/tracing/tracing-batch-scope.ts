import type { Attributes, Link } from '@opentelemetry/api';
import type { ConsumerRecord } from '../support/consumer-record.js';
import type { BatchScopeOpener } from '../listener/listener-observer.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { KafkaTracing } from './kafka-tracing.js';
import { Messaging, processAttributes } from './messaging-attributes.js';
import { TracingRecordScope } from './tracing-record-scope.js';

/**
 * How a batch listener's container opens each batch's CONSUMER span `process <topic>`, with a
 * link to each record's context (a batch's records come from many traces, so it has no parent:
 * the conventions' default). The dispatcher runs the batch interceptor, the filter, the
 * listener and the error handler in it, so their spans (and a dead letter's send) are its
 * children. Decided when the consumer starts: none without a registered tracer provider; a
 * provider removed later is checked per batch.
 */
export function tracingBatchScopes(container: MessageListenerContainer, tracing: KafkaTracing): BatchScopeOpener | undefined {
  if (!tracing.isActive()) return undefined;
  const groupId = container.groupId;
  const clientId = (container as { clientId?: string }).clientId;
  const listenerId = container.listenerId;
  return (records) => {
    if (!tracing.isActive() || records.length === 0) return undefined;
    const { api } = tracing;
    const links: Link[] = [];
    for (const record of records) {
      const creation = api.trace.getSpanContext(tracing.extract(record));
      if (creation && api.isSpanContextValid(creation)) links.push({ context: creation, attributes: { [Messaging.KAFKA_OFFSET]: record.offset } });
    }
    const first = records[0]!;
    const sameTopic = records.every((r) => r.topic === first.topic);
    const span = tracing.tracer().startSpan(sameTopic ? `process ${first.topic}` : 'process', { kind: api.SpanKind.CONSUMER, attributes: batchAttributes(records, groupId, clientId, listenerId), links }, api.ROOT_CONTEXT);
    return new TracingRecordScope(tracing, span, api.trace.setSpan(api.ROOT_CONTEXT, span), records);
  };
}

/** A batch's own attributes: its size, and the destination only when every record shares it. */
function batchAttributes(records: readonly ConsumerRecord[], groupId: string, clientId: string | undefined, listenerId: string): Attributes {
  const first = records[0]!;
  const sameTopic = records.every((r) => r.topic === first.topic);
  const samePartition = sameTopic && records.every((r) => r.partition === first.partition);
  const attributes = processAttributes(first, groupId, clientId, listenerId);
  delete attributes[Messaging.KAFKA_OFFSET];
  delete attributes[Messaging.KAFKA_MESSAGE_KEY];
  delete attributes[Messaging.KAFKA_TOMBSTONE];
  delete attributes[Messaging.CONVERSATION_ID];
  if (!sameTopic) delete attributes[Messaging.DESTINATION_NAME];
  if (!samePartition) delete attributes[Messaging.DESTINATION_PARTITION_ID];
  attributes[Messaging.BATCH_MESSAGE_COUNT] = records.length;
  return attributes;
}
