import type { KafkaConfig, ProducerConfig } from 'kafkajs';
import type { RetryableTopicOptions } from '../annotation/retryable-topic.js';
import { ConcurrentKafkaListenerContainerFactory } from '../config/concurrent-kafka-listener-container-factory.js';
import { DEFAULT_CONTAINER_FACTORY_NAME } from '../config/kafka-listener-container-factory.js';
import type { KafkaApplicationOptions } from '../container/kafka-application-options.js';
import { parseConsumerOverrides, type ConsumerSettings } from '../core/consumer-config.js';
import type { AckMode } from '../listener/ack-mode.js';
import type { ContainerPropertiesInit } from '../listener/container-properties.js';
import type { Logger } from '../support/logger.js';
import type { ProblemCollector } from './invalid-configuration-exception.js';
import { acksOf, applyPropertyMap, compressionOf, emptyOverrides, type ClientPropertyOverrides } from './kafka-client-properties.js';
import type { KafkaProperties } from './kafka-properties.js';
import { securityConfig } from './kafka-security.js';
import { configureSerdes, isSpringSerdeProperty } from './serde-auto-configuration.js';

/** What the properties contribute to KafkaApplication, under the code options. */
export interface AutoConfiguredOptions {
  readonly options: KafkaApplicationOptions;
  /** `@RetryableTopic` for listeners without one (`retry.topic.enabled`). */
  readonly defaultRetryableTopic: RetryableTopicOptions | undefined;
  /** Per-send defaults (`producer.acks`, `producer.compression-type`). */
  readonly send: ClientPropertyOverrides['send'];
  /** The template's batching (`producer.linger-ms`, `producer.batch-size`). */
  readonly batching: ClientPropertyOverrides['batching'];
  /** Client configs of the consumers and the producer when `consumer.*`/`producer.*` client keys differ from the common ones. */
  readonly consumerKafka: KafkaConfig | undefined;
  readonly producerKafka: KafkaConfig | undefined;
  readonly adminKafka: KafkaConfig | undefined;
  /** `template.allow-non-transactional`. */
  readonly allowNonTransactional: boolean | undefined;
  /** `template.observation-enabled` and `listener.observation-enabled`: tracing per side, unless the code says. */
  readonly tracing: { readonly template?: boolean; readonly listener?: boolean };
}

const strip = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/**
 * Spring Boot's `KafkaAutoConfiguration`, reduced to what KafkaApplication builds: the client
 * configs, the consumer/producer settings, the default container factory, the admin, the
 * template's default topic and the retry-topic defaults, from the bound properties. Options
 * given in code always win.
 */
