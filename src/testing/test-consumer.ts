import { Kafka, logLevel, type Consumer, type KafkaConfig } from 'kafkajs';
import { ConsumerRecordFactory } from '../framework/listener/consumer-record-factory.js';
import type { ConsumerRecord } from '../framework/support/consumer-record.js';
import type { Deserializer } from '../framework/support/serializer/serializer.js';
import { StringDeserializer } from '../framework/support/serializer/string-serializer.js';

/** How to connect a test consumer; see `KafkaTestUtils.consumerProps`. */
export interface TestConsumerProps {
  readonly kafka: KafkaConfig;
  readonly groupId: string;
  /** Commit what was consumed (default false, as Spring's `consumerProps(group, "false", broker)`). */
  readonly autoCommit?: boolean;
  /** `earliest` (default, as Spring's test props) or `latest`. */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  readonly sessionTimeout?: number;
  readonly heartbeatInterval?: number;
  readonly maxWaitTimeInMs?: number;
  readonly keyDeserializer?: Deserializer;
  readonly valueDeserializer?: Deserializer;
}

/**
 * A consumer that buffers what it receives so a test can "poll" with a timeout, which is the
 * shape Spring's KafkaTestUtils expects. Resolves from `create` once it has joined its group.
 */
export class TestConsumer {
  private readonly buffer: ConsumerRecord[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async create(props: TestConsumerProps, topics: readonly (string | RegExp)[]): Promise<TestConsumer> {
    const kafka = new Kafka({ logLevel: logLevel.NOTHING, ...props.kafka, clientId: props.kafka.clientId ?? `test-consumer-${props.groupId}` });
    const consumer = kafka.consumer({
      groupId: props.groupId,
      sessionTimeout: props.sessionTimeout ?? 10_000,
      heartbeatInterval: props.heartbeatInterval ?? 500,
      maxWaitTimeInMs: props.maxWaitTimeInMs ?? 100,
    });
    const test = new TestConsumer(consumer);
    const records = new ConsumerRecordFactory(props.keyDeserializer ?? new StringDeserializer(), props.valueDeserializer ?? new StringDeserializer());
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [...topics], fromBeginning: (props.autoOffsetReset ?? 'earliest') === 'earliest' });
      await consumer.run({
        autoCommit: props.autoCommit ?? false,
        eachMessage: async ({ topic, partition, message }) => test.push(records.create(topic, partition, message)),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    return test;
  }

  /** Waits up to `timeoutMs` for records and returns (and removes) everything buffered. */
  async poll(timeoutMs: number): Promise<ConsumerRecord[]> {
    await this.waitUntil(() => this.buffer.length > 0, timeoutMs);
    return this.buffer.splice(0);
  }

  /** Waits until `predicate` holds for the buffer or the timeout passes; returns whether it held. */
  async waitUntil(predicate: (buffered: readonly ConsumerRecord[]) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    while (!predicate(this.buffer)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Removes and returns the buffered records that match. */
  take(predicate: (record: ConsumerRecord) => boolean): ConsumerRecord[] {
    const taken: ConsumerRecord[] = [];
    for (let i = 0; i < this.buffer.length; ) {
      if (predicate(this.buffer[i]!)) taken.push(...this.buffer.splice(i, 1));
      else i++;
    }
    return taken;
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }

  private push(record: ConsumerRecord): void {
    this.buffer.push(record);
    this.waiters.splice(0).forEach((wake) => wake());
  }
}
