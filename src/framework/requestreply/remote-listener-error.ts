import { KafkaException } from '../kafka-exception.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { KafkaHeaders } from '../support/kafka-headers.js';
import { nestErrorOf } from './nest-transport-headers.js';

/**
 * The responder's listener failed: the reply carried `kafka_exception-fqcn` and
 * `kafka_exception-message` (written by `@SendTo` listeners that throw), so the request
 * fails at once instead of timing out. Spring has no convention for this (GH-1728); the
 * header names are Spring's own, from `KafkaHeaders`. A NestJS responder's error reply
 * (`kafka_nest-err`, JSON `{ status, message }`) is one too: `remoteClass` is then the error's
 * `name` when it sent one, else `RpcException`.
 */
export class RemoteListenerError extends KafkaException {
  /** The error's class name on the responder (e.g. `TypeError`, `OutOfStockError`). */
  readonly remoteClass: string;
  /** The error's message on the responder. */
  readonly remoteMessage: string;
  /** The class name of the error's cause on the responder, if it had one. */
  readonly remoteCauseClass: string | undefined;

  constructor(
    readonly reply: ConsumerRecord,
    remoteClass: string,
    remoteMessage: string,
    remoteCauseClass?: string,
  ) {
    super(`Remote listener failed with ${remoteClass}: ${remoteMessage}`);
    this.remoteClass = remoteClass;
    this.remoteMessage = remoteMessage;
    this.remoteCauseClass = remoteCauseClass;
  }

  /** The error a reply record reports, or undefined when it is a normal reply. */
  static fromReply(reply: ConsumerRecord): RemoteListenerError | undefined {
    const fqcn = reply.headers.lastString(KafkaHeaders.EXCEPTION_FQCN);
    if (fqcn === undefined) {
      const nest = nestErrorOf(reply.headers);
      return nest && new RemoteListenerError(reply, nest.className, nest.message);
    }
    return new RemoteListenerError(
      reply,
      fqcn,
      reply.headers.lastString(KafkaHeaders.EXCEPTION_MESSAGE) ?? '',
      reply.headers.lastString(KafkaHeaders.EXCEPTION_CAUSE_FQCN),
    );
  }
}
