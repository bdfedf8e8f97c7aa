import { KafkaException } from '../kafka-exception.js';
import type { ConsumerRecord } from '../support/consumer-record.js';
import { KafkaHeaders } from '../support/kafka-headers.js';

/**
 * The responder's listener failed: the reply carried `kafka_exception-fqcn` and
 * `kafka_exception-message` (written by `@SendTo` listeners that throw), so the request
 * fails at once instead of timing out. Spring has no convention for this (GH-1728); the
 * header names are Spring's own, from `KafkaHeaders`.
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
    if (fqcn === undefined) return undefined;
    return new RemoteListenerError(
      reply,
      fqcn,
      reply.headers.lastString(KafkaHeaders.EXCEPTION_MESSAGE) ?? '',
      reply.headers.lastString(KafkaHeaders.EXCEPTION_CAUSE_FQCN),
    );
  }
}
