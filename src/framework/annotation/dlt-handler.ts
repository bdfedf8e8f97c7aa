import 'reflect-metadata';
import type { ClassType } from '../support/serializer/type-id-headers.js';

const DLT_HANDLER = Symbol.for('streamwright:dltHandler');

/**
 * Marks the method that handles the dead-letter topic of the class's `@RetryableTopic`
 * listeners, as Spring's `@DltHandler`. Its parameters are resolved like a listener's (one
 * record at a time); the `kafka_original-*` and `kafka_exception-*` headers say where the
 * record came from and why it failed. Without one, DLT records are logged.
 */
export function DltHandler(): MethodDecorator {
  return (target, propertyKey) => {
    if (!Reflect.hasOwnMetadata(DLT_HANDLER, target)) Reflect.defineMetadata(DLT_HANDLER, propertyKey, target);
  };
}

/** The `@DltHandler` method of a class (its own first, then inherited). */
export function dltHandlerOf(type: ClassType): string | symbol | undefined {
  return Reflect.getMetadata(DLT_HANDLER, type.prototype) as string | symbol | undefined;
}
