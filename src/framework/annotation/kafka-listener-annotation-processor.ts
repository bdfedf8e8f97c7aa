import type { KafkaListenerContainerFactory } from '../config/kafka-listener-container-factory.js';
import type { EndpointSettings, KafkaListenerEndpoint } from '../config/kafka-listener-endpoint.js';
import type { KafkaListenerEndpointRegistry } from '../config/kafka-listener-endpoint-registry.js';
import { MethodKafkaListenerEndpoint } from '../config/method-kafka-listener-endpoint.js';
import { MultiMethodKafkaListenerEndpoint } from '../config/multi-method-kafka-listener-endpoint.js';
import type { KafkaTemplate } from '../core/kafka-template.js';
import { KafkaException } from '../kafka-exception.js';
import { configureReplyTemplate } from '../listener/adapter/listener-reply-sender.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { RetryTopicConfigurer } from '../retrytopic/retry-topic-configurer.js';
import type { Logger } from '../support/logger.js';
import type { ReplyHeaderNames } from '../requestreply/reply-headers.js';
import type { ClassType } from '../support/serializer/type-id-headers.js';
import type { KafkaListenerOptions } from './kafka-listener-options.js';
import { classListenersOf, handlerMethodsOf, listenerMethodsOf } from './listener-metadata.js';
import { dltHandlerOf } from './dlt-handler.js';
import { retryableTopicOf, type RetryableTopicOptions } from './retryable-topic.js';
import { sendToOf } from './send-to.js';
import type { PlaceholderResolver } from '../autoconfigure/annotation-placeholders.js';
import type { KafkaConsumerOverrides } from '../core/consumer-config.js';
import { isKafkaListenerErrorHandler, type KafkaListenerErrorHandler } from '../listener/kafka-listener-error-handler.js';
import { topicPartitionOffsetsOf, type TopicPartitionOffset } from '../listener/topic-partition-offset.js';

/** How annotation attributes are resolved against the application's properties. */
export interface AnnotationPropertySupport {
  /** Resolves `${…}` placeholders (unresolvable ones are reported by the resolver). */
  readonly resolve: PlaceholderResolver;
  /** `@RetryableTopic` for listeners without one (`streamwright.kafka.retry.topic.enabled`). */
  readonly defaultRetryableTopic?: RetryableTopicOptions;
  /** Looks a bean up by name or class (`@KafkaListener({ errorHandler: 'name' })`); KafkaApplication passes its container's. */
  readonly resolveBean?: (id: string | (abstract new (...args: never[]) => unknown)) => unknown;
}

/** `@KafkaListener` options after placeholder resolution. */
type ResolvedListenerOptions = Omit<KafkaListenerOptions, 'concurrency' | 'autoStartup'> & { concurrency?: number; autoStartup?: boolean };

/** Finds a container factory by the name (or instance) an annotation gives. */
export type ContainerFactoryResolver = (nameOrFactory: string | KafkaListenerContainerFactory | undefined, listener: string) => {
  factory: KafkaListenerContainerFactory;
  autoStartup: boolean;
};

let endpointCounter = 0;

/**
 * Turns the `@KafkaListener` declarations of a bean into registered containers, as Spring's
 * `KafkaListenerAnnotationBeanPostProcessor`. Configuration mistakes are reported here, when
 * the application is created.
 */
export class KafkaListenerAnnotationProcessor {
  constructor(
    private readonly registry: KafkaListenerEndpointRegistry,
    private readonly resolveFactory: ContainerFactoryResolver,
    /** The template `@SendTo` replies are sent with (Spring's factory `replyTemplate`). */
    private readonly replies?: { template: KafkaTemplate; logger?: Logger },
    /** Builds the retry-topic chains of `@RetryableTopic` listeners. */
    private readonly retryTopics?: RetryTopicConfigurer,
    /** Placeholders and property defaults (KafkaApplication passes its configuration). */
    private readonly properties: AnnotationPropertySupport = { resolve: (text) => text },
  ) {}

  process(bean: object): MessageListenerContainer[] {
    const type = bean.constructor as ClassType;
    const containers: MessageListenerContainer[] = [];
    for (const { method, options: declared } of listenerMethodsOf(type)) {
      const description = `${type.name}.${String(method)}`;
      const options = this.resolveOptions(declared, description);
      this.checkSendTo(bean, method, description);
      const settings = this.settings(options, description, `${type.name}.${String(method)}`);
      const endpoint = new MethodKafkaListenerEndpoint(settings, bean, method);
      const retryable = this.retryableOf(retryableTopicOf(type, method), description);
      if (retryable) containers.push(...this.registerRetryable(endpoint, retryable, bean, options, description));
      else containers.push(this.register(endpoint, options, description));
    }
    for (const declared of classListenersOf(type)) {
      const options = this.resolveOptions(declared, type.name);
      const handlers = handlerMethodsOf(type);
      for (const handler of handlers) this.checkSendTo(bean, handler.method, `${type.name}.${String(handler.method)}`);
      const defaults = handlers.filter((h) => h.isDefault);
      if (defaults.length > 1) throw new KafkaException(`${type.name} has more than one @KafkaHandler({ isDefault: true })`);
      const settings = this.settings(options, type.name, type.name);
      const endpoint = new MultiMethodKafkaListenerEndpoint(
        settings,
        bean,
        handlers.filter((h) => !h.isDefault).map((h) => h.method),
        defaults[0]?.method,
      );
      const retryable = this.retryableOf(retryableTopicOf(type), type.name);
      if (retryable) containers.push(...this.registerRetryable(endpoint, retryable, bean, options, type.name));
      else containers.push(this.register(endpoint, options, type.name));
    }
    return containers;
  }

