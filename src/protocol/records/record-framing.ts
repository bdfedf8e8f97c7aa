import { CorruptRecordBatchError } from './errors.js';

/**
 * Checks the framing of a run of records without decoding them: every varint well formed,
 * every length inside its record, every record length consistent with its fields, exactly
 * `count` records filling [start, end). This is what Kafka's broker does for uncompressed
 * batches on produce. No allocation per record and no bigint: the cursor lives in module
 * state (the walk is synchronous, so it cannot interleave with another walk).
 */

/** attributes + timestampDelta + offsetDelta + keyLength + valueLength + headerCount, one byte each at least. */
export const MIN_RECORD_BODY_SIZE = 6;
/** The record length varint plus the smallest body. */
export const MIN_RECORD_SIZE = MIN_RECORD_BODY_SIZE + 1;

export interface RecordFramingSummary {
  /** Records walked (always the expected count when the walk succeeds). */
  count: number;
  /** Whether the offsetDeltas are 0, 1, 2, ... as clients write them. */
  sequentialOffsetDeltas: boolean;
  /** The largest offsetDelta seen (-1 when there are no records). */
  maxOffsetDelta: number;
  /** Smallest and largest timestampDelta (0 when there are no records). */
  minTimestampDelta: number;
  maxTimestampDelta: number;
}

/** What a broker checks on each record besides its framing (Kafka's LogValidator.validateRecord). */
export interface RecordRules {
  /** Compacted topics: a record without a key is refused. */
  keyRequired: boolean;
  /** The batch's baseTimestamp: a record's timestamp is baseTimestamp + timestampDelta. */
  baseTimestamp: number;
  /**
   * CreateTime bounds: a record timestamp outside [min, max] is refused; -1 (no timestamp) is
   * exempt. Null: timestamps are not checked.
   */
  timestampBounds: { min: number; max: number } | null;
}

export type RecordViolationReason = 'no-key' | 'timestamp';

export interface RecordViolation {
  /** The record's index in its batch (Produce's recordErrors.batchIndex). */
  batchIndex: number;
  reason: RecordViolationReason;
  /** The record's timestamp (for `timestamp`; 0 otherwise). */
  timestamp: number;
}

/** At most this many violations are kept (their total is counted): the list stays small whatever the batch holds. */
export const MAX_REPORTED_VIOLATIONS = 1000;

/** A walk that applied {@link RecordRules}: the records that break them, by index. */
export interface RecordWalkSummary extends RecordFramingSummary {
  /** The first {@link MAX_REPORTED_VIOLATIONS} records that break a rule, in order. */
  violations: RecordViolation[];
  violationCount: number;
}

/** Collects violations, keeping at most {@link MAX_REPORTED_VIOLATIONS}. */
export class ViolationList {
  readonly violations: RecordViolation[] = [];
  count = 0;

  /** Applies the rules to one record. */
  check(rules: RecordRules, batchIndex: number, keyLength: number, timestampDelta: number): void {
    if (rules.keyRequired && keyLength < 0) return this.add(batchIndex, 'no-key', 0);
    const bounds = rules.timestampBounds;
    if (bounds === null) return;
    const timestamp = rules.baseTimestamp + timestampDelta;
    if (timestamp !== -1 && (timestamp < bounds.min || timestamp > bounds.max)) this.add(batchIndex, 'timestamp', timestamp);
  }

  private add(batchIndex: number, reason: RecordViolationReason, timestamp: number): void {
    this.count++;
    if (this.violations.length < MAX_REPORTED_VIOLATIONS) this.violations.push({ batchIndex, reason, timestamp });
  }
}

let cursor = 0;
let batchAt = 0;
let errorAt = -1;
let context = '';

function fail(message: string): never {
  throw new CorruptRecordBatchError(`${message}${context}`, 'records', batchAt, errorAt >= 0 ? errorAt : cursor);
}

/** A zig-zag varint of at most 5 bytes (an int32), read at the cursor before `limit`. */
function readVarint(buf: Buffer, limit: number): number {
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    if (cursor >= limit) fail('varint runs past the end of its record');
    const byte = buf[cursor++]!;
    raw += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (raw > 0xffffffff) fail('varint exceeds 32 bits');
      return (raw >>> 1) ^ -(raw & 1);
    }
    scale *= 128;
  }
  fail('varint longer than 5 bytes');
}

/** A zig-zag varlong that must fit in a safe integer (as KafkaRecord.timestampDelta is a number). */
function readVarlong(buf: Buffer, limit: number): number {
  const start = cursor;
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (cursor >= limit) fail('varlong runs past the end of its record');
    const byte = buf[cursor++]!;
    raw += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (raw <= Number.MAX_SAFE_INTEGER) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      return slowVarlong(buf, start, cursor);
    }
    scale *= 128;
  }
  fail('varlong longer than 10 bytes');
}

