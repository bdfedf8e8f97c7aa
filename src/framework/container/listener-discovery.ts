import type { Container } from 'inversify';
import { annotatedListenerClasses } from '../annotation/listener-metadata.js';
import type { ClassType } from '../support/serializer/type-id-headers.js';

/**
 * The listener classes of an application: those given explicitly plus every class carrying
 * `@KafkaListener` that is bound in the container (Spring finds them among the beans).
 */
export function discoverListenerClasses(container: Container, explicit: readonly ClassType[]): ClassType[] {
  const found = new Set<ClassType>(explicit);
  for (const type of annotatedListenerClasses()) {
    // isCurrentBound: an autobinding container must not bind every annotated class it is asked about.
    if (!found.has(type) && container.isCurrentBound(type)) found.add(type);
  }
  return [...found];
}
