import type { KafkaListenerContainerFactory } from '../config/kafka-listener-container-factory.js';
import type { EndpointSettings } from '../config/kafka-listener-endpoint.js';
import type { KafkaListenerEndpointRegistry } from '../config/kafka-listener-endpoint-registry.js';
import { MethodKafkaListenerEndpoint } from '../config/method-kafka-listener-endpoint.js';
import { MultiMethodKafkaListenerEndpoint } from '../config/multi-method-kafka-listener-endpoint.js';
import { KafkaException } from '../kafka-exception.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { ClassType } from '../support/serializer/type-id-headers.js';
import type { KafkaListenerOptions } from './kafka-listener-options.js';
import { classListenersOf, handlerMethodsOf, listenerMethodsOf } from './listener-metadata.js';

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
  ) {}

  process(bean: object): MessageListenerContainer[] {
    const type = bean.constructor as ClassType;
    const containers: MessageListenerContainer[] = [];
    for (const { method, options } of listenerMethodsOf(type)) {
      const description = `${type.name}.${String(method)}`;
      const settings = this.settings(options, description, `${type.name}.${String(method)}`);
      containers.push(this.register(new MethodKafkaListenerEndpoint(settings, bean, method), options, description));
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
      containers.push(this.register(endpoint, options, type.name));
    }
    return containers;
  }

  private register(endpoint: MethodKafkaListenerEndpoint | MultiMethodKafkaListenerEndpoint, options: KafkaListenerOptions, description: string): MessageListenerContainer {
    const { factory, autoStartup } = this.resolveFactory(options.containerFactory, description);
    return this.registry.registerListenerContainer(endpoint, factory, autoStartup);
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
    };
  }
}
