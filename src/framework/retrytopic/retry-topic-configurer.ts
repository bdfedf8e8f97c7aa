import type { RetryableTopicOptions } from '../annotation/retryable-topic.js';
import { ConcurrentKafkaListenerContainerFactory } from '../config/concurrent-kafka-listener-container-factory.js';
import type { KafkaListenerContainerFactory } from '../config/kafka-listener-container-factory.js';
import type { EndpointSettings, KafkaListenerEndpoint, MessageListenerSettings } from '../config/kafka-listener-endpoint.js';
import { MethodKafkaListenerEndpoint } from '../config/method-kafka-listener-endpoint.js';
import type { NewTopic } from '../config/topic-builder.js';
import { KafkaException } from '../kafka-exception.js';
import type { CommonErrorHandler } from '../listener/common-error-handler.js';
import type { KafkaOperations } from '../core/kafka-operations.js';
import { DefaultErrorHandler } from '../listener/default-error-handler.js';
import { defaultFatalExceptions, ExceptionClassifier, type ErrorClass } from '../listener/exception-classifier.js';
import type { GenericMessageListener } from '../listener/message-listener.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import { FixedBackOff } from '../support/back-off.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { backOffPolicyOf, generateBackOffValues } from './back-off-values-generator.js';
import { DeadLetterPublishingRecovererFactory } from './dead-letter-publishing-recoverer-factory.js';
import { DestinationTopic, type DestinationTopicProperties } from './destination-topic.js';
import { createDestinationTopicProperties } from './destination-topic-properties-factory.js';
import { DefaultDestinationTopicResolver } from './destination-topic-resolver.js';
import { DltStrategy } from './dlt-strategy.js';
import { kafkaBackoffAwareListener } from './kafka-backoff-aware-message-listener-adapter.js';
import { RetryTopicConstants } from './retry-topic-headers.js';
import { BlockingRetriesConfigurer, CustomizersConfigurer, RetryTopicConfigurationSupport } from './retry-topic-configuration-support.js';
import { SameIntervalTopicReuseStrategy } from './same-interval-topic-reuse-strategy.js';
import { TopicSuffixingStrategy } from './topic-suffixing-strategy.js';
import { AbstractKafkaListenerEndpoint } from '../config/abstract-kafka-listener-endpoint.js';
import type { BeanSource } from '../container/bean-source.js';

type ContainerFactoryRef = string | KafkaListenerContainerFactory | undefined;

/** What the annotation processor hands over for one `@RetryableTopic` listener. */
export interface RetryableListenerContext {
  /** The endpoint `@KafkaListener` describes (its listener serves the main and retry topics). */
  readonly mainEndpoint: KafkaListenerEndpoint;
  readonly retryable: RetryableTopicOptions;
  /** The listener bean (its `@DltHandler` method handles the DLT). */
  readonly bean: object;
  /** The `@DltHandler` method of the bean's class, if any. */
  readonly dltHandlerMethod: string | symbol | undefined;
  /** The `@KafkaListener`'s container factory. */
  readonly containerFactory: ContainerFactoryRef;
  readonly description: string;
  resolveFactory(factory: ContainerFactoryRef): { factory: KafkaListenerContainerFactory; autoStartup: boolean };
  register(endpoint: KafkaListenerEndpoint, factory: ContainerFactoryRef): MessageListenerContainer;
}

export interface RetryTopicConfigurerOptions {
  /** The application's beans: named templates and a registered RetryTopicConfigurationSupport are looked up in them. */
  readonly beans?: Pick<BeanSource, 'find'>;
  /** The application's template, the default for publishing. */
  readonly template: () => KafkaOperations;
  /** The application's declared topics; the chain's topics are added to it. */
  readonly topics: NewTopic[];
  readonly logger?: Logger;
}

