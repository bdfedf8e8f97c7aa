/**
 * Checks one topic's log against what its producers were told was stored, and a group's
 * committed offsets against the commits the broker acknowledged. Pure: no I/O.
 */
import { parseRecordValue, type AckedRecord, type StoredRecord } from './records.js';

export type AnomalyKind = 'lost' | 'duplicate' | 'reordered' | 'offset gap' | 'offset mismatch' | 'lost committed offset';
export const ANOMALY_KINDS: readonly AnomalyKind[] = ['lost', 'duplicate', 'reordered', 'offset gap', 'offset mismatch', 'lost committed offset'];

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly detail: string;
}

export interface LogCheckInput {
  readonly topic: string;
  readonly partitions: number;
  /** Every record read back, any order. */
  readonly stored: readonly StoredRecord[];
  /** Per partition, the log start and end offsets the broker reports (kafkajs fetchTopicOffsets). */
  readonly offsets: ReadonlyMap<number, { low: number; high: number }>;
  readonly acked: readonly AckedRecord[];
}

export interface CheckResult {
  readonly anomalies: Anomaly[];
  /** Acknowledged records that were looked for. */
  readonly ackedChecked: number;
  readonly storedRecords: number;
}

export function checkLog(input: LogCheckInput): CheckResult {
  const anomalies: Anomaly[] = [];
  const where = (partition: number, offset?: number) => `${input.topic}-${partition}${offset === undefined ? '' : `@${offset}`}`;

  const byPartition = new Map<number, StoredRecord[]>();
  for (let p = 0; p < input.partitions; p++) byPartition.set(p, []);
  for (const record of input.stored) byPartition.get(record.partition)?.push(record);

  // Per value: every place it is stored. More than one is a duplicate, acknowledged or not
  // (idempotent producers: an unacknowledged record may be stored, but only once).
  const placesOf = new Map<string, StoredRecord[]>();
  for (const record of input.stored) {
    const places = placesOf.get(record.value);
    if (places) places.push(record);
    else placesOf.set(record.value, [record]);
  }
  for (const [value, places] of placesOf) {
    if (places.length > 1) anomalies.push({ kind: 'duplicate', detail: `${value} stored ${places.length} times: ${places.map((r) => where(r.partition, r.offset)).join(', ')}` });
  }

  for (const [partition, records] of byPartition) {
    records.sort((a, b) => a.offset - b.offset);
    const range = input.offsets.get(partition);
    // Offsets: contiguous from the log start to the high watermark (no transactions here, so no
    // control records; a gap means records vanished from the middle of the log).
    let expected = range?.low ?? 0;
    for (const record of records) {
      if (record.offset < expected) anomalies.push({ kind: 'offset gap', detail: `${where(partition, record.offset)} read twice or out of order (expected ${expected})` });
      else if (record.offset > expected) anomalies.push({ kind: 'offset gap', detail: `${where(partition)}: offsets ${expected}..${record.offset - 1} missing` });
      expected = Math.max(expected, record.offset + 1);
    }
    if (range && expected !== range.high) anomalies.push({ kind: 'offset gap', detail: `${where(partition)}: read up to ${expected}, the high watermark is ${range.high}` });

    // Order: each producer's sequence on this partition only goes up along the log.
    const lastSequence = new Map<string, { sequence: number; offset: number }>();
    for (const record of records) {
      const parsed = parseRecordValue(record.value);
      if (!parsed || parsed.partition !== partition) {
        anomalies.push({ kind: 'offset mismatch', detail: `${where(partition, record.offset)} holds ${JSON.stringify(record.value)}, which no producer sent to this partition` });
        continue;
      }
      const last = lastSequence.get(parsed.producer);
      if (last && parsed.sequence <= last.sequence) {
        anomalies.push({ kind: 'reordered', detail: `${record.value} at ${where(partition, record.offset)} after sequence ${last.sequence} at offset ${last.offset}` });
      }
      if (!last || parsed.sequence > last.sequence) lastSequence.set(parsed.producer, { sequence: parsed.sequence, offset: record.offset });
    }
  }

  // Acknowledged: present, exactly where the acknowledgement said.
  for (const ack of input.acked) {
    const places = placesOf.get(ack.value);
    if (!places) anomalies.push({ kind: 'lost', detail: `${ack.value} acknowledged at ${where(ack.partition, ack.offset)} is not in the log` });
    else if (!places.some((r) => r.partition === ack.partition && r.offset === ack.offset)) {
      anomalies.push({ kind: 'offset mismatch', detail: `${ack.value} acknowledged at ${where(ack.partition, ack.offset)} is at ${places.map((r) => where(r.partition, r.offset)).join(', ')}` });
    }
  }
  return { anomalies, ackedChecked: input.acked.length, storedRecords: input.stored.length };
}

/** Every acknowledged commit must still be there: the group's offset is at least as far. */
export function checkCommittedOffsets(group: string, topic: string, acknowledged: ReadonlyMap<number, number>, fetched: ReadonlyMap<number, number>): Anomaly[] {
  const anomalies: Anomaly[] = [];
  for (const [partition, offset] of acknowledged) {
    const now = fetched.get(partition) ?? -1;
    if (now < offset) anomalies.push({ kind: 'lost committed offset', detail: `group ${group} ${topic}-${partition}: commit of ${offset} was acknowledged, the broker now has ${now}` });
  }
  return anomalies;
}
