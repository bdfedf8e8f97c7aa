import 'reflect-metadata';
import { Container, type ServiceIdentifier } from 'inversify';
import type { KafkaConfig } from 'kafkajs';
import { KafkaListenerAnnotationProcessor } from '../annotation/kafka-listener-annotation-processor.js';
import { ConcurrentKafkaListenerContainerFactory } from '../config/concurrent-kafka-listener-container-factory.js';
import { DEFAULT_CONTAINER_FACTORY_NAME, type KafkaListenerContainerFactory } from '../config/kafka-listener-container-factory.js';
import { KafkaListenerEndpointRegistry } from '../config/kafka-listener-endpoint-registry.js';
import type { NewTopic } from '../config/topic-builder.js';
import { ConsumerFactory, DefaultKafkaConsumerFactory } from '../core/consumer-factory.js';
import { KafkaAdmin } from '../core/kafka-admin.js';
import { describeBrokers } from '../core/kafka-clients.js';
import { KafkaTemplate } from '../core/kafka-template.js';
import { DefaultKafkaProducerFactory, messageOf, ProducerFactory } from '../core/producer-factory.js';
import { ApplicationEventPublisher, type ApplicationListener } from '../event/application-event-publisher.js';
import { KafkaException } from '../kafka-exception.js';
import { AggregatingReplyingKafkaTemplate } from '../requestreply/aggregating-replying-kafka-template.js';
import { ReplyingKafkaTemplate } from '../requestreply/replying-kafka-template.js';
import { createReplyingTemplates } from '../requestreply/replying-template-config.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { ListenerObserver, ListenerWrapper } from '../listener/listener-observer.js';
import { RetryTopicConfigurer } from '../retrytopic/retry-topic-configurer.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import type { ContainerFactoryDefinition, KafkaApplicationOptions } from './kafka-application-options.js';
import { inversifyBeans } from './bean-source.js';
import { TOKENS } from './tokens.js';
import { configureTransactions, KafkaTransactionManager } from '../transaction/kafka-application-transactions.js';
import { loadApplicationConfiguration } from '../autoconfigure/application-configuration.js';
import { placeholderResolver } from '../autoconfigure/annotation-placeholders.js';
import { Registry } from 'prom-client';
import { createKafka } from '../core/kafka-clients.js';
import { LagSource } from '../metrics/consumer-lag.js';
import { KafkaMetrics } from '../metrics/kafka-metrics.js';
import { ListenerContainers } from '../metrics/listener-containers.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import { KafkaHealthIndicator, type ApplicationHealth } from '../health/kafka-health-indicator.js';
import { installShutdownHooks, type ShutdownHookOptions } from '../health/shutdown-hooks.js';
import { combineTemplateObservers, withListenerWrapper } from '../tracing/observer-composition.js';
import { setUpTracing } from '../tracing/tracing-setup.js';
import { ProblemCollector } from '../autoconfigure/invalid-configuration-exception.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EventType<E> = abstract new (...args: any[]) => E;

interface Parts {
  readonly kafka: KafkaConfig;
  readonly logger: Logger;
  readonly publisher: ApplicationEventPublisher;
  readonly producerFactory: ProducerFactory;
  readonly template: KafkaTemplate;
  readonly admin: KafkaAdmin;
  readonly registry: KafkaListenerEndpointRegistry;
  readonly topics: readonly NewTopic[];
  readonly startTimeout: number;
  /** Request/reply templates (started after the listener containers, stopped before them). */
  readonly replyingTemplates: readonly (ReplyingKafkaTemplate | AggregatingReplyingKafkaTemplate)[];
  /** Undefined with `metrics: false`. */
  readonly kafkaMetrics: KafkaMetrics | undefined;
  readonly metricsRegistry: Registry;
  readonly metricsServer: MetricsServer | undefined;
  readonly health: KafkaHealthIndicator;
  /** Turns a listener bean's annotations into registered containers (for late beans too). */
  readonly processListenerBean: (bean: object, problems: ProblemCollector) => boolean;
}

