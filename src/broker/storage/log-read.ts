import type { LogSegment, TimestampAndOffset } from './log-segment.js';

export interface ReadOptions {
  /** Exclusive upper bound on offsets served (the high watermark or LSO). Default: the log end offset. */
  maxOffset?: number;
  /** Return the first batch even when it is larger than maxBytes (default true, as Kafka does for a fetch's first partition). */
  minOneBatch?: boolean;
}

interface ReadOffsets {
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
}

export type LogReadResult =
  | (ReadOffsets & {
      kind: 'records';
      /** Whole stored batches, byte for byte; the first one holds fetchOffset (earlier records in it are the fetcher's to skip). */
      records: Buffer;
    })
  | (ReadOffsets & {
      kind: 'offset-out-of-range';
      /** Always empty: lets callers read `.records` without narrowing. */
      records: Buffer;
      fetchOffset: number;
    });

export const EMPTY_RECORDS = Buffer.alloc(0);

/** Index of the last segment whose base offset is <= offset (0 when none). */
export function floorSegmentIndex(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid]!.baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * The read path of a log: finds the segment holding the fetch offset and turns the offset
 * bound (high watermark / LSO) into a file position, caching the last one: consumers read
 * against the same bound until it moves.
 */
export class SegmentReader {
  private boundCache: { offset: number; segment: LogSegment; position: number } | null = null;

  /** Forget cached positions (segments truncated or replaced). */
  invalidate(): void {
    this.boundCache = null;
  }

  /**
   * Whole batches from the one holding `fetchOffset`, at most `maxBytes` (but at least one
   * batch with `minOneBatch`), none at or past `bound`. Reads come from one segment, as in
   * Kafka: the next fetch continues in the next one.
   */
  read(segments: readonly LogSegment[], fetchOffset: number, maxBytes: number, bound: number, logEndOffset: number, minOneBatch: boolean): Buffer {
    for (let i = floorSegmentIndex(segments, fetchOffset); i < segments.length; i++) {
      const segment = segments[i]!;
      if (segment.baseOffset >= bound) break;
      const maxPosition = this.maxPosition(segment, segments[i + 1], bound, logEndOffset);
      const read = segment.read(fetchOffset, maxBytes, maxPosition, minOneBatch);
      if (read !== null) return read.records;
    }
    return EMPTY_RECORDS;
  }

  /** File position in `segment` where reading stops for the exclusive bound (a batch straddling it is left out). */
  private maxPosition(segment: LogSegment, next: LogSegment | undefined, bound: number, logEndOffset: number): number {
    if (bound >= logEndOffset || (next !== undefined && next.baseOffset <= bound)) return segment.size;
    const cached = this.boundCache;
    if (cached !== null && cached.offset === bound && cached.segment === segment) return cached.position;
    const batch = segment.translateOffset(bound);
    const position = batch === null ? segment.size : batch.position;
    this.boundCache = { offset: bound, segment, position };
    return position;
  }
}

/**
 * ListOffsets by timestamp: the first record at or above `startOffset` whose timestamp is
 * >= `timestamp`, from the first segment whose newest record is that recent.
 */
export function findOffsetForTimestamp(segments: readonly LogSegment[], timestamp: number, startOffset: number): TimestampAndOffset | null {
  for (const segment of segments) {
    if (segment.maxTimestamp < timestamp) continue;
    const found = segment.findOffsetByTimestamp(timestamp, startOffset);
    if (found !== null) return found;
  }
  return null;
}

/** ListOffsets MAX_TIMESTAMP: the first record carrying the largest timestamp, or null when no record has one. */
export function findMaxTimestampRecord(segments: readonly LogSegment[]): TimestampAndOffset | null {
  let best: LogSegment | null = null;
  for (const segment of segments) {
    if (segment.maxTimestamp >= 0 && (best === null || segment.maxTimestamp > best.maxTimestamp)) best = segment;
  }
  return best === null ? null : best.findMaxTimestampRecord();
}
