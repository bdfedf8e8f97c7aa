import { sendToOf, type SendToMetadata } from '../../annotation/send-to.js';
import { KafkaHeaders } from '../../support/kafka-headers.js';
import type { Acknowledgment } from '../../support/acknowledgment.js';
import { ConsumerRecord, rawValueOf } from '../../support/consumer-record.js';
import { ConsumerRecords } from '../../support/consumer-records.js';
import { convertHeaderValue } from '../../support/converter/header-value-converter.js';
import { MessageConversionException } from '../../support/converter/message-conversion-exception.js';
import { recordMessageHeaders, type DeliveryContext } from '../../support/converter/messaging-message-converter.js';
import { MethodArgumentResolutionException } from '../../support/converter/method-argument-resolution-exception.js';
import type { PayloadConverter } from '../../support/converter/payload-converter.js';
import { Message, type MessageHeaders } from '../../support/message.js';
import { deserializationErrorOf } from '../consumer-record-factory.js';
import type { ContainerConsumer } from '../container-consumer.js';
import { payloadParameter, resolveHandlerParameters, type HandlerParameter } from './handler-parameters.js';
import { validatePayload } from '../../support/converter/payload-validator.js';
import { isObservableLike, lastValueOf } from './observable-result.js';
import { scopedInstanceOf } from './scoped-listener-bean.js';

/** The listener's own ids, as record headers name them (`kafka_groupId`, `kafka_listenerInfo`). */
export interface ListenerIds {
  readonly groupId?: string;
  readonly listenerInfo?: string;
}

/** What a listener method is called with besides the record(s). */
export interface InvocationContext extends ListenerIds {
  readonly acknowledgment: Acknowledgment;
  readonly consumer: ContainerConsumer;
}

/**
 * A listener method bound to its bean, with its parameters worked out at start-up, as
 * Spring's `InvocableHandlerMethod`: builds the arguments for a record or a batch and calls it.
 */
export class HandlerMethod {
  readonly parameters: HandlerParameter[];
  readonly description: string;
  private sendToLookedUp: { value: SendToMetadata | undefined } | undefined;
  private readonly instanceFor: ((request: ConsumerRecord | ConsumerRecords | undefined) => object | Promise<object>) | undefined;

  constructor(
    readonly bean: object,
    readonly method: string | symbol,
    private readonly converter: PayloadConverter,
    readonly batch: boolean,
  ) {
    this.description = `${bean.constructor.name}.${String(method)}`;
    this.parameters = resolveHandlerParameters(Object.getPrototypeOf(bean), method, this.description, batch);
    this.instanceFor = scopedInstanceOf(bean);
  }

  /** The declared payload type (used to pick among `@KafkaHandler` methods). */
  get payloadType(): unknown {
    return payloadParameter(this.parameters)?.target;
  }

  async invoke(args: unknown[], request?: ConsumerRecord | ConsumerRecords): Promise<unknown> {
    return await this.call(args, request);
  }

  /**
   * Calls the method and returns what it returned (a promise only if the method returns one; an
   * Observable becomes a promise of its last value). A scoped bean is first asked for the
   * instance that handles this request (see {@link ScopedListenerBean}).
   */
  call(args: unknown[], request?: ConsumerRecord | ConsumerRecords): unknown {
    const fn = (this.bean as Record<string | symbol, (...a: unknown[]) => unknown>)[this.method]!;
    if (this.instanceFor) return Promise.resolve(this.instanceFor(request)).then((instance) => settled(fn.apply(instance, args)));
    return settled(fn.apply(this.bean, args));
  }

  /** The method's `@SendTo` (or its class's), looked up once: metadata lookups are too slow for every record. */
  get sendTo(): SendToMetadata | undefined {
    if (this.sendToLookedUp === undefined) this.sendToLookedUp = { value: sendToOf(this.bean, this.method) };
    return this.sendToLookedUp.value;
  }

