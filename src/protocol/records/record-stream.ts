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
 *
 * A walk may inflate tens of megabytes: it runs in slices of {@link SLICE_MS} and lets the
 * event loop run between them, so a compression bomb delays its own request, not the others.
 */

/** The walk's result: what {@link walkRecordsWithRules} gives for a buffer. */
export type RecordStreamSummary = RecordWalkSummary;

const EMPTY = new Uint8Array(0);

/** How long a walk holds the event loop before it lets other work run. */
export const SLICE_MS = 10;
/** Records (or headers of one record) walked between two looks at the clock. */
const RECORDS_PER_CLOCK_CHECK = 256;

/** A time budget: {@link due} gives a promise to await once the current slice is used up. */
class Slice {
  private deadline = performance.now() + SLICE_MS;

  due(): Promise<void> | null {
    if (performance.now() < this.deadline) return null;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.deadline = performance.now() + SLICE_MS;
        resolve();
      }),
    );
  }
}

/**
 * A read position over the chunks of a source; positions count from the first chunk's start.
 * Reads are synchronous over the bytes already there: {@link ensure} (awaited when it returns
 * a promise) makes the next few bytes available first, so a source that inflates off the event
 * loop costs an await only when its next piece is not ready yet.
 */
class StreamCursor {
  private chunk: Uint8Array = EMPTY;
  private at = 0;
  /** Bytes of the chunks before the current one. */
  private before = 0;
  /** Chunks pulled from the source ahead of the current one. */
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private ended = false;

  constructor(private readonly source: ChunkSource) {}

  get position(): number {
    return this.before + this.at;
  }

  /** At least `count` bytes ready to read, or all the stream has left; a promise while the source inflates. */
  ensure(count: number): Promise<void> | null {
    while (!this.ended && this.chunk.length - this.at + this.queued < count) {
      const next = this.source.next();
      if (next instanceof Promise) {
        return next.then((chunk) => {
          this.accept(chunk);
          return this.ensure(count) ?? undefined;
        });
      }
      this.accept(next);
    }
    return null;
  }

  private accept(chunk: Uint8Array | null): void {
    if (chunk === null) this.ended = true;
    else if (chunk.length > 0) {
      this.queue.push(chunk);
      this.queued += chunk.length;
    }
  }

  /** Whether another byte is ready (after {@link ensure}(1), whether the stream has one). */
  hasMore(): boolean {
    return this.at < this.chunk.length || this.queued > 0;
  }

  /** The next byte, or -1 when none is ready (the end of the stream, after {@link ensure}). */
  byte(): number {
    if (this.at >= this.chunk.length && !this.advance()) return -1;
    return this.chunk[this.at++]!;
  }

  /** Skips `count` bytes if the current chunk holds them (the common case, no await needed). */
  skipInChunk(count: number): boolean {
    if (count > this.chunk.length - this.at) return false;
    this.at += count;
    return true;
  }

  /** Skips `count` bytes across chunks, pausing whenever the slice is used up; false when the stream ends first. */
  async skipAcross(count: number, slice: Slice): Promise<boolean> {
    let left = count;
    for (;;) {
      const here = this.chunk.length - this.at;
      if (left <= here) {
        this.at += left;
        return true;
      }
      left -= here;
      this.at = this.chunk.length;
      const pause = slice.due() ?? this.ensure(1);
      if (pause) await pause;
      if (this.queued === 0) {
        const wait = this.ensure(1);
        if (wait) await wait;
      }
      if (!this.advance()) return false;
    }
  }

  private advance(): boolean {
    const next = this.queue.shift();
    if (next === undefined) return false;
    this.queued -= next.length;
    this.before += this.chunk.length;
    this.chunk = next;
    this.at = 0;
    return true;
  }
}

/** The most bytes a record takes before its key: length, attributes, timestamp and offset deltas, key length. */
const RECORD_PREFIX_BYTES = 5 + 1 + 10 + 5 + 5;
/** A varint (a value length, a header count, a header key length). */
const VARINT_BYTES = 5;