/**
 * A Kafka application: an inversify container holding KafkaTemplate, KafkaAdmin, the producer
 * and consumer factories, the container factories and the listener beans, plus the listener
 * containers built from their `@KafkaListener` declarations (Spring's application context,
 * reduced to what Kafka needs).
 *
 * `create()` wires everything and reports configuration mistakes; `start()` creates the
 * topics and starts the containers, resolving once each has its partitions; `stop()` lets
 * each consumer finish the record in hand, commit and leave its group.
 */
export class KafkaApplication {
  private state: 'created' | 'starting' | 'running' | 'stopping' | 'stopped' = 'created';
  private markReady!: () => void;
  /** Resolves once every auto-started container has its assignment (when `start()` does). */
  readonly readiness: Promise<void> = new Promise((resolve) => (this.markReady = resolve));

  private constructor(
    readonly container: Container,
    private readonly parts: Parts,
  ) {}

  static async create(codeOptions: KafkaApplicationOptions): Promise<KafkaApplication> {
    const logger = codeOptions?.logger ?? defaultLogger();
    // Properties (env, files, profiles) under the code options; problems are reported together below.
    const configuration = loadApplicationConfiguration(codeOptions ?? {}, logger);
    const { options, problems, environment } = configuration;
    if (!options.kafka?.brokers || (Array.isArray(options.kafka.brokers) && options.kafka.brokers.length === 0)) {
      problems.add({ key: 'streamwright.kafka.bootstrap-servers', origin: 'not set', message: 'KafkaApplication.create needs kafka.brokers in code or streamwright.kafka.bootstrap-servers in the configuration' });
      problems.throwIfAny();
    }
    const kafka = options.kafka!;
    const resolve = placeholderResolver(environment, problems);
    // Our own container resolves @injectable classes nobody bound, as singletons (Spring beans are).
    const container = options.container ?? new Container({ autobind: true, defaultScope: 'Singleton' });
    // isCurrentBound, not isBound: with autobind, isBound would bind (and build) the class itself.
    const provide = <T>(id: ServiceIdentifier<T>, create: () => T): T => {
      if (container.isCurrentBound(id)) return container.get(id);
      const value = create();
      container.bind(id).toConstantValue(value);
      return value;
    };

    provide(TOKENS.KafkaConfig, () => kafka);
    provide(TOKENS.NewTopics, () => (options.topics ?? []).map((topic) => ({ ...topic, name: resolve(topic.name, `TopicBuilder.name('${topic.name}')`) })));
    const publisher = provide(ApplicationEventPublisher, () => new ApplicationEventPublisher(logger));
    const producerFactory = provide(ProducerFactory, () => options.producerFactory ?? new DefaultKafkaProducerFactory({ kafka: configuration.producerKafka, producerConfig: options.producerConfig, keySerializer: options.keySerializer, valueSerializer: options.valueSerializer, sendOptions: configuration.send, logger }));
    if (producerFactory instanceof DefaultKafkaProducerFactory) {
      producerFactory.applyDefaults(kafka, logger);
      provide(DefaultKafkaProducerFactory, () => producerFactory);
    }
    // Transactions (issue 8): the prefix makes the factory transactional; a manager is bound for containers.
    configureTransactions(producerFactory, options.producer?.transactionIdPrefix, (manager) => provide(KafkaTransactionManager, manager), logger);
    const consumerFactory = provide(ConsumerFactory, () => options.consumerFactory ?? new DefaultKafkaConsumerFactory({ kafka: configuration.consumerKafka, consumerConfig: options.consumerConfig, keyDeserializer: options.keyDeserializer, valueDeserializer: options.valueDeserializer, logger }));
    if (consumerFactory instanceof DefaultKafkaConsumerFactory) {
      consumerFactory.applyDefaults(kafka, logger);
      provide(DefaultKafkaConsumerFactory, () => consumerFactory);
    }
    const template = provide(KafkaTemplate, () => new KafkaTemplate(producerFactory, { defaultTopic: options.defaultTopic, producerListener: options.producerListener, allowNonTransactional: configuration.allowNonTransactional, ...configuration.batching, logger }));
    template.consumerFactory ??= consumerFactory;
    const admin = provide(KafkaAdmin, () => new KafkaAdmin({ ...options.admin, kafka: configuration.adminKafka ?? kafka, logger }));
    const registry = provide(KafkaListenerEndpointRegistry, () => new KafkaListenerEndpointRegistry());
    const listenerContainers = new ListenerContainers(registry);
    const metricsRegistry = new Registry();
    const kafkaMetrics = options.metrics === false ? undefined : new KafkaMetrics(listenerContainers, new LagSource(() => createKafka(configuration.adminKafka ?? kafka, logger)), metricsRegistry);
    const tracing = await setUpTracing(options.tracing, configuration.tracing, logger);
    template.observer ??= combineTemplateObservers(kafkaMetrics?.templateObserver('kafkaTemplate'), tracing.templateObserver);
    const listenerObserver = withListenerWrapper(kafkaMetrics, tracing.listenerWrapper);
    const replying = createReplyingTemplates(options, { kafka, producerFactory, consumerFactory, admin, logger, publisher, producerListener: options.producerListener });
    if (replying.replying) provide(ReplyingKafkaTemplate, () => replying.replying!);
    if (replying.aggregating) provide(AggregatingReplyingKafkaTemplate, () => replying.aggregating!);
    // Requests and their replies are traced like any send; metrics stay on the application's template.
    for (const replyingTemplate of [replying.replying, replying.aggregating]) if (replyingTemplate) replyingTemplate.observer ??= tracing.templateObserver;
    const declaredTopics = container.get<NewTopic[]>(TOKENS.NewTopics);
    declaredTopics.push(...replying.topics.filter((topic) => !declaredTopics.some((t) => t.name === topic.name)));

    const factories = KafkaApplication.bindContainerFactories(container, options.containerFactories ?? {}, { consumerFactory, publisher, logger, listenerObserver });
    // Listener instances and the collaborators annotations name come from the application's beans.
    const beans = options.beans ?? inversifyBeans(container);
    // @RetryableTopic chains; bound so that their destinations can be inspected at run time.
    const retryTopics = provide(RetryTopicConfigurer, () => new RetryTopicConfigurer({ beans, template: () => template, topics: declaredTopics, logger }));
    // Placeholders in annotations are reported to the collector of the registration at hand.
    let resolveAnnotation = resolve;
    const processor = new KafkaListenerAnnotationProcessor(registry, (nameOrFactory, listener) => {
      const factory = typeof nameOrFactory === 'object' ? nameOrFactory : factories.get(nameOrFactory ?? DEFAULT_CONTAINER_FACTORY_NAME);
      if (!factory) throw new KafkaException(`${listener}: no container factory named '${String(nameOrFactory)}' (known: ${[...factories.keys()].join(', ')})`);
      if (factory instanceof ConcurrentKafkaListenerContainerFactory) factory.applyDefaults({ consumerFactory, applicationEventPublisher: publisher, logger, listenerObserver });
      return { factory, autoStartup: factory instanceof ConcurrentKafkaListenerContainerFactory ? factory.autoStartup : true };
    }, { template, logger }, retryTopics, {
      resolve: (text, where) => resolveAnnotation(text, where),
      defaultRetryableTopic: configuration.defaultRetryableTopic,
      // Named beans (an errorHandler) come from the application's beans; with inversify's autobind a class is built on demand.
      resolveBean: (id) => beans.find(id) ?? (typeof id === 'function' && options.beans === undefined ? container.get(id) : failMissingBean(id)),
    });
    const processed = new WeakSet<object>();
    /** Returns false when the bean failed because of bad properties (reported in `sink`). */
    const processListenerBean = (bean: object, sink: ProblemCollector): boolean => {
      if (processed.has(bean)) return true;
      processed.add(bean);
      resolveAnnotation = sink === problems ? resolve : placeholderResolver(environment, sink);
      try {
        processor.process(bean);
        return true;
      } catch (error) {
        // A listener that could not be set up because of bad properties: report the properties.
        if (sink.problems.length === 0) throw error;
        sink.add({ key: 'listeners', origin: 'code', message: messageOf(error) });
        return false;
      }
    };
    const listenerBeans = await beans.listenerBeans(options.listeners ?? []);
    for (const bean of listenerBeans) if (!processListenerBean(bean, problems)) break;
    problems.throwIfAny();

    const app = new KafkaApplication(container, {
      kafka,
      logger,
      publisher,
      producerFactory,
      template,
      admin,
      registry,
      topics: container.get<NewTopic[]>(TOKENS.NewTopics),
      startTimeout: options.startTimeout ?? 60_000,
      replyingTemplates: [replying.replying, replying.aggregating].filter((t) => t !== undefined),
      kafkaMetrics,
      metricsRegistry,
      health: new KafkaHealthIndicator(listenerContainers, kafkaMetrics, (id) => registry.isAutoStartup(id)),
      metricsServer: undefined,
      processListenerBean,
    });
    const serverOptions = options.metrics === false ? undefined : options.metrics;
    if (serverOptions?.port !== undefined) {
      const server = new MetricsServer({ ...serverOptions, port: serverOptions.port }, metricsRegistry, {
        health: async () => {
          const health = await app.health();
          return { up: health.status === 'UP', body: health };
        },
        ready: () => app.isReady(),
      }, logger);
      (app.parts as { metricsServer: MetricsServer | undefined }).metricsServer = server;
    }
    // The constructor is private, so the class is cast to serve as its own service identifier.
    provide(KafkaApplication as unknown as ServiceIdentifier<KafkaApplication>, () => app);
    return app;
  }

