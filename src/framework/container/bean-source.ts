import type { Container, ServiceIdentifier } from 'inversify';
import type { ClassType } from '../support/serializer/type-id-headers.js';
import { KafkaException } from '../kafka-exception.js';
import { messageOf } from '../core/producer-factory.js';
import { discoverListenerClasses } from './listener-discovery.js';

/** What a bean is registered under: its class, or a name (string or symbol). */
export type BeanId<T = unknown> = string | symbol | (abstract new (...args: never[]) => T);

/**
 * Where the framework finds the application's beans: the listener instances and the
 * collaborators that annotations name (a `@RetryableTopic`'s `kafkaTemplate`, a bound
 * `RetryTopicConfigurationSupport`). Spring's BeanFactory, reduced to what Kafka needs, so that
 * any DI container can hold the beans: {@link inversifyBeans} serves plain applications,
 * `streamwright/nestjs` serves Nest's container.
 */
export interface BeanSource {
  /** The bean registered under `id`, or undefined; never creates a bean for an unregistered class. */
  find<T>(id: BeanId<T>): T | undefined;
  /**
   * The listener beans known when the application is created: instances of `explicit` and of
   * every registered class carrying `@KafkaListener`. A container that creates its beans
   * later hands them over with `KafkaApplication.registerListenerBeans`.
   */
  listenerBeans(explicit: readonly ClassType[]): Promise<object[]>;
}

/** The beans of an inversify container (listeners are bound as singletons when missing). */
export function inversifyBeans(container: Container): BeanSource {
  return {
    find: <T>(id: BeanId<T>) => {
      const identifier = id as ServiceIdentifier<T>;
      // Classes: isCurrentBound, as with autobind isBound would bind (and build) the class itself.
      const bound = typeof id === 'function' ? container.isCurrentBound(identifier) : container.isBound(identifier);
      return bound ? container.get<T>(identifier) : undefined;
    },
    listenerBeans: async (explicit) => {
      const beans: object[] = [];
      for (const type of discoverListenerClasses(container, explicit)) {
        if (!container.isCurrentBound(type)) container.bind(type).toSelf().inSingletonScope();
        try {
          beans.push((await container.getAsync(type)) as object);
        } catch (error) {
          throw new KafkaException(`Could not create listener ${type.name}: ${messageOf(error)} (is it decorated with @injectable()?)`, { cause: error });
        }
      }
      return beans;
    },
  };
}
