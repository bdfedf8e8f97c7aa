import type { ConsumerRecord } from '../support/consumer-record.js';
import type { ProducerRecord } from '../support/producer-record.js';
import type { RecordHeaders } from '../support/record-headers.js';
import type { RecordMetadata } from '../support/send-result.js';

/** Ends a send's observation: with the error, or with the acknowledged record's position. */
export type SendObservationEnd = (error?: unknown, metadata?: RecordMetadata) => void;

/** Where a dead-letter (or retry-topic) record goes, and the headers it will carry (a copy that may be added to). */
export interface DeadLetterDestination {
  readonly topic: string;
  readonly partition: number | undefined;
  readonly headers: RecordHeaders;
}

/** Told about a template's sends, for metrics and tracing (Spring's template observation). */
export interface TemplateObserver {
  /**
   * A send starts; the returned function is called with its outcome. `headers` are the ones the
   * record goes out with (tracing adds its context to them).
   */
  sendStarted(record: ProducerRecord<unknown, unknown>, headers: RecordHeaders): SendObservationEnd;
  /** A DeadLetterPublishingRecoverer published `record` (which failed with `error`) to `topic` through this template. */
  deadLettered?(record: ConsumerRecord, error: Error, topic: string): void;
  /** A DeadLetterPublishingRecoverer starts publishing the failed `record` to `destination` through this template. */
  deadLetterStarted?(record: ConsumerRecord, destination: DeadLetterDestination): SendObservationEnd;
  /** A replying template's reply container got `record`; the returned function is called once it was handled. */
  replyReceived?(record: ConsumerRecord, replyContainer: { readonly groupId: string; readonly listenerId: string }): (error?: unknown) => void;
}
