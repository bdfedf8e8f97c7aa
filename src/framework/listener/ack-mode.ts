/**
 * When the container commits offsets, with Spring's exact semantics (offsets are always
 * committed as last processed + 1):
 *
 * - `RECORD`: after each record the listener returns from.
 * - `BATCH` (default): after all records of a batch are processed. A kafkajs batch is one
 *   partition's share of a fetch, so commits happen per partition batch.
 * - `TIME`: like BATCH, but only once `ackTime` ms have passed since the last commit (also
 *   checked after each record, and on every fetch).
 * - `COUNT`: like BATCH, but only once `ackCount` records were processed since the last commit
 *   (also checked after each record).
 * - `COUNT_TIME`: TIME or COUNT, whichever comes first.
 * - `MANUAL`: the listener calls `Acknowledgment.acknowledge()`; acks are committed like BATCH
 *   (at the end of the batch, or on the next fetch for acks that come later).
 * - `MANUAL_IMMEDIATE`: `acknowledge()` commits at once.
 */
export const AckMode = {
  RECORD: 'RECORD',
  BATCH: 'BATCH',
  TIME: 'TIME',
  COUNT: 'COUNT',
  COUNT_TIME: 'COUNT_TIME',
  MANUAL: 'MANUAL',
  MANUAL_IMMEDIATE: 'MANUAL_IMMEDIATE',
} as const;

export type AckMode = (typeof AckMode)[keyof typeof AckMode];

export function isManualAck(mode: AckMode): boolean {
  return mode === AckMode.MANUAL || mode === AckMode.MANUAL_IMMEDIATE;
}
