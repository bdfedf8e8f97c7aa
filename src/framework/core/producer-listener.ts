import type { ProducerRecord } from '../support/producer-record.js';
import type { RecordMetadata } from '../support/send-result.js';
import { defaultLogger, type Logger } from '../support/logger.js';

/** Told about every send's outcome, as Spring's `ProducerListener`; called after the promise settles. */
export interface ProducerListener<K = unknown, V = unknown> {
  onSuccess?(record: ProducerRecord<K, V>, metadata: RecordMetadata): void;
  onError?(record: ProducerRecord<K, V>, metadata: RecordMetadata | undefined, error: unknown): void;
}

/** The default: logs failed sends, as Spring's `LoggingProducerListener`. */
export class LoggingProducerListener implements ProducerListener {
  constructor(private readonly logger: Logger = defaultLogger()) {}

  onError(record: ProducerRecord, _metadata: RecordMetadata | undefined, error: unknown): void {
    this.logger.error(`Exception thrown when sending a message with key='${String(record.key)}' to topic ${record.topic}`, error);
  }
}