/**
 * Builds the chain of containers of each `@RetryableTopic` listener, as Spring's
 * `RetryTopicConfigurer`: one container per link (the main topic, each retry topic, the DLT),
 * with the id, group id and client id prefix suffixed like the topic (`orders-retry-1000`...),
 * each with a `DefaultErrorHandler` that forwards a failed record to the next link at once
 * (no blocking retries unless `configureBlockingRetries` allows some), and a listener that
 * holds records back until they are due.
 */
export class RetryTopicConfigurer {
  readonly destinationTopicResolver = new DefaultDestinationTopicResolver();
  private readonly logger: Logger;
  private support: { blocking: BlockingRetriesConfigurer; customizers: CustomizersConfigurer; recovererFactory: DeadLetterPublishingRecovererFactory } | undefined;

  constructor(private readonly options: RetryTopicConfigurerOptions) {
    this.logger = options.logger ?? defaultLogger();
  }

  processMainAndRetryListeners(context: RetryableListenerContext): MessageListenerContainer[] {
    const { mainEndpoint: main, retryable, description } = context;
    if (main.topics.length === 0) throw new KafkaException(`@RetryableTopic on ${description} needs @KafkaListener topics (a topicPattern can't be used)`);
    const support = this.globalSupport();
    const attempts = retryable.attempts ?? RetryTopicConstants.DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(attempts) || attempts < 1) throw new KafkaException(`@RetryableTopic on ${description}: attempts must be a positive integer, got ${attempts}`);
    const backOffValues = generateBackOffValues(attempts, backOffPolicyOf(retryable.backoff));
    const chain = createDestinationTopicProperties({
      retryTopicSuffix: retryable.retryTopicSuffix,
      dltSuffix: retryable.dltTopicSuffix,
      backOffValues,
      classify: retryClassifier(retryable, description),
      numPartitions: retryable.numPartitions ?? 1,
      dltStrategy: retryable.dltStrategy ?? DltStrategy.ALWAYS_RETRY_ON_ERROR,
      topicSuffixingStrategy: retryable.topicSuffixingStrategy ?? TopicSuffixingStrategy.SUFFIX_WITH_DELAY_VALUE,
      sameIntervalTopicReuseStrategy: retryable.sameIntervalTopicReuseStrategy ?? SameIntervalTopicReuseStrategy.SINGLE_TOPIC,
      timeout: retryable.timeout ?? RetryTopicConstants.NOT_SET,
      autoStartDltHandler: retryable.autoStartDltHandler,
      dltRoutingRules: dltRoutingRulesOf(retryable, description),
    });
    const mainId = main.id;
    for (const topic of main.topics) this.destinationTopicResolver.addDestinationTopics(mainId, chain.map((p) => new DestinationTopic(topic + p.suffix, p)));
    if (retryable.autoCreateTopics ?? true) this.declareTopics(main.topics, chain, retryable);

    const recoverer = support.recovererFactory.create(mainId, this.templateFor(retryable, description));
    support.customizers.recovererCustomizer?.(recoverer);
    const mainFactory = context.containerFactory;
    const chainFactory = retryable.listenerContainerFactory ?? mainFactory;
    const group = main.groupId ?? groupIdOf(context.resolveFactory(mainFactory).factory) ?? main.defaultGroupId;
    const dltListener = this.dltListenerEndpoint(context);

