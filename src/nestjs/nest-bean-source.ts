import type { ModuleRef } from '@nestjs/core';
import type { DiscoveryService } from '@nestjs/core';
import { annotatedListenerClasses } from '../framework/annotation/listener-metadata.js';
import type { BeanId, BeanSource } from '../framework/container/bean-source.js';
import type { Logger } from '../framework/support/logger.js';
import type { ClassType } from '../framework/support/serializer/type-id-headers.js';

/**
 * The application's beans as Nest holds them: collaborators by token from any module
 * (`moduleRef.get(token, { strict: false })`), listeners among the providers and controllers.
 * Nest creates the listener providers after the module's own services (they inject
 * `KafkaTemplate`), so `listenerBeans` finds none at creation; {@link discoverListenerBeans}
 * finds them once every provider exists.
 */
export class NestBeanSource implements BeanSource {
  constructor(private readonly moduleRef: ModuleRef) {}

  find<T>(id: BeanId<T>): T | undefined {
    try {
      return (this.moduleRef.get(id as string | symbol, { strict: false }) as T | undefined) ?? undefined;
    } catch {
      // Nest throws UnknownElementException for a token no module provides: not registered.
      return undefined;
    }
  }

  async listenerBeans(): Promise<object[]> {
    return [];
  }
}

/**
 * Instances of every static provider and controller whose class (or a superclass) carries
 * `@KafkaListener`. Request-scoped and transient ones have no single instance to listen with:
 * they are reported and skipped.
 */
export function discoverListenerBeans(discovery: DiscoveryService, logger: Logger): object[] {
  const annotated = annotatedListenerClasses();
  const beans = new Set<object>();
  for (const wrapper of [...discovery.getProviders(), ...discovery.getControllers()]) {
    // useFactory/useValue providers: the metatype is not the class, the instance's constructor is.
    const instance = wrapper.instance as object | null | undefined;
    const type = (instance && typeof instance === 'object' ? instance.constructor : wrapper.metatype) as ClassType | null | undefined;
    if (!type || !hasListenerAnnotations(type, annotated)) continue;
    if (!wrapper.isDependencyTreeStatic()) {
      logger.warn(`${type.name} has @KafkaListener but is request-scoped or transient (or depends on such a provider); it is not registered: listeners need one instance`);
      continue;
    }
    if (instance && typeof instance === 'object') beans.add(instance);
  }
  return [...beans];
}

function hasListenerAnnotations(type: ClassType, annotated: ReadonlySet<ClassType>): boolean {
  for (let current: unknown = type; typeof current === 'function' && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    if (annotated.has(current as ClassType)) return true;
  }
  return false;
}
