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
import type { ClassType } from '../support/serializer/type-id-headers.js';
import type { KafkaListenerOptions } from './kafka-listener-options.js';
import { classListenersOf, handlerMethodsOf, listenerMethodsOf } from './listener-metadata.js';
import { dltHandlerOf } from './dlt-handler.js';
import { retryableTopicOf } from './retryable-topic.js';

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
  ) {}

  process(bean: object): MessageListenerContainer[] {
    const type = bean.constructor as ClassType;
    const containers: MessageListenerContainer[] = [];
    for (const { method, options } of listenerMethodsOf(type)) {
      const description = `${type.name}.${String(method)}`;
      const settings = this.settings(options, description, `${type.name}.${String(method)}`);
      const endpoint = new MethodKafkaListenerEndpoint(settings, bean, method);
      const retryable = retryableTopicOf(type, method);
      if (retryable) containers.push(...this.registerRetryable(endpoint, retryable, bean, options, description));
      else containers.push(this.register(endpoint, options, description));
    }
    for (const options of classListenersOf(type)) {
      const handlers = handlerMethodsOf(type);
      const defaults = handlers.filter((h) => h.isDefault);
      if (defaults.length > 1) throw new KafkaException(`${type.name} has more than one @KafkaHandler({ isDefault: true })`);
      const settings = this.settings(options, type.name, type.name);
      const endpoint = new MultiMethodKafkaListenerEndpoint(
        settings,
        bean,
        handlers.filter((h) => !h.isDefault).map((h) => h.method),
        defaults[0]?.method,
      );
      const retryable = retryableTopicOf(type);
      if (retryable) containers.push(...this.registerRetryable(endpoint, retryable, bean, options, type.name));
      else containers.push(this.register(endpoint, options, type.name));
    }
    return containers;
  }

  /** A `@RetryableTopic` listener: one container per topic of its chain (main, retries, DLT). */
  private registerRetryable(endpoint: KafkaListenerEndpoint, retryable: NonNullable<ReturnType<typeof retryableTopicOf>>, bean: object, options: KafkaListenerOptions, description: string): MessageListenerContainer[] {
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

  private register(endpoint: KafkaListenerEndpoint, options: KafkaListenerOptions, description: string): MessageListenerContainer {
    const { factory, autoStartup } = this.resolveFactory(options.containerFactory, description);
    const container = this.registry.registerListenerContainer(endpoint, factory, autoStartup);
    if (this.replies) configureReplyTemplate(container, this.replies.template, this.replies.logger);
    return container;
  }

  private settings(options: KafkaListenerOptions, description: string, defaultGroupId: string): EndpointSettings {
    const topics = options.topics ?? [];
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
      concurrency: options.concurrency,
      autoStartup: options.autoStartup,
      batchListener: options.batch,
      consumerProperties: options.properties,
      clientIdPrefix: options.clientIdPrefix,
      listenerInfo: options.info,
      circuitBreaker: options.circuitBreaker,
    };
  }
}
