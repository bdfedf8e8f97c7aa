import 'reflect-metadata';
import type { ClassType } from '../support/serializer/type-id-headers.js';
import { addClassListener, addListenerMethod } from './listener-metadata.js';
import type { KafkaListenerOptions } from './kafka-listener-options.js';

/**
 * Marks a method as a Kafka listener, as Spring's `@KafkaListener`. Its parameters are
 * resolved by decorator and declared type: `@Payload()`, `@Header(name)`, `@Headers()`,
 * `ConsumerRecord`, `ConsumerRecords`, `Acknowledgment` and `Message` parameters; the one
 * parameter left undecorated and unrecognised is the payload.
 *
 * On a class, it declares one container whose records are dispatched to the class's
 * `@KafkaHandler` methods by payload type. It may be repeated.
 */
export function KafkaListener(options: KafkaListenerOptions): ClassDecorator & MethodDecorator {
  return ((target: object, propertyKey?: string | symbol) => {
    if (propertyKey === undefined) addClassListener(target as ClassType, { ...options });
    else addListenerMethod(target, { method: propertyKey, options: { ...options } });
  }) as ClassDecorator & MethodDecorator;
}
