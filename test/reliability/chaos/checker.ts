/**
 * The Jepsen-style checker of the chaos soak: it judges a History (history.ts) and lists every
 * anomaly by category. Pure: no clients, no clock.
 *
 * The log is what the final readers read (read_committed, from the beginning, after the run).
 * An acknowledged write missing from it is a lost write, unless kafkajs wrote it and its
 * partition changed leader while the send was in flight: kafkajs 2.2.4 can resolve a
 * multi-partition send() without having sent a partition whose leader moved to a broker that had
 * already answered that send (tulios/kafkajs PR #1798), which is the client's loss, reported on
 * its own. So is a kafkajs write acknowledged at an offset that holds an earlier record of the
 * same producer whose send failed: kafkajs 2.2.4 advances an idempotent producer's sequence
 * numbers only on success, so the send after a failed one that still reached the log reuses its
 * sequence numbers and the broker answers it, as Kafka does, as a duplicate of the stored batch
 * (the earlier send failed, or resolved without metadata for the partition: kafkajs never read
 * the partition's response). And a kafkajs value stored at consecutive offsets of one partition
 * is kafkajs' whole-request retry: a send spanning brokers is retried at once, and the
 * partitions still waiting go again with new sequence numbers, so the leader rightly appends
 * them again.
 */
import type { ClientPath, History, ReadOp, WriteOp } from './history.js';

export const KAFKAJS_CLIENT_LOSS = 'kafkajs client loss (known, tulios/kafkajs PR #1798)';

export const KAFKAJS_SEQUENCE_REUSE = 'kafkajs client loss (sequence reuse after a failed send)';

export const KAFKAJS_RETRY_DUPLICATE = 'kafkajs client duplicate (whole-request retry, new sequence numbers)';

/** The anomalies kafkajs 2.2.4 itself causes, reported apart from the broker's and the framework's. */
export const KAFKAJS_CLIENT_CATEGORIES: readonly string[] = [KAFKAJS_CLIENT_LOSS, KAFKAJS_SEQUENCE_REUSE, KAFKAJS_RETRY_DUPLICATE];

export const CATEGORIES = [
  'lost acknowledged write',
  KAFKAJS_CLIENT_LOSS,
  KAFKAJS_SEQUENCE_REUSE,
  'duplicate',
  KAFKAJS_RETRY_DUPLICATE,
  'aborted read',
  'non-monotonic offsets',
  'divergent reads',
  'acknowledged offset differs',
  'unexpected value',
  'copier: input missing from output',
  'copier: input copied more than once',
] as const;

export type Category = (typeof CATEGORIES)[number];

export interface Anomaly {
  category: Category;
  /** The code path the anomaly belongs to (the writer's, or the reader's for read anomalies). */
  client: ClientPath;
  topic: string;
  partition?: number;
  value?: string;
  detail: string;
}

