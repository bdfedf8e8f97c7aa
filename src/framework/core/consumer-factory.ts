import type { Consumer, KafkaConfig } from 'kafkajs';
import { defaultLogger, type Logger } from '../support/logger.js';
import { StringDeserializer } from '../support/serializer/string-serializer.js';
import type { Deserializer } from '../support/serializer/serializer.js';
import { CONSUMER_DEFAULTS, parseConsumerOverrides, type ConsumerSettings, type KafkaConsumerOverrides } from './consumer-config.js';
import { createKafka } from './kafka-clients.js';
import { KafkaException } from '../kafka-exception.js';

/** A kafkajs consumer plus the settings it was created with. */
export interface CreatedConsumer {
  readonly consumer: Consumer;
  readonly clientId: string;
  readonly groupId: string;
  readonly settings: ConsumerSettings;
}

/** Creates consumers for containers, as Spring's `ConsumerFactory`. */
export abstract class ConsumerFactory {
  abstract readonly keyDeserializer: Deserializer;
  abstract readonly valueDeserializer: Deserializer;
  /** The factory's own settings (group id, timeouts...), before per-container overrides. */
  abstract readonly configurationProperties: ConsumerSettings;
  /** The kafkajs client config consumers connect with. */
  abstract readonly kafka: KafkaConfig | undefined;
  abstract createConsumer(groupId: string | undefined, clientId: string, overrides?: KafkaConsumerOverrides): CreatedConsumer;
}

export interface DefaultKafkaConsumerFactoryOptions {
  /** kafkajs client config (brokers, ssl, sasl, retry...); KafkaApplication fills it in when absent. */
  kafka?: KafkaConfig;
  /** Consumer settings, kafkajs-named or as Kafka `key=value` strings. */
  consumerConfig?: KafkaConsumerOverrides;
  /** Default: StringDeserializer. */
  keyDeserializer?: Deserializer;
  /** Default: StringDeserializer (listener parameters are converted from the text by declared type). */
  valueDeserializer?: Deserializer;
  logger?: Logger;
}

/** One kafkajs consumer per call, as Spring's `DefaultKafkaConsumerFactory`. */
export class DefaultKafkaConsumerFactory extends ConsumerFactory {
  readonly keyDeserializer: Deserializer;
  readonly valueDeserializer: Deserializer;
  readonly configurationProperties: ConsumerSettings;
  private kafkaConfig: KafkaConfig | undefined;
  private logger: Logger;

  constructor(options: DefaultKafkaConsumerFactoryOptions = {}) {
    super();
    this.logger = options.logger ?? defaultLogger();
    this.kafkaConfig = options.kafka;
    this.keyDeserializer = options.keyDeserializer ?? new StringDeserializer();
    this.valueDeserializer = options.valueDeserializer ?? new StringDeserializer();
    this.configurationProperties = parseConsumerOverrides(options.consumerConfig, this.logger);
  }

  /** Used by KafkaApplication for factories created without their own client config. */
  applyDefaults(kafka: KafkaConfig, logger: Logger): void {
    this.kafkaConfig ??= kafka;
    this.logger = logger;
  }

  get kafka(): KafkaConfig | undefined {
    return this.kafkaConfig;
  }

  createConsumer(groupId: string | undefined, clientId: string, overrides?: KafkaConsumerOverrides): CreatedConsumer {
    if (!this.kafkaConfig) throw new KafkaException('The consumer factory has no Kafka client config (kafka.brokers)');
    const settings: ConsumerSettings = {
      ...CONSUMER_DEFAULTS,
      ...this.configurationProperties,
      ...parseConsumerOverrides(overrides, this.logger),
    };
    const resolvedGroup = groupId ?? settings.groupId;
    if (!resolvedGroup) {
      throw new KafkaException(
        'No group.id found in consumer config, container properties, or @KafkaListener annotation; ' +
          'a group.id is required when group management is used.',
      );
    }
    const { autoOffsetReset: _reset, isolationLevel, ...kafkaJsSettings } = settings;
    if (isolationLevel !== undefined) kafkaJsSettings.readUncommitted = isolationLevel === 'read_uncommitted';
    const consumer = createKafka(this.kafkaConfig, this.logger, clientId).consumer({ ...kafkaJsSettings, groupId: resolvedGroup });
    return { consumer, clientId, groupId: resolvedGroup, settings: { ...settings, groupId: resolvedGroup } };
  }
}
