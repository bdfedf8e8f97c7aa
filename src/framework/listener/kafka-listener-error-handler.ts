import type { Acknowledgment } from '../support/acknowledgment.js';
import type { Message } from '../support/message.js';
import type { ContainerConsumer } from './container-consumer.js';
import type { ListenerExecutionFailedException } from './listener-execution-failed-exception.js';

/**
 * The listener-level error handler named by `@KafkaListener({ errorHandler })`, as Spring's
 * `KafkaListenerErrorHandler`. It runs inside the listener call, before the container's
 * `CommonErrorHandler`:
 *
 * - a returned value counts as the listener's result: with `@SendTo` it is sent as the reply,
 *   and the record counts as processed;
 * - throwing (or rethrowing `exception`) hands the failure to the container's error handler.
 *
 * `message` carries the record's value (as deserialized, before payload conversion) and the
 * headers a listener sees, with the record itself in `kafka_data` (`KafkaHeaders.RAW_DATA`);
 * for a batch listener the payload is the list of values. It must not seek: positioning
 * belongs to the container's error handler.
 */
export interface KafkaListenerErrorHandler {
  handleError(message: Message, exception: ListenerExecutionFailedException, consumer: ContainerConsumer, acknowledgment: Acknowledgment): unknown;
}

/** Spring's `ConsumerAwareListenerErrorHandler`: the same contract, named for handlers that use the consumer. */
export type ConsumerAwareListenerErrorHandler = KafkaListenerErrorHandler;

/** Spring's `ManualAckListenerErrorHandler`: the same contract, named for handlers that acknowledge. */
export type ManualAckListenerErrorHandler = KafkaListenerErrorHandler;

export function isKafkaListenerErrorHandler(value: unknown): value is KafkaListenerErrorHandler {
  return typeof (value as Partial<KafkaListenerErrorHandler> | null)?.handleError === 'function';
}
