/**
 * Plumbing for the error-handling tests: a broker that accepts short session timeouts (so a
 * back-off can outlast one quickly), reading a topic's records with their raw bytes, and
 * timelines of what a listener saw.
 */
import { EmbeddedKafka } from '../../../../src/broker/embedded-kafka.js';
import { consoleLogger as brokerLogger } from '../../../../src/broker/logger.js';
import type { ConsumerSettings } from '../../../../src/framework/core/consumer-config.js';
import { BufferDeserializer, type ConsumerRecord } from '../../../../src/index.js';
import { KafkaTestUtils } from '../../../../src/testing/kafka-test-utils.js';
import { kafkaConfig, unique } from '../../support/framework-harness.js';

export * from '../../support/framework-harness.js';

const level = (process.env.STREAMWRIGHT_TEST_LOG as 'debug' | undefined) ?? 'silent';

/** An embedded broker whose groups accept session timeouts down to 1 s. */
export async function startErrorHandlingBroker(config: Record<string, string | number | boolean> = {}): Promise<EmbeddedKafka> {
  return EmbeddedKafka.start({ port: 0, logger: brokerLogger(level, 'test-broker'), config: { 'group.min.session.timeout.ms': 1000, ...config } });
}

/** Consumer settings with a 2 s session: a back-off longer than that must not cost the membership. */
export const SHORT_SESSION: ConsumerSettings = {
  sessionTimeout: 2000,
  rebalanceTimeout: 4000,
  heartbeatInterval: 200,
  maxWaitTimeInMs: 100,
  retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 500 },
};

/** Reads at least `count` records of a topic (values and keys as raw bytes). */
export async function readTopic(kafka: EmbeddedKafka, topic: string, count: number, timeoutMs = 15_000): Promise<ConsumerRecord<Buffer, Buffer>[]> {
  const consumer = await KafkaTestUtils.createConsumer(
    { ...KafkaTestUtils.consumerProps(kafkaConfig(kafka), unique('reader')), keyDeserializer: new BufferDeserializer(), valueDeserializer: new BufferDeserializer() },
    topic,
  );
  try {
    return await KafkaTestUtils.getRecords<Buffer, Buffer>(consumer, timeoutMs, count);
  } finally {
    await consumer.close();
  }
}

/** The last value of a header, as raw bytes. */
export function header(record: ConsumerRecord, name: string): Buffer | undefined {
  return record.headers.lastHeader(name)?.value ?? undefined;
}

export function headerText(record: ConsumerRecord, name: string): string | undefined {
  return header(record, name)?.toString('utf8');
}

/** One listener call: what, and when. */
export interface Delivery {
  readonly value: string;
  readonly partition: number;
  readonly offset: number;
  readonly at: number;
}

export class Deliveries {
  readonly list: Delivery[] = [];

  add(record: ConsumerRecord): void {
    this.list.push({ value: record.value === null ? 'null' : Buffer.isBuffer(record.value) ? record.value.toString('utf8') : String(record.value), partition: record.partition, offset: record.offset, at: Date.now() });
  }

  of(value: string): Delivery[] {
    return this.list.filter((d) => d.value === value);
  }

  values(): string[] {
    return this.list.map((d) => d.value);
  }
}
