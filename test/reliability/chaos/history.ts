/**
 * What the chaos soak records, Jepsen-style: every write attempted (with its outcome), every
 * record a reader was handed (in delivery order), and every leader change of the partitions
 * under test. The checker (checker.ts) judges a History; nothing here knows about Kafka clients.
 */

/** Whose code path a record went through: the checker reports anomalies per path. */
export type ClientPath = 'kafkajs' | 'librdkafka' | 'framework';

/**
 * - `ok`: the client acknowledged the write (a resolved send, a delivery report without error,
 *   a committed transaction): it must be in the log exactly once.
 * - `indeterminate`: the write failed or its transaction's commit failed; it may or may not be
 *   in the log, but at most once.
 * - `aborted`: written in a transaction the client aborted on purpose: no read_committed reader
 *   may ever see it.
 */
export type WriteOutcome = 'ok' | 'indeterminate' | 'aborted';

export interface WriteOp {
  client: ClientPath;
  /** The producer instance (for reports). */
  producer: string;
  topic: string;
  partition: number;
  /** Unique across the whole run. */
  value: string;
  outcome: WriteOutcome;
  /** The offset the acknowledgement named, when it named one. */
  offset?: number;
  /** False when a resolved kafkajs send() returned no metadata for the record's partition. */
  acknowledgedPartition?: boolean;
  /** When the send started and when its outcome was known (ms since epoch). */
  startedAt: number;
  endedAt: number;
}

export interface ReadOp {
  client: ClientPath;
  reader: string;
  /**
   * Increments when the reader legitimately starts over (a new consumer, a rebalance): offsets
   * must increase within one session of one partition.
   */
  session: number;
  topic: string;
  partition: number;
  offset: number;
  value: string;
}

export interface LeaderChange {
  topic: string;
  partition: number;
  /** When the change was observed (ms since epoch). */
  at: number;
  leader: number;
  leaderEpoch: number;
}

/** An exactly-once copier: every record of `input` must be in `output` exactly once. */
export interface CopierSpec {
  client: ClientPath;
  name: string;
  input: string;
  output: string;
}

export interface History {
  writes: WriteOp[];
  reads: ReadOp[];
  leaderChanges: LeaderChange[];
  /**
   * Readers that read every partition of every topic from the beginning to the end after the
   * run, with read_committed, once all transactions were complete: their reads are the log.
   */
  finalReaders: string[];
  copiers: CopierSpec[];
  /**
   * How often leaders were sampled (ms): a change observed at `at` happened in
   * (`at - leaderSampleMs`, `at`], so the checker widens each send's window by that much.
   */
  leaderSampleMs: number;
}

export function emptyHistory(leaderSampleMs: number): History {
  return { writes: [], reads: [], leaderChanges: [], finalReaders: [], copiers: [], leaderSampleMs };
}
