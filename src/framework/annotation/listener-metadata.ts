import 'reflect-metadata';
import type { ClassType } from '../support/serializer/type-id-headers.js';
import type { KafkaListenerOptions } from './kafka-listener-options.js';

// Metadata keys; symbols so they cannot collide with other libraries' keys.
const LISTENER_METHODS = Symbol.for('streamwright:kafkaListener:methods');
const LISTENER_CLASS = Symbol.for('streamwright:kafkaListener:class');
const HANDLER_METHODS = Symbol.for('streamwright:kafkaHandler:methods');
const PARAMETERS = Symbol.for('streamwright:kafkaListener:parameters');

/** What a parameter decorator declared. */
export type ParameterAnnotation =
  | { readonly kind: 'payload'; readonly type?: unknown; readonly required: boolean; readonly validate?: boolean }
  | { readonly kind: 'header'; readonly name: string; readonly required: boolean }
  | { readonly kind: 'headers' };

export interface ListenerMethodMetadata {
  readonly method: string | symbol;
  readonly options: KafkaListenerOptions;
}

export interface HandlerMethodMetadata {
  readonly method: string | symbol;
  readonly isDefault: boolean;
}

/** Every class that carries `@KafkaListener`, for discovery among a container's bindings. */
const annotatedClasses = new Set<ClassType>();

export function annotatedListenerClasses(): ReadonlySet<ClassType> {
  return annotatedClasses;
}

export function addListenerMethod(prototype: object, metadata: ListenerMethodMetadata): void {
  appendOwn(LISTENER_METHODS, prototype, metadata);
  annotatedClasses.add(prototype.constructor as ClassType);
}

export function addClassListener(type: ClassType, options: KafkaListenerOptions): void {
  appendOwn(LISTENER_CLASS, type, options);
  annotatedClasses.add(type);
}

export function addHandlerMethod(prototype: object, metadata: HandlerMethodMetadata): void {
  appendOwn(HANDLER_METHODS, prototype, metadata);
}

export function setParameterAnnotation(prototype: object, method: string | symbol, index: number, annotation: ParameterAnnotation): void {
  const existing: Map<number, ParameterAnnotation> = Reflect.getOwnMetadata(PARAMETERS, prototype, method) ?? new Map();
  const copy = new Map(existing);
  copy.set(index, annotation);
  Reflect.defineMetadata(PARAMETERS, copy, prototype, method);
}

/** `@KafkaListener` methods of a class and its superclasses (a subclass's own come first). */
export function listenerMethodsOf(type: ClassType): ListenerMethodMetadata[] {
  return collect<ListenerMethodMetadata>(LISTENER_METHODS, type.prototype);
}

export function classListenersOf(type: ClassType): KafkaListenerOptions[] {
  const result: KafkaListenerOptions[] = [];
  for (let current: unknown = type; typeof current === 'function' && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    result.push(...((Reflect.getOwnMetadata(LISTENER_CLASS, current as object) as KafkaListenerOptions[] | undefined) ?? []));
  }
  return result;
}

export function handlerMethodsOf(type: ClassType): HandlerMethodMetadata[] {
  return collect<HandlerMethodMetadata>(HANDLER_METHODS, type.prototype);
}

export function parameterAnnotationsOf(prototype: object, method: string | symbol): Map<number, ParameterAnnotation> {
  for (let current: object | null = prototype; current && current !== Object.prototype; current = Object.getPrototypeOf(current)) {
    const own = Reflect.getOwnMetadata(PARAMETERS, current, method) as Map<number, ParameterAnnotation> | undefined;
    if (own) return own;
  }
  return new Map();
}

/** `design:paramtypes` of a method, looked up along the prototype chain. */
export function parameterTypesOf(prototype: object, method: string | symbol): unknown[] | undefined {
  return Reflect.getMetadata('design:paramtypes', prototype, method) as unknown[] | undefined;
}

function appendOwn(key: symbol, target: object, value: unknown): void {
  const existing = (Reflect.getOwnMetadata(key, target) as unknown[] | undefined) ?? [];
  Reflect.defineMetadata(key, [...existing, value], target);
}

function collect<T extends { method: string | symbol }>(key: symbol, prototype: object): T[] {
  const result: T[] = [];
  // Walk from the class up; an annotated override replaces the superclass method's annotations.
  const declaredBelow = new Set<string | symbol>();
  for (let current: object | null = prototype; current && current !== Object.prototype; current = Object.getPrototypeOf(current)) {
    const own = (Reflect.getOwnMetadata(key, current) as T[] | undefined) ?? [];
    result.push(...own.filter((entry) => !declaredBelow.has(entry.method)));
    for (const entry of own) declaredBelow.add(entry.method);
  }
  return result;
}
