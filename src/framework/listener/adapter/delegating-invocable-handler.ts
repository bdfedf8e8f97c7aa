import { KafkaException } from '../../kafka-exception.js';
import type { ConsumerRecord } from '../../support/consumer-record.js';
import { MessageConversionException } from '../../support/converter/message-conversion-exception.js';
import { TYPE_ID_HEADER, type ClassType } from '../../support/serializer/type-id-headers.js';
import type { HandlerMethod } from './handler-method.js';

/** A handler and the type its payload is converted to. */
export interface SelectedHandler {
  readonly handler: HandlerMethod;
  readonly payloadType: unknown;
}

const PRIMITIVE_TYPE_IDS = new Map<string, unknown>([
  ['String', String],
  ['Number', Number],
  ['Boolean', Boolean],
]);

/**
 * Picks the `@KafkaHandler` of a class-level listener for a record, as Spring's
 * `DelegatingInvocableHandler`. The rule, in order:
 *
 * 1. a value already deserialized to an object (e.g. by a JsonDeserializer) goes to the
 *    handler whose payload class it is an instance of (the most derived one);
 * 2. the `__TypeId__` header written by JsonSerializer (a class name, an alias from
 *    `typeMappings`, or `String`/`Number`/`Boolean`) selects the handler whose payload type
 *    has that name;
 * 3. otherwise the `isDefault` handler, with the payload converted to its own declared type;
 * 4. otherwise the record fails with a (non-retryable) MessageConversionException.
 */
export class DelegatingInvocableHandler {
  private readonly defaultHandler: HandlerMethod | undefined;

  constructor(
    private readonly handlers: readonly HandlerMethod[],
    defaultHandler: HandlerMethod | undefined,
    private readonly beanName: string,
    private readonly typeMappings: Readonly<Record<string, ClassType>> = {},
  ) {
    if (handlers.length === 0 && !defaultHandler) throw new KafkaException(`Class-level @KafkaListener ${beanName} has no @KafkaHandler methods`);
    this.defaultHandler = defaultHandler;
  }

  /** Every handler, the default one last. */
  get handlerMethods(): readonly HandlerMethod[] {
    return this.defaultHandler ? [...this.handlers, this.defaultHandler] : this.handlers;
  }

  select(record: ConsumerRecord): SelectedHandler {
    const all = this.defaultHandler ? [...this.handlers, this.defaultHandler] : this.handlers;
    const value = record.value;
    if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      const byInstance = all
        .filter((h) => typeof h.payloadType === 'function' && h.payloadType !== Object && value instanceof (h.payloadType as ClassType))
        .sort((a, b) => depth(b.payloadType) - depth(a.payloadType))[0];
      if (byInstance) return { handler: byInstance, payloadType: byInstance.payloadType };
    }
    const typeId = record.headers.lastString(TYPE_ID_HEADER);
    if (typeId !== undefined) {
      const wanted = this.typeMappings[typeId] ?? PRIMITIVE_TYPE_IDS.get(typeId);
      const byTypeId = all.find((h) => (wanted !== undefined ? h.payloadType === wanted : typeof h.payloadType === 'function' && (h.payloadType as ClassType).name === typeId));
      if (byTypeId) return { handler: byTypeId, payloadType: byTypeId.payloadType };
    }
    if (this.defaultHandler) return { handler: this.defaultHandler, payloadType: this.defaultHandler.payloadType };
    throw new MessageConversionException(`No @KafkaHandler of ${this.beanName} accepts the payload of ${record} (type id: ${typeId ?? 'none'}) and there is no default handler`);
  }
}

function depth(type: unknown): number {
  let n = 0;
  for (let current = type; typeof current === 'function' && current !== Function.prototype; current = Object.getPrototypeOf(current)) n++;
  return n;
}