  /** A `@RetryableTopic` listener: one container per topic of its chain (main, retries, DLT). */
  private registerRetryable(endpoint: KafkaListenerEndpoint, retryable: RetryableTopicOptions, bean: object, options: ResolvedListenerOptions, description: string): MessageListenerContainer[] {
    if (!this.retryTopics) throw new KafkaException(`@RetryableTopic on ${description} needs a KafkaApplication (no retry-topic configurer)`);
    return this.retryTopics.processMainAndRetryListeners({
      mainEndpoint: endpoint,
      retryable,
      bean,
      dltHandlerMethod: dltHandlerOf(bean.constructor as ClassType),
      containerFactory: options.containerFactory,
      description,
      resolveFactory: (factory) => this.resolveFactory(factory, description),
      register: (chainEndpoint, factory) => this.register(chainEndpoint, { ...options, containerFactory: factory }, description),
    });
  }

  private register(endpoint: KafkaListenerEndpoint, options: ResolvedListenerOptions, description: string): MessageListenerContainer {
    const { factory, autoStartup } = this.resolveFactory(options.containerFactory, description);
    const container = this.registry.registerListenerContainer(endpoint, factory, autoStartup);
    const headerNames = (factory as { replyHeaderNames?: Partial<ReplyHeaderNames> }).replyHeaderNames;
    if (this.replies) configureReplyTemplate(container, this.replies.template, this.replies.logger, (topic) => this.properties.resolve(topic, `@SendTo('${topic}') of ${description}`), headerNames);
    return container;
  }

  private settings(options: ResolvedListenerOptions, description: string, defaultGroupId: string): EndpointSettings {
    const topicPartitions = options.topicPartitions === undefined ? undefined : this.topicPartitionsOf(options, description);
    const topics = topicPartitions ? [...new Set(topicPartitions.map((tp) => tp.topic))] : (options.topics ?? []);
    if (!Array.isArray(topics) || topics.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw new KafkaException(`@KafkaListener on ${description}: topics must be non-empty strings`);
    }
    if (topics.length === 0 && options.topicPattern === undefined) throw new KafkaException(`@KafkaListener on ${description} needs topics or a topicPattern`);
    if (topics.length > 0 && options.topicPattern !== undefined) throw new KafkaException(`@KafkaListener on ${description}: topics and topicPattern are mutually exclusive`);
    let topicPattern: RegExp | undefined;
    try {
      topicPattern = options.topicPattern === undefined ? undefined : new RegExp(options.topicPattern);
    } catch (error) {
      throw new KafkaException(`@KafkaListener on ${description}: invalid topicPattern`, { cause: error });
    }
    const idIsGroup = options.idIsGroup ?? true;
    return {
      id: options.id ?? `streamwright.KafkaListenerEndpointContainer#${endpointCounter++}`,
      groupId: options.groupId ?? (idIsGroup ? options.id : undefined),
      defaultGroupId,
      topics,
      topicPattern,
      topicPartitions,
      concurrency: options.concurrency,
      autoStartup: options.autoStartup,
      batchListener: options.batch,
      consumerProperties: options.properties,
      clientIdPrefix: options.clientIdPrefix,
      listenerInfo: options.info,
      circuitBreaker: options.circuitBreaker,
      listenerErrorHandler: this.listenerErrorHandlerOf(options.errorHandler, description),
      splitIterables: options.splitIterables,
    };
  }

  /** `@KafkaListener({ topicPartitions })`, expanded; exclusive with topics and topicPattern, as in Spring. */
  private topicPartitionsOf(options: ResolvedListenerOptions, description: string): TopicPartitionOffset[] {
    if ((options.topics ?? []).length > 0 || options.topicPattern !== undefined) throw new KafkaException(`@KafkaListener on ${description}: topicPartitions, topics and topicPattern are mutually exclusive`);
    if (!Array.isArray(options.topicPartitions) || options.topicPartitions.length === 0) throw new KafkaException(`@KafkaListener on ${description}: topicPartitions must list at least one topic`);
    const resolved = options.topicPartitions.map((entry) => ({ ...entry, topic: typeof entry?.topic === 'string' ? this.properties.resolve(entry.topic, `@KafkaListener topicPartitions of ${description}`) : entry?.topic }));
    return topicPartitionOffsetsOf(resolved, `@KafkaListener on ${description}`);
  }

