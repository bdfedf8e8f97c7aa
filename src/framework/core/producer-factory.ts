import { Partitioners, type KafkaConfig, type Producer, type ProducerConfig } from 'kafkajs';
import { KafkaException } from '../kafka-exception.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { JsonSerializer } from '../support/serializer/json-serializer.js';
import type { Serializer } from '../support/serializer/serializer.js';
import { StringSerializer } from '../support/serializer/string-serializer.js';
import { createKafka, describeBrokers } from './kafka-clients.js';

/** Supplies connected producers to templates, as Spring's `ProducerFactory`. */
export abstract class ProducerFactory {
  abstract readonly keySerializer: Serializer;
  abstract readonly valueSerializer: Serializer;
  /** A connected producer; the same one on every call for a non-transactional factory. */
  abstract createProducer(): Promise<Producer>;
  /** Disconnects the producer(s); a later `createProducer()` connects again. */
  abstract close(): Promise<void>;
}

export interface DefaultKafkaProducerFactoryOptions {
  /** kafkajs client config; KafkaApplication fills it in when absent. */
  kafka?: KafkaConfig;
  /** kafkajs producer settings (retry, idempotent, ...). */
  producerConfig?: ProducerConfig;
  /** Default: StringSerializer. */
  keySerializer?: Serializer;
  /** Default: JsonSerializer (strings and bytes are written as they are). */
  valueSerializer?: Serializer;
  logger?: Logger;
}

/**
 * One shared kafkajs producer, connected on first use, as Spring's
 * `DefaultKafkaProducerFactory`. The partitioner defaults to kafkajs' `DefaultPartitioner`,
 * which places keys like the Java client (murmur2), so Spring and Streamwright producers
 * agree on partitions.
 */
export class DefaultKafkaProducerFactory extends ProducerFactory {
  readonly keySerializer: Serializer;
  readonly valueSerializer: Serializer;
  private kafkaConfig: KafkaConfig | undefined;
  private logger: Logger;
  private producer: Promise<Producer> | undefined;

  constructor(private readonly options: DefaultKafkaProducerFactoryOptions = {}) {
    super();
    this.kafkaConfig = options.kafka;
    this.logger = options.logger ?? defaultLogger();
    this.keySerializer = options.keySerializer ?? new StringSerializer();
    this.valueSerializer = options.valueSerializer ?? new JsonSerializer();
  }

  applyDefaults(kafka: KafkaConfig, logger: Logger): void {
    this.kafkaConfig ??= kafka;
    this.logger = logger;
  }

  createProducer(): Promise<Producer> {
    this.producer ??= this.connect();
    return this.producer;
  }

  async close(): Promise<void> {
    const pending = this.producer;
    this.producer = undefined;
    if (!pending) return;
    const producer = await pending.catch(() => undefined);
    await producer?.disconnect().catch((error) => this.logger.warn('Producer disconnect failed', error));
  }

  private async connect(): Promise<Producer> {
    const config = this.kafkaConfig;
    if (!config) throw new KafkaException('The producer factory has no Kafka client config (kafka.brokers)');
    const producer = createKafka(config, this.logger).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      ...this.options.producerConfig,
    });
    try {
      await producer.connect();
      return producer;
    } catch (error) {
      // Let the next send try again instead of caching the failure.
      this.producer = undefined;
      throw new KafkaException(`Producer could not connect to ${describeBrokers(config)}: ${messageOf(error)}`, { cause: error });
    }
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
