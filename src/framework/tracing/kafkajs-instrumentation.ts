import { Kafka } from 'kafkajs';

/**
 * Whether `@opentelemetry/instrumentation-kafkajs` (or another shimmer-based patch) has wrapped
 * kafkajs: it replaces `Kafka.prototype.producer` and `.consumer` with wrappers that shimmer
 * marks `__wrapped`. Its spans sit below the framework's, so having both doubles every span.
 */
export function isKafkaJsInstrumented(): boolean {
  const prototype = Kafka.prototype as unknown as Record<string, { __wrapped?: unknown } | undefined>;
  return prototype.producer?.__wrapped === true || prototype.consumer?.__wrapped === true;
}