  /** Resolves a service from the container, e.g. `app.get(KafkaTemplate)`. */
  get<T>(id: ServiceIdentifier<T>): T {
    return this.container.get(id);
  }

  /**
   * Registers the `@KafkaListener` methods of beans another DI container created after this
   * application (Nest creates its providers after the module's own services; see
   * `streamwright/nestjs`), as Spring's bean post-processor does for each bean. Beans already
   * registered are skipped. Call it before `start()`; bad declarations throw as in `create()`.
   */
  registerListenerBeans(beans: readonly object[]): void {
    if (this.state !== 'created') throw new KafkaException(`Listener beans must be registered before start() (the application is ${this.state})`);
    const problems = new ProblemCollector();
    for (const bean of beans) {
      if (typeof bean !== 'object' || bean === null) throw new KafkaException(`registerListenerBeans takes listener instances, got ${String(bean)}`);
      if (!this.parts.processListenerBean(bean, problems)) break;
    }
    problems.throwIfAny();
  }

  /** The container of a listener, by its `@KafkaListener` id; throws for unknown ids. */
  listenerContainer(id: string): MessageListenerContainer {
    const container = this.parts.registry.getListenerContainer(id);
    if (!container) throw new KafkaException(`No listener container with id '${id}' (known: ${this.parts.registry.getListenerContainerIds().join(', ') || 'none'})`);
    return container;
  }

