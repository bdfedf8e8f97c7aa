import type { ConsumerRecord } from '../support/consumer-record.js';
import type { ProducerRecord } from '../support/producer-record.js';

/** Told about a template's sends, for metrics (Spring's template observation). */
export interface TemplateObserver {
  /** A send starts; the returned function is called with its outcome. */
  sendStarted(record: ProducerRecord<unknown, unknown>): (error?: unknown) => void;
  /** A DeadLetterPublishingRecoverer published `record` (which failed with `error`) to `topic` through this template. */
  deadLettered?(record: ConsumerRecord, error: Error, topic: string): void;
}