  /**
   * The arguments for one record. The acknowledgment and consumer come apart from the
   * listener's ids (not as one {@link InvocationContext}): this runs for every record, and
   * the context is built only for a parameter that needs it.
   */
  recordArguments(record: ConsumerRecord, acknowledgment: Acknowledgment, consumer: ContainerConsumer, ids: ListenerIds): unknown[] {
    // A plain loop, no closures: this runs for every record.
    const parameters = this.parameters;
    const args = new Array<unknown>(parameters.length);
    let headers: MessageHeaders | undefined;
    for (let index = 0; index < parameters.length; index++) {
      const parameter = parameters[index]!;
      switch (parameter.kind) {
        case 'payload':
          args[index] = this.validated(this.payload(record, parameter.target, parameter.elementType, parameter.required), parameter.validate, index);
          break;
        case 'header':
          args[index] = this.header((headers ??= recordMessageHeaders(record, this.delivery(ids, acknowledgment, consumer))), parameter, index);
          break;
        case 'headers':
          args[index] = headers ??= recordMessageHeaders(record, this.delivery(ids, acknowledgment, consumer));
          break;
        case 'record':
          args[index] = record;
          break;
        case 'records':
          args[index] = ConsumerRecords.fromList([record]);
          break;
        case 'acknowledgment':
          args[index] = acknowledgment;
          break;
        case 'message':
          args[index] = new Message(this.payload(record, undefined, undefined, false), (headers ??= recordMessageHeaders(record, this.delivery(ids, acknowledgment, consumer))));
          break;
      }
    }
    return args;
  }

  batchArguments(records: ConsumerRecords, context: InvocationContext): unknown[] {
    const payload = payloadParameter(this.parameters);
    const elementType = payload ? payload.elementType ?? (payload.target === Array ? undefined : payload.target) : undefined;
    // Conversion failures leave a null element and are listed in kafka_conversionFailures (as Spring does).
    const failures: (Error | null)[] = [];
    const payloads = records.map((record) => {
      try {
        failures.push(null);
        if (elementType === ConsumerRecord) return record;
        return this.payload(record, elementType, undefined, false);
      } catch (error) {
        failures[failures.length - 1] = error as Error;
        return null;
      }
    });
    const headerList = records.map((record) => recordMessageHeaders(record, this.delivery(context, context.acknowledgment, context.consumer)));
    return this.parameters.map((parameter) => {
      switch (parameter.kind) {
        case 'payload':
          return payloads;
        case 'header':
          if (parameter.name === KafkaHeaders.GROUP_ID) return context.groupId;
          if (parameter.name === KafkaHeaders.CONVERSION_FAILURES) return failures;
          if (parameter.name === KafkaHeaders.ACKNOWLEDGMENT) return context.acknowledgment;
          return parameter.name === '' ? undefined : headerList.map((h) => convertHeaderValue(h[parameter.name], undefined) ?? null);
        case 'headers':
          return headerList;
        case 'record':
          return records[0];
        case 'records':
          return records;
        case 'acknowledgment':
          return context.acknowledgment;
        case 'message':
          return new Message(payloads, { [KafkaHeaders.BATCH_CONVERTED_HEADERS]: headerList, [KafkaHeaders.CONVERSION_FAILURES]: failures });
      }
    });
  }

  payloadFor(record: ConsumerRecord, target: unknown): unknown {
    const parameter = payloadParameter(this.parameters);
    const value = this.payload(record, target, parameter?.elementType, parameter?.required ?? true);
    return this.validated(value, parameter?.validate, parameter ? this.parameters.indexOf(parameter) : 0);
  }

  /** `@Payload({ validate: true })`: class-validator's constraints, checked after conversion. */
  private validated(value: unknown, validate: boolean | undefined, index: number): unknown {
    if (validate) validatePayload(value, index, this.description);
    return value;
  }

  private payload(record: ConsumerRecord, target: unknown, elementType: unknown, required: boolean): unknown {
    const failure = deserializationErrorOf(record);
    if (failure) throw failure;
    if (record.value === null || record.value === undefined) {
      if (!required) return null;
      throw new MessageConversionException(`The payload of ${record} is null (a tombstone); use @Payload({ required: false }) to receive it in ${this.description}`);
    }
    return this.converter.convert(record.value, rawValueOf(record), target, elementType);
  }

  private header(headers: MessageHeaders, parameter: Extract<HandlerParameter, { kind: 'header' }>, index: number): unknown {
    if (parameter.name === '') return undefined;
    const value = headers[parameter.name];
    if (value === undefined || value === null) {
      if (!parameter.required) return undefined;
      throw new MethodArgumentResolutionException(`Missing header '${parameter.name}' for parameter ${index} of ${this.description}`);
    }
    return convertHeaderValue(value, parameter.target);
  }

  private delivery(ids: ListenerIds, acknowledgment: Acknowledgment, consumer: ContainerConsumer): DeliveryContext {
    return { groupId: ids.groupId, acknowledgment, consumer, listenerInfo: ids.listenerInfo };
  }
}

/** What a listener method returned, with an Observable turned into a promise of its last value. */
function settled(result: unknown): unknown {
  return isObservableLike(result) ? lastValueOf(result) : result;
}
