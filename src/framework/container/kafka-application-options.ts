import type { Container } from 'inversify';
import type { KafkaConfig, ProducerConfig } from 'kafkajs';
import type { KafkaListenerContainerFactory } from '../config/kafka-listener-container-factory.js';
import type { NewTopic } from '../config/topic-builder.js';
import type { KafkaConsumerOverrides } from '../core/consumer-config.js';
import type { ConsumerFactory } from '../core/consumer-factory.js';
import type { KafkaAdminOptions } from '../core/kafka-admin.js';
import type { ProducerFactory } from '../core/producer-factory.js';
import type { ProducerListener } from '../core/producer-listener.js';
import type { AggregatingReplyingTemplateConfig, ReplyingTemplateConfig } from '../requestreply/replying-template-config.js';
import type { Logger } from '../support/logger.js';
import type { Deserializer, Serializer } from '../support/serializer/serializer.js';
import type { ClassType } from '../support/serializer/type-id-headers.js';
import type { ConfigOptions } from '../autoconfigure/streamwright-environment.js';
import type { MetricsServerOptions } from '../metrics/metrics-server.js';
import type { TracingOption } from '../tracing/tracing-setup.js';
import type { BeanSource } from './bean-source.js';

/** A container factory, or a function that builds one from the DI container. */
export type ContainerFactoryDefinition = KafkaListenerContainerFactory | ((container: Container) => KafkaListenerContainerFactory);

export interface KafkaApplicationOptions {
  /**
   * kafkajs client config: `brokers`, `clientId`, `ssl`, `sasl`, `retry`, `connectionTimeout`...
   * Optional when `streamwright.kafka.bootstrap-servers` is set (docs/configuration.md); what is
   * given here wins over the properties.
   */
  kafka?: KafkaConfig;
  /**
   * Where `streamwright.kafka.*` properties and `${…}` placeholders are read from: code
   * `properties`, environment variables, `streamwright[-<profile>].yml|yaml|json` in `dir`
   * (default: the working directory). `false` reads none (placeholders then need defaults).
   */
  config?: ConfigOptions | false;
  /**
   * Your inversify container, extended with the framework's services. When absent, a new one is
   * created with `autobind: true, defaultScope: 'Singleton'`, so a listener's `@injectable()`
   * dependencies need no bindings.
   */
  container?: Container;
  /**
   * Where listener instances and the collaborators annotations name are found (default: the
   * inversify `container`). `streamwright/nestjs` passes Nest's container here.
   */
  beans?: BeanSource;
  /** Listener classes; classes with `@KafkaListener` already bound in `container` are found too. */
  listeners?: ClassType[];
  /** Topics to create (or grow) on start. */
  topics?: NewTopic[];
  /** Container factories by name; `kafkaListenerContainerFactory` is the default one (created when absent). */
  containerFactories?: Record<string, ContainerFactoryDefinition>;

  /** Replaces the default producer factory (then the next three are ignored). */
  producerFactory?: ProducerFactory;
  producerConfig?: ProducerConfig;
  /**
   * Producer settings Spring Boot keeps under `spring.kafka.producer`: `transactionIdPrefix`
   * makes the default producer factory and the bound KafkaTemplate transactional and binds a
   * KafkaTransactionManager (docs/transactions.md).
   */
  producer?: { transactionIdPrefix?: string };
  /** Default: StringSerializer. */
  keySerializer?: Serializer;
  /** Default: JsonSerializer. */
  valueSerializer?: Serializer;

  /** Replaces the default consumer factory (then the next three are ignored). */
  consumerFactory?: ConsumerFactory;
  /** Consumer settings for every listener (kafkajs names or Kafka `key=value` strings), e.g. a default `groupId`. */
  consumerConfig?: KafkaConsumerOverrides;
  /** Default: StringDeserializer. */
  keyDeserializer?: Deserializer;
  /**
   * Classes that configuration may name by class name: `spring.json.value.default.type`,
   * `spring.json.type.mapping` (`consumer.properties`/`producer.properties`), by simple name or
   * a Java name whose last segment is the class's name.
   */
  types?: ClassType[];
  /** Default: StringDeserializer. */
  valueDeserializer?: Deserializer;

  /** The template's default topic (for `sendDefault`). */
  defaultTopic?: string;
  producerListener?: ProducerListener;
  /**
   * Binds a `ReplyingKafkaTemplate` (request/reply, see docs/request-reply.md) reading replies
   * from `replyTopic` in a reply group of its own per instance; started with the application.
   */
  replyingTemplate?: ReplyingTemplateConfig;
  /** Binds an `AggregatingReplyingKafkaTemplate` (scatter-gather) the same way. */
  aggregatingReplyingTemplate?: AggregatingReplyingTemplateConfig;
  /** KafkaAdmin settings (operationTimeout, fatalIfBrokerNotAvailable, autoCreate, modifyTopicConfigs). */
  admin?: Omit<KafkaAdminOptions, 'kafka' | 'logger'>;

  /** Framework logging (default: console at STREAMWRIGHT_LOG_LEVEL or info). */
  logger?: Logger;
  /**
   * Prometheus metrics of listeners and templates in `app.metrics` (default on). `port` also
   * serves `/metrics`, `/health` and `/ready` from `start()` to `stop()` (0: a free port, see
   * `app.metricsPort`). `false` installs no metrics observer (docs/observability.md).
   */
  metrics?: false | Partial<MetricsServerOptions>;
  /**
   * OpenTelemetry tracing (docs/observability.md): `send` spans and `traceparent` headers on
   * the templates, `process` spans around listener calls. Default: on when `@opentelemetry/api`
   * is installed and `@opentelemetry/instrumentation-kafkajs` is not active (then off, so
   * spans are not doubled); `true` forces both sides on, `false` off, or per side
   * `{ template, listener }`. Wins over `template.observation-enabled` / `listener.observation-enabled`.
   */
  tracing?: TracingOption;
  /** `start()` fails if topics and containers aren't ready within this many ms (default 60000). */
  startTimeout?: number;
}
