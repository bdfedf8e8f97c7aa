import 'reflect-metadata';
import { addHandlerMethod } from './listener-metadata.js';

/**
 * Marks a method of a class-level `@KafkaListener` as a handler, as Spring's `@KafkaHandler`.
 * The handler is chosen by payload type (see the class-level listener rules in
 * docs/listeners.md); `isDefault` marks the fallback for payloads no handler matches.
 */
export function KafkaHandler(options: { isDefault?: boolean } = {}): MethodDecorator {
  return (target, propertyKey) => addHandlerMethod(target, { method: propertyKey, isDefault: options.isDefault ?? false });
}
