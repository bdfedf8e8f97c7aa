import {
  CorruptRecordBatchError,
  decodeRecordBatch,
  decodeRecordBatchSync,
  isControl,
  readAttributes,
  scanBatches,
  type DecodedRecordBatch,
} from '../../protocol/records/index.js';

/**
 * Compacted topics keep the latest record per key, so a record without a key has no place in
 * them: Kafka rejects it at produce time with INVALID_RECORD. The produce path calls one of
 * these for topics whose cleanup.policy includes compact. Control batches are exempt.
 */

function keylessError(batch: DecodedRecordBatch, index: number): CorruptRecordBatchError {
  return new CorruptRecordBatchError(
    `Compacted topic cannot accept message without key (record ${index} of the batch at ${batch.position})`,
    'invalid',
    batch.position,
  );
}

function check(batch: DecodedRecordBatch): void {
  const index = batch.records.findIndex((r) => r.key === null);
  if (index >= 0) throw keylessError(batch, index);
}

/** Throws CorruptRecordBatchError (reason `invalid`, INVALID_RECORD) when a record has no key. Decompresses on the calling thread. */
export function checkRecordsHaveKeys(records: Buffer): void {
  for (const entry of scanBatches(records)) {
    if (entry.kind !== 'batch' || isControl(readAttributes(records, entry.position))) continue;
    check(decodeRecordBatchSync(records, entry.position, { verifyCrc: false }));
  }
}

/** {@link checkRecordsHaveKeys} with decompression on the thread pool (large compressed batches). */
export async function checkRecordsHaveKeysAsync(records: Buffer): Promise<void> {
  for (const entry of scanBatches(records)) {
    if (entry.kind !== 'batch' || isControl(readAttributes(records, entry.position))) continue;
    check(await decodeRecordBatch(records, entry.position, { verifyCrc: false }));
  }
}
