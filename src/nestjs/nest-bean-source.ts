import { ContextIdFactory, type DiscoveryService, type ModuleRef } from '@nestjs/core';
import { annotatedListenerClasses } from '../framework/annotation/listener-metadata.js';
import type { BeanId, BeanSource } from '../framework/container/bean-source.js';
import type { Logger } from '../framework/support/logger.js';
import type { ClassType } from '../framework/support/serializer/type-id-headers.js';
import { LISTENER_INSTANCE_FOR, type ScopedListenerBean } from '../framework/listener/adapter/scoped-listener-bean.js';

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
 * `@KafkaListener`. A request-scoped or transient one (or one depending on such a provider) gets
 * a stand-in: each record is handled by a fresh instance that Nest resolves for it, with the
 * record as its `REQUEST` (see {@link perRecordListener}). Without a `moduleRef` they are reported
 * and skipped.
 */
export function discoverListenerBeans(discovery: DiscoveryService, logger: Logger, moduleRef?: ModuleRef): object[] {
  const annotated = annotatedListenerClasses();
  const beans = new Set<object>();
  for (const wrapper of [...discovery.getProviders(), ...discovery.getControllers()]) {
    // useFactory/useValue providers: the metatype is not the class, the instance's constructor is.
    const instance = wrapper.instance as object | null | undefined;
    const type = (instance && typeof instance === 'object' ? instance.constructor : wrapper.metatype) as ClassType | null | undefined;
    if (!type || !hasListenerAnnotations(type, annotated)) continue;
    // A transient provider's static "instance" is an unconstructed prototype, not one to listen with.
    if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
      if (moduleRef) beans.add(perRecordListener(type, moduleRef));
      else logger.warn(`${type.name} has @KafkaListener but is request-scoped or transient (or depends on such a provider); it is not registered without a ModuleRef to resolve it per record`);
      continue;
    }
    if (instance && typeof instance === 'object') beans.add(instance);
  }
  return [...beans];
}

/**
 * The listener of a scoped provider, as Nest runs its own request-scoped message handlers: per
 * record a new context id (or the one a durable-provider strategy picks), the record registered
 * as that context's `REQUEST`, and the instance `moduleRef.resolve` builds in that context. The
 * stand-in shares the class's prototype, so the framework reads its annotations as usual.
 */
function perRecordListener(type: ClassType, moduleRef: ModuleRef): object {
  const standIn = Object.create(type.prototype as object) as ScopedListenerBean;
  standIn[LISTENER_INSTANCE_FOR] = (request) => {
    const contextId = request ? ContextIdFactory.getByRequest(request) : ContextIdFactory.create();
    moduleRef.registerRequestByContextId(request, contextId);
    return moduleRef.resolve(type, contextId, { strict: false }) as Promise<object>;
  };
  return standIn;
}

function hasListenerAnnotations(type: ClassType, annotated: ReadonlySet<ClassType>): boolean {
  for (let current: unknown = type; typeof current === 'function' && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    if (annotated.has(current as ClassType)) return true;
  }
  return false;
}