  listenerContainers(): MessageListenerContainer[] {
    return this.parts.registry.getListenerContainers();
  }

  get registry(): KafkaListenerEndpointRegistry {
    return this.parts.registry;
  }

  /** Listens to container events (`ConsumerStartedEvent`, `ListenerContainerIdleEvent`, ... or `KafkaEvent` for all). */
  on<E>(type: EventType<E>, listener: ApplicationListener<E>): () => void {
    return this.parts.publisher.addListener(type, listener);
  }

  isRunning(): boolean {
    return this.state === 'running';
  }

  /**
   * Prometheus metrics of the listeners and the template (docs/observability.md); register
   * your own metrics here, or merge it with yours (`Registry.merge`).
   */
  get metrics(): Registry {
    return this.parts.metricsRegistry;
  }

  /** The port `/metrics` is served on (the chosen one for `metrics.port: 0`); undefined when not serving. */
  get metricsPort(): number | undefined {
    return this.parts.metricsServer?.port;
  }

  /** UP/DOWN and, per consumer, running, partitions, last poll, lag, paused partitions, circuit state, last error. */
  async health(): Promise<ApplicationHealth> {
    return this.parts.health.health(this.state === 'running');
  }

  /** Running, and every auto-started container has its partitions. */
  isReady(): boolean {
    return this.state === 'running' && this.parts.registry.getListenerContainers().every((c) => !this.parts.registry.isAutoStartup(c.listenerId) || c.isRunning());
  }

