import { parameterAnnotationsOf, parameterTypesOf } from '../../annotation/listener-metadata.js';
import { KafkaException } from '../../kafka-exception.js';
import { Acknowledgment } from '../../support/acknowledgment.js';
import { ConsumerRecord } from '../../support/consumer-record.js';
import { ConsumerRecords } from '../../support/consumer-records.js';
import { Message } from '../../support/message.js';

/** How one listener argument is produced. */
export type HandlerParameter =
  | { readonly kind: 'payload'; readonly target: unknown; readonly elementType: unknown; readonly required: boolean; readonly validate?: boolean }
  | { readonly kind: 'header'; readonly name: string; readonly target: unknown; readonly required: boolean }
  | { readonly kind: 'headers' }
  | { readonly kind: 'record' }
  | { readonly kind: 'records' }
  | { readonly kind: 'acknowledgment' }
  | { readonly kind: 'message' };

/**
 * Works out, once at start-up, how each parameter of a listener method is resolved: by its
 * decorator (`@Payload`, `@Header`, `@Headers`), else by its declared type from
 * `design:paramtypes` (`ConsumerRecord`, `ConsumerRecords`, `Acknowledgment`, `Message`), else
 * it is the payload. Two payload candidates are a configuration error, reported here rather
 * than on the first record.
 */
export function resolveHandlerParameters(prototype: object, method: string | symbol, description: string, batch: boolean): HandlerParameter[] {
  const fn = (prototype as Record<string | symbol, unknown>)[method];
  if (typeof fn !== 'function') throw new KafkaException(`${description} is not a method`);
  const declared = parameterTypesOf(prototype, method);
  const annotations = parameterAnnotationsOf(prototype, method);
  const count = Math.max(fn.length, declared?.length ?? 0, ...[...annotations.keys()].map((i) => i + 1));
  const parameters: HandlerParameter[] = [];
  const payloadIndexes: number[] = [];
  for (let index = 0; index < count; index++) {
    const type = declared?.[index];
    const annotation = annotations.get(index);
    let parameter: HandlerParameter;
    if (annotation?.kind === 'payload') {
      // For lists (and every batch payload) `type` names the elements; otherwise the value's class.
      const list = batch || type === Array;
      parameter = { kind: 'payload', target: list ? type : annotation.type ?? type, elementType: list ? annotation.type : undefined, required: annotation.required, validate: annotation.validate };
    } else if (annotation?.kind === 'header') {
      parameter = { kind: 'header', name: annotation.name, target: type, required: annotation.required };
    } else if (annotation?.kind === 'headers') {
      parameter = { kind: 'headers' };
    } else if (type === ConsumerRecord) {
      if (batch) throw new KafkaException(`${description}: a batch listener receives ConsumerRecords (or ConsumerRecord[] with @Payload({ type: ConsumerRecord })), not a ConsumerRecord`);
      parameter = { kind: 'record' };
    } else if (type === ConsumerRecords) {
      parameter = { kind: 'records' };
    } else if (type === Acknowledgment) {
      parameter = { kind: 'acknowledgment' };
    } else if (type === Message) {
      parameter = { kind: 'message' };
    } else {
      parameter = { kind: 'payload', target: type, elementType: undefined, required: true };
    }
    if (parameter.kind === 'payload') payloadIndexes.push(index);
    parameters.push(parameter);
  }
  if (payloadIndexes.length > 1) {
    const explicit = payloadIndexes.filter((i) => annotations.get(i)?.kind === 'payload');
    if (explicit.length !== 1) {
      throw new KafkaException(
        `${description}: parameters ${payloadIndexes.join(' and ')} could each be the payload. Mark the payload with @Payload() ` +
          'and the others with @Header(...); ConsumerRecord and Acknowledgment are recognised by type only when imported as values ' +
          '(not `import type`) with emitDecoratorMetadata enabled.',
      );
    }
    // Undecorated, unrecognised parameters next to an explicit @Payload receive undefined.
    for (const index of payloadIndexes) if (index !== explicit[0]) parameters[index] = { kind: 'header', name: '', target: undefined, required: false };
  }
  return parameters;
}

/** The parameter that receives the payload, if any. */
export function payloadParameter(parameters: readonly HandlerParameter[]): Extract<HandlerParameter, { kind: 'payload' }> | undefined {
  return parameters.find((p): p is Extract<HandlerParameter, { kind: 'payload' }> => p.kind === 'payload');
}
