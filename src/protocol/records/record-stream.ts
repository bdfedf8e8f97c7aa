import type { ChunkSource } from '../compression/index.js';
import { CorruptRecordBatchError } from './errors.js';
import { MIN_RECORD_BODY_SIZE, ViolationList, type RecordRules, type RecordWalkSummary } from './record-framing.js';

/**
 * Walks the records of a batch as they come out of a {@link ChunkSource} (an inflating codec,
 * or one buffer), the way Kafka's "skip key and value" iterator does: every length is read
 * and checked, keys, values and header values are skipped over, never copied, so a record of
 * any size costs nothing to check. On the way it applies the per-record rules of Kafka's
 * LogValidator (keys on compacted topics, CreateTime bounds) and reports which records break
 * them, as Produce's recordErrors do.
 */

/** The walk's result: what {@link walkRecordsWithRules} gives for a buffer. */
export type RecordStreamSummary = RecordWalkSummary;

const EMPTY = new Uint8Array(0);

/** A read position over the chunks of a source; positions count from the first chunk's start. */
class StreamCursor {
  private chunk: Uint8Array = EMPTY;
  private at = 0;
  /** Bytes of the chunks before the current one. */
  private before = 0;

  constructor(private readonly source: ChunkSource) {}

  get position(): number {
    return this.before + this.at;
  }

  /** Whether another byte follows (pulls the next chunk when needed). */
  hasMore(): boolean {
    return this.at < this.chunk.length || this.refill();
  }

  /** The next byte, or -1 at the end of the stream. */
  byte(): number {
    if (this.at >= this.chunk.length && !this.refill()) return -1;
    return this.chunk[this.at++]!;
  }

  /** Skips `count` bytes; false when the stream ends first. */
  skip(count: number): boolean {
    let left = count;
    for (;;) {
      const here = this.chunk.length - this.at;
      if (left <= here) {
        this.at += left;
        return true;
      }
      left -= here;
      this.at = this.chunk.length;
      if (!this.refill()) return false;
    }
  }

  private refill(): boolean {
    for (;;) {
      const next = this.source.next();
      if (next === null) return false;
      this.before += this.chunk.length;
      this.chunk = next;
      this.at = 0;
      if (next.length > 0) return true;
    }
  }
}

/**
 * Walks `count` records from `source`. Throws {@link CorruptRecordBatchError} (reason
 * `records`) on the first framing error: a bad varint, a length past its record, a record
 * length that its fields do not fill, fewer or more records than `count`. A codec failure
 * thrown by the source passes through. `batchPosition` and `reportAt` go into the error.
 */
export function walkRecordStream(source: ChunkSource, count: number, rules: RecordRules, batchPosition: number, reportAt: number): RecordStreamSummary {
  const cursor = new StreamCursor(source);
  const fail = (message: string): never => {
    throw new CorruptRecordBatchError(`${message} (at byte ${cursor.position} of the records)`, 'records', batchPosition, reportAt);
  };

  const readVarint = (limit: number): number => {
    let raw = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (cursor.position >= limit) fail('varint runs past the end of its record');
      const byte = cursor.byte();
      if (byte < 0) fail('the records end inside a varint');
      raw += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (raw > 0xffffffff) fail('varint exceeds 32 bits');
        return (raw >>> 1) ^ -(raw & 1);
      }
      scale *= 128;
    }
    return fail('varint longer than 5 bytes');
  };

  // Exact for the values a record can hold as a number; larger ones are out of any timestamp range anyway.
  const readVarlong = (limit: number): number => {
    let raw = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (cursor.position >= limit) fail('varlong runs past the end of its record');
      const byte = cursor.byte();
      if (byte < 0) fail('the records end inside a varlong');
      raw += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (raw > 2 ** 64) fail('varlong exceeds 64 bits');
        return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      }
      scale *= 128;
    }
    return fail('varlong longer than 10 bytes');
  };

  /** Skips a nullable byte field; returns its length (-1 = null). */
  const skipBytes = (limit: number, what: string, nullable: boolean): number => {
    const length = readVarint(limit);
    if (length < 0) {
      if (length !== -1 || !nullable) fail(`invalid ${what} length ${length}`);
      return -1;
    }
    if (length > limit - cursor.position) fail(`${what} of ${length} bytes runs past the end of its record`);
    if (!cursor.skip(length)) fail(`the records end inside a ${what}`);
    return length;
  };

  if (count < 0) fail(`invalid record count ${count}`);
  const violations = new ViolationList();

  let sequential = true;
  let maxOffsetDelta = -1;
  let minTimestampDelta = 0;
  let maxTimestampDelta = 0;
  for (let i = 0; i < count; i++) {
    if (!cursor.hasMore()) fail(`batch ends after ${i} of ${count} records`);
    const bodyLength = readVarint(Infinity);
    if (bodyLength < MIN_RECORD_BODY_SIZE) fail(`invalid record length ${bodyLength}`);
    const recordEnd = cursor.position + bodyLength;
    if (cursor.byte() < 0) fail('the records end inside a record'); // attributes (unused)
    const timestampDelta = readVarlong(recordEnd);
    const offsetDelta = readVarint(recordEnd);
    const keyLength = skipBytes(recordEnd, 'key', true);
    skipBytes(recordEnd, 'value', true);
    const headerCount = readVarint(recordEnd);
    if (headerCount < 0) fail(`invalid header count ${headerCount}`);
    if (headerCount * 2 > recordEnd - cursor.position) fail(`header count ${headerCount} exceeds the bytes left in the record`);
    for (let h = 0; h < headerCount; h++) {
      skipBytes(recordEnd, 'header key', false);
      skipBytes(recordEnd, 'header value', true);
    }
    if (cursor.position !== recordEnd) fail(`record declares ${bodyLength} bytes but its fields take ${bodyLength - (recordEnd - cursor.position)}`);

    if (offsetDelta !== i) sequential = false;
    if (offsetDelta > maxOffsetDelta) maxOffsetDelta = offsetDelta;
    if (i === 0) {
      minTimestampDelta = timestampDelta;
      maxTimestampDelta = timestampDelta;
    } else if (timestampDelta < minTimestampDelta) minTimestampDelta = timestampDelta;
    else if (timestampDelta > maxTimestampDelta) maxTimestampDelta = timestampDelta;

    violations.check(rules, i, keyLength, timestampDelta);
  }
  if (cursor.hasMore()) fail(`bytes left after the ${count} records the batch declares`);
  return {
    count,
    sequentialOffsetDeltas: sequential,
    maxOffsetDelta,
    minTimestampDelta,
    maxTimestampDelta,
    violations: violations.violations,
    violationCount: violations.count,
  };
}