  /**
   * On SIGTERM/SIGINT: stop (stop fetching, finish the records in hand, commit, leave the
   * groups, flush and close the producers) within `shutdownTimeout` (default 30 s), then exit
   * 0; a second signal exits at once. Returns a function that removes the hooks.
   */
  enableShutdownHooks(options: ShutdownHookOptions = {}): () => void {
    return installShutdownHooks(() => this.stop(), this.parts.logger, options);
  }

  /** Creates the declared topics, then starts the containers; resolves once each has its partitions. */
  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'starting') return;
    this.state = 'starting';
    const { admin, registry, topics, startTimeout, kafka, logger } = this.parts;
    let timer: NodeJS.Timeout | undefined;
    const starting = (async () => {
      await this.parts.metricsServer?.start();
      await admin.initialize(topics);
      // A start that timed out must not bring containers up later.
      if (this.state !== 'starting') return;
      await registry.start();
      for (const replyingTemplate of this.parts.replyingTemplates) await replyingTemplate.start();
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaException(`KafkaApplication did not start within ${startTimeout} ms (brokers: ${describeBrokers(kafka)})`)), startTimeout);
    });
    try {
      await Promise.race([starting, timeout]);
      this.state = 'running';
      this.markReady();
      logger.info(`Started ${registry.getListenerContainerIds().length} listener container(s) against ${describeBrokers(kafka)}`);
    } catch (error) {
      starting.catch(() => undefined);
      this.state = 'stopping';
      await this.shutdown();
      this.state = 'stopped';
      throw error instanceof KafkaException ? error : new KafkaException(`KafkaApplication failed to start: ${messageOf(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the containers (each finishes its record, commits and leaves), flushes and closes the producer. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    await this.shutdown();
    this.state = 'stopped';
  }

  private async shutdown(): Promise<void> {
    const { registry, template, producerFactory, logger } = this.parts;
    for (const replyingTemplate of this.parts.replyingTemplates) await replyingTemplate.stop().catch((error) => logger.error('Stopping a replying template failed', error));
    await registry.stop().catch((error) => logger.error('Stopping listener containers failed', error));
    await template.flush();
    await producerFactory.close();
    await this.parts.kafkaMetrics?.close();
    await this.parts.metricsServer?.stop();
  }

  private static bindContainerFactories(
    container: Container,
    definitions: Record<string, ContainerFactoryDefinition>,
    defaults: { consumerFactory: ConsumerFactory; publisher: ApplicationEventPublisher; logger: Logger; listenerObserver: ListenerObserver | ListenerWrapper | undefined },
  ): Map<string, KafkaListenerContainerFactory> {
    const factories = new Map<string, KafkaListenerContainerFactory>();
    for (const [name, definition] of Object.entries(definitions)) {
      const factory = typeof definition === 'function' ? definition(container) : definition;
      if (!factory || typeof factory.createListenerContainer !== 'function') throw new KafkaException(`containerFactories.${name} is not a container factory`);
      factories.set(name, factory);
    }
    if (!factories.has(DEFAULT_CONTAINER_FACTORY_NAME)) factories.set(DEFAULT_CONTAINER_FACTORY_NAME, new ConcurrentKafkaListenerContainerFactory());
    for (const [name, factory] of factories) {
      if (factory instanceof ConcurrentKafkaListenerContainerFactory) {
        factory.applyDefaults({ consumerFactory: defaults.consumerFactory, applicationEventPublisher: defaults.publisher, logger: defaults.logger, listenerObserver: defaults.listenerObserver });
        const binding = container.bind(ConcurrentKafkaListenerContainerFactory).toConstantValue(factory);
        if (name === DEFAULT_CONTAINER_FACTORY_NAME) binding.whenDefault();
        else binding.whenNamed(name);
      }
      // Also resolvable by its name, like a Spring bean.
      if (!container.isCurrentBound(name)) container.bind(name).toConstantValue(factory);
    }
    return factories;
  }
}

function failMissingBean(id: string | symbol | (abstract new (...args: never[]) => unknown)): never {
  throw new KafkaException(`no bean registered as ${typeof id === 'function' ? id.name : String(id)}`);
}
