/**
 * Answers about the producer's own state (its sequence numbers, epoch or id), not about the
 * batch: after one of them the producer cannot go on with its sequence numbers either.
 */
const PRODUCER_STATE_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'UNKNOWN_PRODUCER_ID',
]);

/**
 * Whether a failed request is known not to have written anything: kafkajs never sent it
 * (`attempts` 0: it failed before partitioning, e.g. no metadata for the topic), or the broker
 * answered its only attempt with an error for the batch (MESSAGE_TOO_LARGE, INVALID_RECORD,
 * an authorization error, ...). Anything else (a timeout, a lost connection or response, an
 * error after retries, whose earlier attempts may have reached the log) leaves it unknown.
 */
export function provesNothingWritten(error: unknown, attempts: number): boolean {
  if (attempts === 0) return true;
  if (attempts > 1) return false;
  const { name, type } = (error ?? {}) as { name?: unknown; type?: unknown };
  return name === 'KafkaJSProtocolError' && typeof type === 'string' && !PRODUCER_STATE_ERRORS.has(type);
}