/**
 * Walks `count` records from `source`. Throws {@link CorruptRecordBatchError} (reason
 * `records`) on the first framing error: a bad varint, a length past its record, a record
 * length that its fields do not fill, fewer or more records than `count`. A codec failure
 * thrown by the source passes through. `batchPosition` and `reportAt` go into the error.
 */
export async function walkRecordStream(source: ChunkSource, count: number, rules: RecordRules, batchPosition: number, reportAt: number): Promise<RecordStreamSummary> {
  const cursor = new StreamCursor(source);
  const slice = new Slice();
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

  /** Reads a nullable byte field's length (-1 = null) and checks it fits its record; the caller skips the bytes. */
  const readLength = (limit: number, what: string, nullable: boolean): number => {
    const length = readVarint(limit);
    if (length < 0) {
      if (length !== -1 || !nullable) fail(`invalid ${what} length ${length}`);
      return -1;
    }
    if (length > limit - cursor.position) fail(`${what} of ${length} bytes runs past the end of its record`);
    return length;
  };
  /**
   * Skips a byte field and gives its length; a promise only when the field spans chunks (a
   * large value being inflated), so that small records cost no await.
   */
  const skipBytes = (limit: number, what: string, nullable: boolean): number | Promise<number> => {
    const length = readLength(limit, what, nullable);
    if (length <= 0 || cursor.skipInChunk(length)) return length;
    return cursor.skipAcross(length, slice).then((ok) => (ok ? length : fail(`the records end inside a ${what}`)));
  };

  if (count < 0) fail(`invalid record count ${count}`);
  const violations = new ViolationList();

  let sequential = true;
  let maxOffsetDelta = -1;
  let minTimestampDelta = 0;
  let maxTimestampDelta = 0;
  for (let i = 0; i < count; i++) {
    if (i % RECORDS_PER_CLOCK_CHECK === 0) {
      const pause = slice.due();
      if (pause) await pause;
    }
    // Reads are synchronous over bytes already inflated: wait (only) when the source must inflate more.
    let wait = cursor.ensure(RECORD_PREFIX_BYTES);
    if (wait) await wait;
    if (!cursor.hasMore()) fail(`batch ends after ${i} of ${count} records`);
    const bodyLength = readVarint(Infinity);
    if (bodyLength < MIN_RECORD_BODY_SIZE) fail(`invalid record length ${bodyLength}`);
    const recordEnd = cursor.position + bodyLength;
    if (cursor.byte() < 0) fail('the records end inside a record'); // attributes (unused)
    const timestampDelta = readVarlong(recordEnd);
    const offsetDelta = readVarint(recordEnd);
    let keyLength = skipBytes(recordEnd, 'key', true);
    if (typeof keyLength !== 'number') keyLength = await keyLength;
    wait = cursor.ensure(VARINT_BYTES);
    if (wait) await wait;
    const value = skipBytes(recordEnd, 'value', true);
    if (typeof value !== 'number') await value;
    wait = cursor.ensure(VARINT_BYTES);
    if (wait) await wait;
    const headerCount = readVarint(recordEnd);
    if (headerCount < 0) fail(`invalid header count ${headerCount}`);
    if (headerCount * 2 > recordEnd - cursor.position) fail(`header count ${headerCount} exceeds the bytes left in the record`);
    for (let h = 0; h < headerCount; h++) {
      if (h % RECORDS_PER_CLOCK_CHECK === RECORDS_PER_CLOCK_CHECK - 1) {
        const pause = slice.due(); // a record may carry millions of tiny headers
        if (pause) await pause;
      }
      wait = cursor.ensure(VARINT_BYTES);
      if (wait) await wait;
      const key = skipBytes(recordEnd, 'header key', false);
      if (typeof key !== 'number') await key;
      wait = cursor.ensure(VARINT_BYTES);
      if (wait) await wait;
      const value = skipBytes(recordEnd, 'header value', true);
      if (typeof value !== 'number') await value;
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
  const rest = cursor.ensure(1);
  if (rest) await rest;
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