export interface CheckReport {
  anomalies: Anomaly[];
  /** Acknowledged writes checked against the log, per client path. */
  acknowledgedWrites: Record<ClientPath, number>;
  indeterminateWrites: number;
  abortedWrites: number;
  /** Every read checked (live and final readers). */
  reads: number;
  /** Records in the log (per final reader, the first one). */
  logRecords: number;
  /** Input records checked through each copier. */
  copied: Record<string, number>;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** The values one reader read per topic, with where (partition, offset) it read each. */
function logOf(reads: readonly ReadOp[]): Map<string, Map<string, Array<{ partition: number; offset: number }>>> {
  const byTopic = new Map<string, Map<string, Array<{ partition: number; offset: number }>>>();
  for (const read of reads) {
    let values = byTopic.get(read.topic);
    if (!values) byTopic.set(read.topic, (values = new Map()));
    let at = values.get(read.value);
    if (!at) values.set(read.value, (at = []));
    // A reader handed the same offset twice (a re-delivery) read one record, not two.
    if (!at.some((p) => p.partition === read.partition && p.offset === read.offset)) at.push({ partition: read.partition, offset: read.offset });
  }
  return byTopic;
}

export function check(history: History): CheckReport {
  const anomalies: Anomaly[] = [];
  const add = (anomaly: Anomaly) => anomalies.push(anomaly);
  const acknowledgedWrites: Record<ClientPath, number> = { kafkajs: 0, librdkafka: 0, framework: 0 };

  const writesByValue = new Map<string, WriteOp>();
  for (const write of history.writes) writesByValue.set(write.value, write);
  const writtenTopics = new Set(history.writes.map((w) => w.topic));
  const copierOutputs = new Set(history.copiers.map((c) => c.output));

  const finalReads = new Map<string, ReadOp[]>(history.finalReaders.map((reader) => [reader, []]));
  for (const read of history.reads) finalReads.get(read.reader)?.push(read);
  const logs = [...finalReads].map(([reader, reads]) => ({ reader, client: reads[0]?.client ?? 'kafkajs', log: logOf(reads) }));
  const first = logs[0];

  // Non-monotonic offsets: within one session of one reader, each partition's offsets increase.
  const lastOffset = new Map<string, number>();
  for (const read of history.reads) {
    const where = `${read.reader}\u0000${read.session}\u0000${key(read.topic, read.partition)}`;
    const last = lastOffset.get(where);
    if (last !== undefined && read.offset <= last) {
      add({ category: 'non-monotonic offsets', client: read.client, topic: read.topic, partition: read.partition, value: read.value, detail: `${read.reader} (session ${read.session}) read offset ${read.offset} after ${last}` });
    }
    lastOffset.set(where, Math.max(last ?? -1, read.offset));
  }

  // Aborted reads: any reader, live or final.
  for (const read of history.reads) {
    const write = writesByValue.get(read.value);
    if (write?.outcome === 'aborted') {
      add({ category: 'aborted read', client: write.client, topic: read.topic, partition: read.partition, value: read.value, detail: `${read.reader} (${read.client}, read_committed) read offset ${read.offset}, written by ${write.producer} in a transaction it aborted` });
    }
  }

  // Divergent reads: two final readers that disagree on what a partition holds at an offset.
  const valueAt = new Map<string, { reader: string; value: string }>();
  for (const [reader, reads] of finalReads) {
    for (const read of reads) {
      const where = `${key(read.topic, read.partition)}\u0000${read.offset}`;
      const seen = valueAt.get(where);
      if (!seen) valueAt.set(where, { reader, value: read.value });
      else if (seen.value !== read.value) {
        add({ category: 'divergent reads', client: read.client, topic: read.topic, partition: read.partition, value: read.value, detail: `offset ${read.offset}: ${reader} read ${read.value}, ${seen.reader} read ${seen.value}` });
      }
    }
  }

  for (const { reader, client, log } of logs) {
    for (const [topic, values] of log) {
      for (const [value, at] of values) {
        const write = writesByValue.get(value);
        // Duplicates: a value written once must be at one offset (copier outputs: below).
        if (at.length > 1 && !copierOutputs.has(topic)) {
          const consecutive = at.every((p, i) => i === 0 || (p.partition === at[0]!.partition && p.offset === at[i - 1]!.offset + 1));
          const category = write?.client === 'kafkajs' && consecutive ? KAFKAJS_RETRY_DUPLICATE : 'duplicate';
          add({ category, client: write?.client ?? client, topic, value, detail: `${reader} read it at ${at.map((p) => `${p.partition}@${p.offset}`).join(', ')}` });
        }
        // Unexpected: a value nobody wrote to this topic (copier outputs are checked below).
        if (!copierOutputs.has(topic) && writtenTopics.has(topic) && (!write || write.topic !== topic)) {
          add({ category: 'unexpected value', client, topic, value, detail: `${reader} read it at ${at.map((p) => `${p.partition}@${p.offset}`).join(', ')}; no producer wrote it to ${topic}` });
        }
      }
    }
  }

  // Lost acknowledged writes, and offsets that differ from the acknowledgement.
  let indeterminateWrites = 0;
  let abortedWrites = 0;
  for (const write of history.writes) {
    if (write.outcome === 'indeterminate') indeterminateWrites++;
    if (write.outcome === 'aborted') abortedWrites++;
    if (write.outcome !== 'ok') continue;
    acknowledgedWrites[write.client]++;
    for (const { reader, log } of logs) {
      const at = log.get(write.topic)?.get(write.value);
      if (!at) {
        const leaderMoved = history.leaderChanges.some(
          (c) => c.topic === write.topic && c.partition === write.partition && c.at > write.startedAt && c.at - history.leaderSampleMs <= write.endedAt,
        );
        const known = write.client === 'kafkajs' && leaderMoved;
        const metadata = write.acknowledgedPartition === false ? '; send() returned no metadata for the partition' : '';
        const there = write.offset === undefined ? undefined : [...(log.get(write.topic) ?? [])].find(([, where]) => where.some((p) => p.partition === write.partition && p.offset === write.offset))?.[0];
        const atOffset = write.offset === undefined ? '' : `; acknowledged at offset ${write.offset}, which holds ${there ?? 'nothing'}`;
        const heldBy = there === undefined ? undefined : writesByValue.get(there);
        const reused = write.client === 'kafkajs' && heldBy !== undefined && heldBy.producer === write.producer && (heldBy.outcome === 'indeterminate' || heldBy.acknowledgedPartition === false) && heldBy.startedAt <= write.startedAt;
        add({
          category: known ? KAFKAJS_CLIENT_LOSS : reused ? KAFKAJS_SEQUENCE_REUSE : 'lost acknowledged write',
          client: write.client,
          topic: write.topic,
          partition: write.partition,
          value: write.value,
          detail: `acknowledged by ${write.producer} after ${write.endedAt - write.startedAt} ms${leaderMoved ? ', the partition changed leader during the send' : ''}${metadata}${atOffset}; ${reader} did not read it`,
        });
        continue;
      }
      if (write.offset !== undefined && !at.some((p) => p.partition === write.partition && p.offset === write.offset)) {
        add({ category: 'acknowledged offset differs', client: write.client, topic: write.topic, partition: write.partition, value: write.value, detail: `acknowledged at ${write.partition}@${write.offset}, ${reader} read it at ${at.map((p) => `${p.partition}@${p.offset}`).join(', ')}` });
      }
    }
  }

  // Copiers: every input record (as the log has it) in the output exactly once.
  const copied: Record<string, number> = {};
  for (const copier of history.copiers) {
    for (const { reader, log } of logs) {
      const input = log.get(copier.input) ?? new Map<string, unknown>();
      const output = log.get(copier.output) ?? new Map<string, Array<{ partition: number; offset: number }>>();
      copied[copier.name] = input.size;
      for (const value of input.keys()) {
        const at = output.get(value);
        if (!at) add({ category: 'copier: input missing from output', client: copier.client, topic: copier.output, value, detail: `${copier.name}: ${reader} read ${value} in ${copier.input} but not in ${copier.output}` });
        else if (at.length > 1) add({ category: 'copier: input copied more than once', client: copier.client, topic: copier.output, value, detail: `${copier.name}: ${reader} read it at ${at.map((p) => `${p.partition}@${p.offset}`).join(', ')}` });
      }
      for (const [value, at] of output) {
        if (input.has(value) || writesByValue.get(value)?.outcome === 'aborted') continue;
        add({ category: 'unexpected value', client: copier.client, topic: copier.output, value, detail: `${copier.name}: ${reader} read it at ${at.map((p) => `${p.partition}@${p.offset}`).join(', ')}; not in ${copier.input}` });
      }
    }
  }

  return {
    anomalies,
    acknowledgedWrites,
    indeterminateWrites,
    abortedWrites,
    reads: history.reads.length,
    logRecords: first ? [...first.log.values()].reduce((n, values) => n + [...values.values()].reduce((m, at) => m + at.length, 0), 0) : 0,
    copied,
  };
}

/** Anomalies per category (every category listed, zero or not). */
export function countByCategory(report: CheckReport): Record<Category, number> {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const anomaly of report.anomalies) counts[anomaly.category]++;
  return counts;
}

/** The anomalies that are not kafkajs' own. */
export function unexplained(report: CheckReport): Anomaly[] {
  return report.anomalies.filter((a) => !KAFKAJS_CLIENT_CATEGORIES.includes(a.category));
}