/** Exact decoding for the rare raw value above 2^53, which may still zig-zag to a safe integer. */
function slowVarlong(buf: Buffer, start: number, end: number): number {
  let raw = 0n;
  let shift = 0n;
  for (let at = start; at < end; at++, shift += 7n) raw |= BigInt(buf[at]! & 0x7f) << shift;
  if (raw > 0xffffffffffffffffn) fail('varlong exceeds 64 bits');
  const value = (raw >> 1n) ^ -(raw & 1n);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) fail('timestampDelta does not fit in a safe integer');
  return Number(value);
}

/** Skips a nullable byte field: varint length (-1 = null) then that many bytes, all before `limit`. Returns the length. */
function skipNullableBytes(buf: Buffer, limit: number, what: string): number {
  const length = readVarint(buf, limit);
  if (length < 0) {
    if (length !== -1) fail(`invalid ${what} length ${length}`);
    return -1;
  }
  if (length > limit - cursor) fail(`${what} of ${length} bytes runs past the end of its record`);
  cursor += length;
  return length;
}

/**
 * Walks `count` records in buf[start, end). Throws {@link CorruptRecordBatchError} (reason
 * `records`) on the first inconsistency. `batchPosition` goes into the error; `reportAt`,
 * when given, replaces the error offset (for records that were decompressed, whose offsets
 * mean nothing in the batch's buffer).
 */
export function walkRecords(
  buf: Buffer,
  start: number,
  end: number,
  count: number,
  batchPosition: number,
  reportAt = -1,
): RecordFramingSummary {
  return walk(buf, start, end, count, batchPosition, reportAt, null, null);
}

/** {@link walkRecords} that also applies `rules` to every record (the broker's Produce check). */
export function walkRecordsWithRules(
  buf: Buffer,
  start: number,
  end: number,
  count: number,
  batchPosition: number,
  reportAt: number,
  rules: RecordRules,
): RecordWalkSummary {
  const violations = new ViolationList();
  const summary = walk(buf, start, end, count, batchPosition, reportAt, rules, violations);
  return { ...summary, violations: violations.violations, violationCount: violations.count };
}

function walk(
  buf: Buffer,
  start: number,
  end: number,
  count: number,
  batchPosition: number,
  reportAt: number,
  rules: RecordRules | null,
  violations: ViolationList | null,
): RecordFramingSummary {
  cursor = start;
  batchAt = batchPosition;
  errorAt = reportAt;
  context = reportAt >= 0 ? ' (in the decompressed records)' : '';
  if (count < 0) fail(`invalid record count ${count}`);
  if (count > (end - start) / MIN_RECORD_SIZE) fail(`record count ${count} does not fit in ${end - start} bytes of records`);

  let sequential = true;
  let maxOffsetDelta = -1;
  let minTimestampDelta = 0;
  let maxTimestampDelta = 0;
  for (let i = 0; i < count; i++) {
    if (cursor >= end) fail(`batch ends after ${i} of ${count} records`);
    const bodyLength = readVarint(buf, end);
    if (bodyLength < MIN_RECORD_BODY_SIZE) fail(`invalid record length ${bodyLength}`);
    if (bodyLength > end - cursor) fail(`record of ${bodyLength} bytes runs past the end of the batch`);
    const recordEnd = cursor + bodyLength;

    cursor += 1; // attributes (unused)
    const timestampDelta = readVarlong(buf, recordEnd);
    const offsetDelta = readVarint(buf, recordEnd);
    const keyLength = skipNullableBytes(buf, recordEnd, 'key');
    skipNullableBytes(buf, recordEnd, 'value');
    const headerCount = readVarint(buf, recordEnd);
    if (headerCount < 0) fail(`invalid header count ${headerCount}`);
    if (headerCount * 2 > recordEnd - cursor) fail(`header count ${headerCount} exceeds the bytes left in the record`);
    for (let h = 0; h < headerCount; h++) {
      const keyLength = readVarint(buf, recordEnd);
      if (keyLength < 0) fail(`invalid header key length ${keyLength}`);
      if (keyLength > recordEnd - cursor) fail(`header key of ${keyLength} bytes runs past the end of its record`);
      cursor += keyLength;
      skipNullableBytes(buf, recordEnd, 'header value');
    }
    if (cursor !== recordEnd) fail(`record declares ${bodyLength} bytes but its fields take ${bodyLength - (recordEnd - cursor)}`);

    if (offsetDelta !== i) sequential = false;
    if (offsetDelta > maxOffsetDelta) maxOffsetDelta = offsetDelta;
    if (i === 0) {
      minTimestampDelta = timestampDelta;
      maxTimestampDelta = timestampDelta;
    } else if (timestampDelta < minTimestampDelta) minTimestampDelta = timestampDelta;
    else if (timestampDelta > maxTimestampDelta) maxTimestampDelta = timestampDelta;
    if (rules !== null) violations!.check(rules, i, keyLength, timestampDelta);
  }
  if (cursor !== end) fail(`${end - cursor} bytes left after the ${count} records the batch declares`);
  return { count, sequentialOffsetDeltas: sequential, maxOffsetDelta, minTimestampDelta, maxTimestampDelta };
}