  /** `@KafkaListener({ errorHandler })`: an instance, or a bean looked up by name or class when the application is created. */
  private listenerErrorHandlerOf(declared: KafkaListenerOptions['errorHandler'], description: string): KafkaListenerErrorHandler | undefined {
    if (declared === undefined) return undefined;
    if (isKafkaListenerErrorHandler(declared)) return declared;
    const name = typeof declared === 'string' ? this.properties.resolve(declared, `@KafkaListener errorHandler of ${description}`) : declared;
    let bean: unknown;
    try {
      if (!this.properties.resolveBean) throw new KafkaException('no container to look beans up in');
      bean = this.properties.resolveBean(name);
    } catch (error) {
      throw new KafkaException(`@KafkaListener on ${description}: errorHandler '${typeof name === 'string' ? name : name.name}' could not be resolved: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (!isKafkaListenerErrorHandler(bean)) throw new KafkaException(`@KafkaListener on ${description}: errorHandler '${typeof name === 'string' ? name : name.name}' is not a KafkaListenerErrorHandler (it has no handleError method)`);
    return bean;
  }

  /** The attributes with their `${…}` placeholders resolved (Spring resolves them in the bean post-processor too). */
  private resolveOptions(options: KafkaListenerOptions, description: string): ResolvedListenerOptions {
    const resolve = (value: string, attribute: string) => this.properties.resolve(value, `@KafkaListener ${attribute} of ${description}`);
    const text = (value: string | undefined, attribute: string) => (value === undefined ? undefined : resolve(value, attribute));
    const concurrencyText = typeof options.concurrency === 'string' ? resolve(options.concurrency, 'concurrency') : undefined;
    // An unresolved placeholder is already reported; the listener is read on so that every problem is found.
    const concurrency = concurrencyText === undefined ? (options.concurrency as number | undefined) : concurrencyText.includes('${') ? undefined : Number(concurrencyText);
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
      throw new KafkaException(`@KafkaListener on ${description}: concurrency must be a positive whole number, got '${String(options.concurrency)}'`);
    }
    const autoStartup = typeof options.autoStartup === 'string' ? resolve(options.autoStartup, 'autoStartup').trim().toLowerCase() === 'true' : options.autoStartup;
    return {
      ...options,
      id: text(options.id, 'id'),
      // A placeholder may hold a comma-separated list, as in Spring (`topics = "${topics}"`).
      topics: options.topics?.flatMap((topic) => (typeof topic === 'string' && topic.includes('${') ? resolve(topic, 'topics').split(',').map((t) => t.trim()) : [topic])),
      topicPattern: typeof options.topicPattern === 'string' ? resolve(options.topicPattern, 'topicPattern') : options.topicPattern,
      groupId: text(options.groupId, 'groupId'),
      clientIdPrefix: text(options.clientIdPrefix, 'clientIdPrefix'),
      containerFactory: typeof options.containerFactory === 'string' ? resolve(options.containerFactory, 'containerFactory') : options.containerFactory,
      properties: this.resolveProperties(options.properties, (value) => resolve(value, 'properties')),
      concurrency,
      autoStartup,
    };
  }

  private resolveProperties(properties: KafkaConsumerOverrides | undefined, resolve: (value: string) => string): KafkaConsumerOverrides | undefined {
    if (properties === undefined) return undefined;
    if (Array.isArray(properties)) return (properties as readonly string[]).map((entry) => (typeof entry === 'string' ? resolve(entry) : entry));
    return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, typeof value === 'string' ? resolve(value) : value])) as KafkaConsumerOverrides;
  }

  /** The listener's `@RetryableTopic` (or the configured default) with its text attributes resolved. */
  private retryableOf(declared: RetryableTopicOptions | undefined, description: string): RetryableTopicOptions | undefined {
    const retryable = declared ?? this.properties.defaultRetryableTopic;
    if (!retryable) return undefined;
    const resolve = (value: string | undefined, attribute: string) => (value === undefined ? undefined : this.properties.resolve(value, `@RetryableTopic ${attribute} of ${description}`));
    const resolved: RetryableTopicOptions = { ...retryable };
    resolved.retryTopicSuffix = resolve(retryable.retryTopicSuffix, 'retryTopicSuffix');
    resolved.dltTopicSuffix = resolve(retryable.dltTopicSuffix, 'dltTopicSuffix');
    if (typeof retryable.kafkaTemplate === 'string') resolved.kafkaTemplate = resolve(retryable.kafkaTemplate, 'kafkaTemplate');
    if (typeof retryable.listenerContainerFactory === 'string') resolved.listenerContainerFactory = resolve(retryable.listenerContainerFactory, 'listenerContainerFactory');
    resolved.includeNames = retryable.includeNames?.map((name) => resolve(name, 'includeNames')!);
    resolved.excludeNames = retryable.excludeNames?.map((name) => resolve(name, 'excludeNames')!);
    return Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== undefined)) as RetryableTopicOptions;
  }

  /** Reports an unresolvable `@SendTo` topic at start-up rather than at the first reply. */
  private checkSendTo(bean: object, method: string | symbol, description: string): void {
    const topic = sendToOf(bean, method)?.topic;
    if (typeof topic === 'string') this.properties.resolve(topic, `@SendTo('${topic}') of ${description}`);
  }
}