    return chain.map((link) => {
      const isMain = link.type === 'MAIN';
      const isDlt = link.type === 'DLT';
      const errorHandler = new DefaultErrorHandler(recoverer, support.blocking.retryableExceptions.length > 0 ? support.blocking.backOffPolicy : new FixedBackOff(0, 0), {
        commitRecovered: true,
        logLevel: 'debug',
        logger: this.logger,
      });
      errorHandler.defaultFalse(true);
      if (support.blocking.retryableExceptions.length > 0) errorHandler.addRetryableExceptions(...support.blocking.retryableExceptions);
      support.customizers.errorHandlerCustomizer?.(errorHandler);
      const endpoint = new RetryTopicChainEndpoint(
        {
          ...settingsOf(main),
          id: mainId + link.suffix,
          groupId: group === undefined ? undefined : group + link.suffix,
          topics: main.topics.map((topic) => topic + link.suffix),
          topicPattern: undefined,
          concurrency: isMain ? main.concurrency : (retryable.concurrency ?? main.concurrency),
          autoStartup: isDlt ? (link.autoStartDltHandler ?? main.autoStartup) : main.autoStartup,
          batchListener: isDlt ? false : main.batchListener,
          clientIdPrefix: main.clientIdPrefix === undefined ? undefined : main.clientIdPrefix + link.suffix,
        },
        isDlt ? dltListener : main,
        errorHandler,
      );
      const container = context.register(endpoint, isMain ? mainFactory : chainFactory);
      support.customizers.containerCustomizer?.(container);
      return container;
    });
  }

  /** The template from `kafkaTemplate` (a bean name or a template), else the application's. */
  private templateFor(retryable: RetryableTopicOptions, description: string): KafkaOperations {
    const ref = retryable.kafkaTemplate;
    if (ref === undefined) return this.options.template();
    if (typeof ref !== 'string') return ref;
    const template = this.options.beans?.find<KafkaOperations>(ref);
    if (!template) throw new KafkaException(`@RetryableTopic on ${description}: no KafkaTemplate bound as '${ref}'`);
    return template;
  }

  /** The `@DltHandler` method, else a listener that logs the record (Spring's LoggingDltListenerHandlerMethod). */
  private dltListenerEndpoint(context: RetryableListenerContext): KafkaListenerEndpoint {
    const settings = settingsOf(context.mainEndpoint);
    if (context.dltHandlerMethod !== undefined) return new MethodKafkaListenerEndpoint(settings, context.bean, context.dltHandlerMethod);
    const logger = this.logger;
    return {
      ...settings,
      createMessageListener: (): GenericMessageListener => ({
        onMessage: (record) => logger.info(`Received message in dlt listener: ${record}`),
      }),
    };
  }

  private declareTopics(mainTopics: readonly string[], chain: readonly DestinationTopicProperties[], retryable: RetryableTopicOptions): void {
    const declared = this.options.topics;
    for (const topic of mainTopics) {
      for (const link of chain) {
        const name = topic + link.suffix;
        if (declared.some((t) => t.name === name)) continue;
        declared.push({ name, numPartitions: retryable.numPartitions ?? 1, replicationFactor: retryable.replicationFactor ?? -1, configs: {} });
      }
    }
  }

  private globalSupport(): NonNullable<RetryTopicConfigurer['support']> {
    if (this.support) return this.support;
    const configuration = this.options.beans?.find(RetryTopicConfigurationSupport) ?? new RetryTopicConfigurationSupport();
    const blocking = new BlockingRetriesConfigurer();
    configuration.configureBlockingRetries(blocking);
    const fatal: ErrorClass[] = defaultFatalExceptions();
    configuration.manageNonBlockingFatalExceptions(fatal);
    this.destinationTopicResolver.fatalClassifier.setClassifications(fatal.map((type) => [type, false] as [ErrorClass, boolean]), true);
    const customizers = new CustomizersConfigurer();
    configuration.configureCustomizers(customizers);
    const recovererFactory = new DeadLetterPublishingRecovererFactory(this.destinationTopicResolver, configuration.configureDeadLetterPublishingContainerFactory(), this.logger);
    this.support = { blocking, customizers, recovererFactory };
    return this.support;
  }
}

/**
 * One link of a chain: the main endpoint's settings with the link's id, group, topics,
 * concurrency and error handler; the listener of `listenerEndpoint`, behind the back-off check.
 */
class RetryTopicChainEndpoint extends AbstractKafkaListenerEndpoint {
  constructor(
    settings: EndpointSettings,
    private readonly listenerEndpoint: KafkaListenerEndpoint,
    readonly commonErrorHandler: CommonErrorHandler,
  ) {
    super(settings);
  }

  createMessageListener(settings: MessageListenerSettings): GenericMessageListener {
    return kafkaBackoffAwareListener(this.listenerEndpoint.createMessageListener(settings), this.id);
  }
}

