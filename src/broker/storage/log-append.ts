import {
  ATTRIBUTES_OFFSET,
  CorruptRecordBatchError,
  LAST_OFFSET_DELTA_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  nextBatch,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  TIMESTAMP_TYPE_MASK,
} from '../../protocol/records/index.js';
import { InvalidAppendOffsetError, RecordBatchTooLargeError } from './errors.js';
import type { MessageTimestampType } from './log-config.js';
import type { SegmentBatch } from './log-segment.js';
import type { AppendOrigin } from './producer-state-manager.js';

export interface AppendOptions {
  /** Stamped into every batch when offsets are assigned (the leader's epoch). */
  leaderEpoch: number;
  /** true for a leader (offsets assigned from the log end); false for a follower copying the leader's batches. */
  assignOffsets: boolean;
  /** Default: the topic's message.timestamp.type. */
  timestampType?: MessageTimestampType;
  /**
   * The LogAppendTime to stamp when the timestamp type is LogAppendTime. Default: batches
   * already stamped LogAppendTime keep their time, others get the log's clock.
   */
  logAppendTimeMs?: number;
  /**
   * Who writes, for the producer state checks: 'client' (Produce: epochs and sequence
   * numbers checked, a retried batch answered with its original offsets), 'coordinator'
   * (epochs checked) or 'replication', the default (batches trusted as they are).
   */
  origin?: AppendOrigin;
}

export interface LogAppendInfo {
  /** The first batch's base offset; -1 when nothing was appended. */
  firstOffset: number;
  lastOffset: number;
  /** The stamped LogAppendTime, or -1 (CreateTime). */
  logAppendTime: number;
  maxTimestamp: number;
  /** Last offset of the batch holding maxTimestamp. */
  offsetOfMaxTimestamp: number;
  recordCount: number;
  batchCount: number;
  validBytes: number;
  logStartOffset: number;
  /** A client retried batches the log already holds: nothing was appended, the offsets are the original ones. */
  duplicate?: boolean;
}

/** A batch ready for the segment, with what the log needs besides the index fields. */
export interface AppendBatch extends SegmentBatch {
  baseOffset: number;
  leaderEpoch: number;
}

export interface PreparedAppend {
  batches: AppendBatch[];
  info: Omit<LogAppendInfo, 'logStartOffset'>;
}

export interface AppendContext {
  logEndOffset: number;
  segmentBytes: number;
  timestampType: MessageTimestampType;
  now: number;
  name: string;
}

/**
 * Kafka's analyzeAndValidateRecords + the leader's offset assignment: frames the batches
 * (already validated by the produce path; incomplete framing is still refused), rejects a
 * batch larger than a segment, then either assigns offsets from the log end, stamping the
 * leader epoch and LogAppendTime in the caller's buffer (leader), or checks that the given
 * offsets follow the log end (follower).
 */
export function prepareAppend(records: Buffer, options: AppendOptions, ctx: AppendContext): PreparedAppend {
  const positions = frame(records);
  for (const { position, size } of positions) {
    if (size > ctx.segmentBytes) {
      throw new RecordBatchTooLargeError(`batch of ${size} bytes at ${position} is larger than segment.bytes (${ctx.segmentBytes}) of ${ctx.name}`);
    }
  }
  let logAppendTime = -1;
  let expected = ctx.logEndOffset;
  for (const { position } of positions) {
    const lastOffsetDelta = records.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET);
    if (options.assignOffsets) {
      setBaseOffset(records, position, BigInt(expected));
      setPartitionLeaderEpoch(records, position, options.leaderEpoch);
      if ((options.timestampType ?? ctx.timestampType) === 'LogAppendTime') {
        const stamped = (records.readInt16BE(position + ATTRIBUTES_OFFSET) & TIMESTAMP_TYPE_MASK) !== 0;
        const time = options.logAppendTimeMs ?? (stamped ? Number(records.readBigInt64BE(position + MAX_TIMESTAMP_OFFSET)) : ctx.now);
        setLogAppendTime(records, position, BigInt(time));
        logAppendTime = time;
      }
    } else {
      const baseOffset = Number(records.readBigInt64BE(position));
      if (baseOffset < expected) throw new InvalidAppendOffsetError(`batch at offset ${baseOffset} does not follow offset ${expected - 1} of ${ctx.name}`);
      expected = baseOffset;
    }
    expected += lastOffsetDelta + 1;
  }

  const batches: AppendBatch[] = [];
  let maxTimestamp = -1;
  let offsetOfMaxTimestamp = -1;
  let recordCount = 0;
  for (const { position, size } of positions) {
    const header = readBatchHeader(records, position);
    const baseOffset = Number(header.baseOffset);
    const batch: AppendBatch = {
      position,
      size,
      baseOffset,
      lastOffset: baseOffset + header.lastOffsetDelta,
      maxTimestamp: Number(header.maxTimestamp),
      leaderEpoch: header.partitionLeaderEpoch,
    };
    if (batch.maxTimestamp > maxTimestamp) {
      maxTimestamp = batch.maxTimestamp;
      offsetOfMaxTimestamp = batch.lastOffset;
    }
    recordCount += header.recordsCount;
    batches.push(batch);
  }
  const first = batches[0];
  const last = batches[batches.length - 1];
  return {
    batches,
    info: {
      firstOffset: first?.baseOffset ?? -1,
      lastOffset: last?.lastOffset ?? -1,
      logAppendTime,
      maxTimestamp,
      offsetOfMaxTimestamp,
      recordCount,
      batchCount: batches.length,
      validBytes: records.length,
    },
  };
}

function frame(records: Buffer): { position: number; size: number }[] {
  const out: { position: number; size: number }[] = [];
  let position = 0;
  for (;;) {
    const entry = nextBatch(records, position);
    if (entry === null) return out;
    if (entry.kind !== 'batch') {
      const legacy = entry.kind === 'legacy';
      throw new CorruptRecordBatchError(`records to append hold ${legacy ? 'a legacy message' : 'a truncated batch'} at ${position}`, legacy ? 'unsupported-format' : 'truncated', position);
    }
    out.push({ position, size: entry.size });
    position += entry.size;
  }
}
