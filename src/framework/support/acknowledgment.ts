/**
 * Handle for acknowledging the processing of a record or a batch, as Spring's
 * `Acknowledgment`. An abstract class (not an interface) so that a listener parameter typed
 * `Acknowledgment` is recognised at run time from decorator metadata.
 *
 * - `acknowledge()`: the record (or whole batch) is processed; with AckMode MANUAL the offset
 *   is committed with the next batch of commits, with MANUAL_IMMEDIATE right away. Acks may
 *   arrive out of order: only the contiguous prefix of acknowledged records is committed.
 *   In the other ack modes the container commits by itself and this is a no-op.
 * - `acknowledge(index)` (batch listeners, MANUAL_IMMEDIATE): commits the batch up to and
 *   including `index`.
 * - `nack(sleepMs)` (record listeners): records before this one are committed; this record
 *   and the rest of the batch are redelivered after `sleepMs`, during which the consumer is
 *   paused. Must be called before the listener returns.
 * - `nack(index, sleepMs)` (batch listeners): records before `index` are committed; the
 *   record at `index` and the rest are redelivered after `sleepMs`.
 */
export abstract class Acknowledgment {
  abstract acknowledge(index?: number): void;
  abstract nack(sleepMsOrIndex: number, sleepMs?: number): void;
}