export function autoConfigure(code: KafkaApplicationOptions, properties: KafkaProperties, problems: ProblemCollector, logger: Logger): AutoConfiguredOptions {
  const clientConfig = (prefix: string): Partial<KafkaConfig> => {
    const own = (name: string) => (prefix && properties.has(prefix + name) ? prefix + name : name);
    return strip({ brokers: properties.list(own('bootstrap-servers'))?.slice(), clientId: properties.text(own('client-id')), ...securityConfig(properties, prefix, problems) });
  };
  // Root `properties` apply to every client; client-type ones override them (Spring Boot's order).
  // Spring's serializer settings (`spring.json.*`) share the maps; configureSerdes reads them.
  const kafkaEntries = (mapKey: string) => properties.map(mapKey).filter((entry) => !isSpringSerdeProperty(entry.name));
  const common = emptyOverrides();
  applyPropertyMap(kafkaEntries('properties'), 'properties', 'all', common, problems);
  const consumerMap = emptyOverrides();
  applyPropertyMap(kafkaEntries('consumer.properties'), 'consumer.properties', 'consumer', consumerMap, problems);
  const producerMap = emptyOverrides();
  applyPropertyMap(kafkaEntries('producer.properties'), 'producer.properties', 'producer', producerMap, problems);
  const adminMap = emptyOverrides();
  applyPropertyMap(kafkaEntries('admin.properties'), 'admin.properties', 'admin', adminMap, problems);
  const serdes = configureSerdes(properties, code.types ?? [], problems);

  const fromProperties = { ...clientConfig(''), ...common.kafka };
  // The code's own object when no property adds to it (callers may hold on to it).
  const kafka = (Object.keys(fromProperties).length === 0 && code.kafka ? code.kafka : { ...fromProperties, ...code.kafka }) as KafkaConfig;
  if (properties.has('bootstrap-servers') && code.kafka?.brokers) logger.debug(`kafka.brokers from code wins over bootstrap-servers from ${properties.origin('bootstrap-servers')}`);
  const perClient = (prefix: string, map: ClientPropertyOverrides): KafkaConfig | undefined => {
    const keys = ['bootstrap-servers', 'client-id', 'security.protocol'].map((k) => prefix + k).concat(properties.keysUnder(`${prefix}ssl.`));
    if (!keys.some((k) => properties.has(k)) && Object.keys(map.kafka).length === 0) return undefined;
    return { ...kafka, ...clientConfig(prefix), ...map.kafka, ...code.kafka } as KafkaConfig;
  };

  // Consumer
  const consumerProps: ConsumerSettings = strip({
    groupId: properties.text('consumer.group-id'),
    autoOffsetReset: properties.text('consumer.auto-offset-reset') as ConsumerSettings['autoOffsetReset'],
    minBytes: properties.number('consumer.fetch-min-size'),
    maxWaitTimeInMs: properties.number('consumer.fetch-max-wait'),
    heartbeatInterval: properties.number('consumer.heartbeat-interval'),
    rebalanceTimeout: properties.number('consumer.max-poll-interval'),
    isolationLevel: properties.text('consumer.isolation-level') as ConsumerSettings['isolationLevel'],
  });
  const consumerConfig: ConsumerSettings = { ...common.consumer, ...consumerProps, ...consumerMap.consumer, ...parseConsumerOverrides(code.consumerConfig, logger) };
  const consumerKafka = perClient('consumer.', consumerMap);

  // Producer
  const retries = properties.number('producer.retries');
  const producerConfig: ProducerConfig = {
    ...common.producer,
    ...(retries === undefined ? {} : { retry: { ...common.producer.retry, retries } }),
    ...producerMap.producer,
    ...code.producerConfig,
  };
  const send = strip({
    ...common.send,
    acks: properties.text('producer.acks') === undefined ? undefined : acksOf(properties.text('producer.acks')!),
    compression: properties.text('producer.compression-type') === undefined ? undefined : compressionOf(properties.text('producer.compression-type')!),
  });
  Object.assign(send, strip(producerMap.send));
  const batching = strip({ ...common.batching, lingerMs: properties.number('producer.linger-ms'), batchSize: properties.number('producer.batch-size') });
  Object.assign(batching, strip(producerMap.batching));
  const transactionIdPrefix = code.producer?.transactionIdPrefix ?? properties.text('template.transaction-id-prefix') ?? properties.text('producer.transaction-id-prefix');
  if (transactionIdPrefix !== undefined && send.acks !== undefined && send.acks !== -1) {
    problems.add({ key: 'streamwright.kafka.producer.acks', origin: properties.origin('producer.acks') ?? 'properties[acks]', message: 'must be all (-1) for a transactional producer (transaction-id-prefix is set)' });
  }
  if (transactionIdPrefix !== undefined && send.compression !== undefined && send.compression !== 0) {
    problems.add({ key: 'streamwright.kafka.producer.compression-type', origin: properties.origin('producer.compression-type') ?? 'properties[compression.type]', message: 'is applied to non-transactional sends only; transactional sends are not compressed' });
  }
  const producerKafka = perClient('producer.', producerMap);

  // Admin
  const admin = strip({
    operationTimeout: properties.number('admin.operation-timeout'),
    fatalIfBrokerNotAvailable: properties.flag('admin.fail-fast'),
    autoCreate: properties.flag('admin.auto-create'),
    modifyTopicConfigs: properties.flag('admin.modify-topic-configs'),
    ...code.admin,
  });
  const adminKafka = perClient('admin.', adminMap);

  const options: KafkaApplicationOptions = {
    ...code,
    kafka,
    consumerConfig,
    producerConfig,
    admin,
    producer: transactionIdPrefix === undefined ? code.producer : { ...code.producer, transactionIdPrefix },
    keySerializer: code.keySerializer ?? serdes.keySerializer,
    valueSerializer: code.valueSerializer ?? serdes.valueSerializer,
    keyDeserializer: code.keyDeserializer ?? serdes.keyDeserializer,
    valueDeserializer: code.valueDeserializer ?? serdes.valueDeserializer,
    defaultTopic: code.defaultTopic ?? properties.text('template.default-topic'),
    containerFactories: containerFactories(code, properties, logger),
  };
  return { options, defaultRetryableTopic: retryTopic(properties), send, batching, consumerKafka, producerKafka, adminKafka, allowNonTransactional: properties.flag('template.allow-non-transactional'),
    tracing: strip({ template: properties.flag('template.observation-enabled'), listener: properties.flag('listener.observation-enabled') }),
  };
}

/** The default container factory from `listener.*`, unless the code defines its own. */
function containerFactories(code: KafkaApplicationOptions, properties: KafkaProperties, logger: Logger): KafkaApplicationOptions['containerFactories'] {
  // listener.observation-enabled is tracing's, not the container factory's.
  const listenerKeys = properties.keysUnder('listener.').filter((key) => key !== 'listener.observation-enabled');
  const clientId = properties.text('listener.client-id') ?? properties.text('consumer.client-id');
  if (listenerKeys.length === 0 && clientId === undefined) return code.containerFactories;
  if (code.containerFactories?.[DEFAULT_CONTAINER_FACTORY_NAME]) {
    logger.warn(`listener.* properties (${listenerKeys.join(', ')}) apply to the auto-configured container factory only; containerFactories.${DEFAULT_CONTAINER_FACTORY_NAME} is defined in code, so they are not used`);
    return code.containerFactories;
  }
  const containerProperties: ContainerPropertiesInit = strip({
    ackMode: properties.text('listener.ack-mode') as AckMode | undefined,
    ackCount: properties.number('listener.ack-count'),
    ackTime: properties.number('listener.ack-time'),
    idleEventInterval: properties.number('listener.idle-event-interval'),
    authExceptionRetryInterval: properties.number('listener.auth-exception-retry-interval'),
    stopImmediate: properties.flag('listener.immediate-stop'),
    clientId,
  });
  const factory = new ConcurrentKafkaListenerContainerFactory({
    containerProperties,
    concurrency: properties.number('listener.concurrency'),
    batchListener: properties.text('listener.type') === undefined ? undefined : properties.text('listener.type') === 'batch',
    autoStartup: properties.flag('listener.auto-startup'),
  });
  return { ...code.containerFactories, [DEFAULT_CONTAINER_FACTORY_NAME]: factory };
}

function retryTopic(properties: KafkaProperties): RetryableTopicOptions | undefined {
  if (properties.flag('retry.topic.enabled') !== true) return undefined;
  return strip({
    attempts: properties.number('retry.topic.attempts'),
    backoff: strip({
      delay: properties.number('retry.topic.backoff.delay'),
      multiplier: properties.number('retry.topic.backoff.multiplier'),
      maxDelay: properties.number('retry.topic.backoff.max-delay'),
      random: properties.flag('retry.topic.backoff.random'),
    }),
  });
}
