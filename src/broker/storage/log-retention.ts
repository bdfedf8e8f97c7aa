import type { LogSegment } from './log-segment.js';

/**
 * Which closed segments retention may delete (Kafka's UnifiedLog.deleteOldSegments). A
 * predicate sees a segment and the one after it; deletion stops at the first segment it
 * keeps, so only a prefix of the log goes. The active segment is never deleted, nor a segment
 * holding offsets at or above the high watermark (not yet committed).
 */
export type SegmentPredicate = (segment: LogSegment, next: LogSegment) => boolean;

export function deletableSegments(segments: readonly LogSegment[], highWatermark: number, predicate: SegmentPredicate): LogSegment[] {
  const out: LogSegment[] = [];
  for (let i = 0; i + 1 < segments.length; i++) {
    const segment = segments[i]!;
    const next = segments[i + 1]!;
    if (highWatermark < next.baseOffset || !predicate(segment, next)) break;
    out.push(segment);
  }
  return out;
}

/** retention.ms: the segment's newest record (or its mtime) is older than the limit. */
export function retentionMsBreached(nowMs: number, retentionMs: number): SegmentPredicate {
  return (segment) => nowMs - segment.largestTimestamp() > retentionMs;
}

/** retention.bytes: drop the oldest segments while the log would still be at least the limit without them. */
export function retentionSizeBreached(totalSize: number, retentionBytes: number): SegmentPredicate {
  let excess = totalSize - retentionBytes;
  return (segment) => {
    if (excess - segment.size < 0) return false;
    excess -= segment.size;
    return true;
  };
}

/** Segments wholly below the log start offset (after DeleteRecords or a log start increment). */
export function logStartOffsetBreached(logStartOffset: number): SegmentPredicate {
  return (_segment, next) => next.baseOffset <= logStartOffset;
}