/** The plain settings of an endpoint (without its listener factory method). */
function settingsOf(endpoint: KafkaListenerEndpoint): EndpointSettings {
  return {
    id: endpoint.id,
    groupId: endpoint.groupId,
    defaultGroupId: endpoint.defaultGroupId,
    topics: endpoint.topics,
    topicPattern: endpoint.topicPattern,
    concurrency: endpoint.concurrency,
    autoStartup: endpoint.autoStartup,
    batchListener: endpoint.batchListener,
    consumerProperties: endpoint.consumerProperties,
    clientIdPrefix: endpoint.clientIdPrefix,
    listenerInfo: endpoint.listenerInfo,
    circuitBreaker: endpoint.circuitBreaker,
  };
}

/** The group a factory would give an endpoint without one (as ConcurrentKafkaListenerContainerFactory resolves it). */
function groupIdOf(factory: KafkaListenerContainerFactory): string | undefined {
  if (!(factory instanceof ConcurrentKafkaListenerContainerFactory)) return undefined;
  return factory.containerProperties.groupId ?? factory.consumerConfig.groupId ?? factory.consumerFactory?.configurationProperties.groupId;
}

/** `include`/`exclude` (and their by-name forms) as a predicate, as Spring's retry classifier. */
function retryClassifier(options: RetryableTopicOptions, description: string): (error: unknown) => boolean {
  const include = [...(options.include ?? [])];
  const exclude = [...(options.exclude ?? [])];
  const includeNames = [...(options.includeNames ?? [])];
  const excludeNames = [...(options.excludeNames ?? [])];
  const including = include.length + includeNames.length > 0;
  const excluding = exclude.length + excludeNames.length > 0;
  if (including && excluding) throw new KafkaException(`@RetryableTopic on ${description}: use include or exclude, not both`);
  if (!including && !excluding) return () => true;
  const classifier = new ExceptionClassifier();
  classifier.setClassifications((including ? include : exclude).map((type) => [type, including] as [ErrorClass, boolean]), !including);
  classifier.traverseCauses = options.traversingCauses ?? false;
  const names = new Set(including ? includeNames : excludeNames);
  return (error) => {
    if (names.size > 0) {
      const seen = new Set<unknown>();
      for (let current = error; current instanceof Error && !seen.has(current); current = classifier.traverseCauses ? current.cause : undefined) {
        seen.add(current);
        if (classNames(current).some((name) => names.has(name))) return including;
      }
    }
    return classifier.isRetryable(error);
  };
}

function classNames(error: Error): string[] {
  const names: string[] = [];
  for (let type: unknown = error.constructor; typeof type === 'function' && type !== Function.prototype; type = Object.getPrototypeOf(type)) names.push((type as { name: string }).name);
  return names;
}

/** `exceptionBasedDltRouting`, checked: each rule needs a suffix and at least one error class. */
function dltRoutingRulesOf(retryable: RetryableTopicOptions, description: string): { suffix: string; exceptions: RetryableTopicOptions['include'] & object }[] {
  const rules = retryable.exceptionBasedDltRouting ?? [];
  if (!Array.isArray(rules)) throw new KafkaException(`@RetryableTopic on ${description}: exceptionBasedDltRouting must be a list of { suffix, exceptions }`);
  return rules.map((rule, index) => {
    if (typeof rule?.suffix !== 'string' || rule.suffix.length === 0) throw new KafkaException(`@RetryableTopic on ${description}: exceptionBasedDltRouting[${index}] needs a suffix`);
    if (!Array.isArray(rule.exceptions) || rule.exceptions.length === 0 || rule.exceptions.some((type) => typeof type !== 'function')) {
      throw new KafkaException(`@RetryableTopic on ${description}: exceptionBasedDltRouting[${index}] needs a list of error classes`);
    }
    return { suffix: rule.suffix, exceptions: rule.exceptions };
  });
}
