import { describe, expect, it } from 'vitest';
import { check, countByCategory, KAFKAJS_CLIENT_LOSS, KAFKAJS_RETRY_DUPLICATE, KAFKAJS_SEQUENCE_REUSE, unexplained, type Category } from './chaos/checker.js';
import { emptyHistory, type ClientPath, type History, type ReadOp, type WriteOp } from './chaos/history.js';

// Hand-made histories, each with one anomaly planted in an otherwise clean run: the checker must
// name it (and nothing else), so that a clean soak means something.

const T = 't';

function write(value: string, partition: number, offset: number | undefined, extra: Partial<WriteOp> = {}): WriteOp {
  return { client: 'librdkafka', producer: 'p1', topic: T, partition, value, outcome: 'ok', offset, startedAt: 1000, endedAt: 1100, ...extra };
}

function read(reader: string, partition: number, offset: number, value: string, extra: Partial<ReadOp> = {}): ReadOp {
  return { client: 'librdkafka', reader, session: 0, topic: T, partition, offset, value, ...extra };
}

/** Three acknowledged writes on two partitions, read back by two final readers. */
function clean(): History {
  const history = emptyHistory(50);
  history.writes.push(write('a', 0, 0), write('b', 0, 1), write('c', 1, 0));
  for (const reader of ['final-1', 'final-2']) {
    history.finalReaders.push(reader);
    history.reads.push(read(reader, 0, 0, 'a'), read(reader, 0, 1, 'b'), read(reader, 1, 0, 'c'));
  }
  return history;
}

function categories(history: History): Partial<Record<Category, number>> {
  return Object.fromEntries(Object.entries(countByCategory(check(history))).filter(([, n]) => n > 0));
}

describe('chaos checker', () => {
  it('finds nothing in a clean history and counts what it checked', () => {
    const report = check(clean());
    expect(report.anomalies).toEqual([]);
    expect(report.acknowledgedWrites).toEqual({ kafkajs: 0, librdkafka: 3, framework: 0 });
    expect(report.reads).toBe(6);
    expect(report.logRecords).toBe(3);
  });

  it('finds a lost acknowledged write (once per final reader that misses it)', () => {
    const history = clean();
    history.reads = history.reads.filter((r) => r.value !== 'b');
    expect(categories(history)).toEqual({ 'lost acknowledged write': 2 });
    expect(check(history).anomalies[0]).toMatchObject({ client: 'librdkafka', value: 'b', partition: 0 });
    expect(check(history).anomalies[0]!.detail).toContain('acknowledged at offset 1, which holds nothing');
    // Acknowledged at an offset that holds another record (a retry taken for a duplicate).
    history.writes.push(write('d', 1, 0));
    expect(check(history).anomalies.find((a) => a.value === 'd')!.detail).toContain('acknowledged at offset 0, which holds c');
  });

  it('does not count an indeterminate write that is absent, nor one that is present', () => {
    const history = clean();
    history.writes.push(write('x', 1, undefined, { outcome: 'indeterminate' }));
    history.writes[0]!.outcome = 'indeterminate';
    expect(check(history).anomalies).toEqual([]);
    expect(check(history).indeterminateWrites).toBe(2);
  });

  it("calls a lost kafkajs write acknowledged at the offset of its producer's earlier failed send kafkajs' sequence reuse, and nothing else", () => {
    const reuse = clean();
    // 'f' failed on the client (indeterminate) but is in the log at 1@1; the next send 'g' was acknowledged there.
    reuse.writes.push(write('f', 1, undefined, { client: 'kafkajs', producer: 'kafkajs-1', outcome: 'indeterminate', startedAt: 2000, endedAt: 2500 }));
    reuse.writes.push(write('g', 1, 1, { client: 'kafkajs', producer: 'kafkajs-1', startedAt: 2600, endedAt: 2700 }));
    for (const reader of reuse.finalReaders) reuse.reads.push(read(reader, 1, 1, 'f'));
    expect(categories(reuse)).toEqual({ [KAFKAJS_SEQUENCE_REUSE]: 2 });
    expect(unexplained(check(reuse))).toEqual([]);
    // The same when the earlier send resolved without metadata for the partition.
    reuse.writes.find((w) => w.value === 'f')!.outcome = 'ok';
    reuse.writes.find((w) => w.value === 'f')!.acknowledgedPartition = false;
    expect(categories(reuse)).toEqual({ [KAFKAJS_SEQUENCE_REUSE]: 2 });

    // Another producer's record, an acknowledged one, or the framework's path: a broker loss.
    for (const change of [{ producer: 'kafkajs-2' }, { outcome: 'ok' as const }]) {
      const otherwise = clean();
      otherwise.writes.push(write('f', 1, 1, { client: 'kafkajs', producer: 'kafkajs-1', outcome: 'indeterminate', startedAt: 2000, endedAt: 2500, ...change }));
      otherwise.writes.push(write('g', 1, 1, { client: 'kafkajs', producer: 'kafkajs-1', startedAt: 2600, endedAt: 2700 }));
      for (const reader of otherwise.finalReaders) otherwise.reads.push(read(reader, 1, 1, 'f'));
      expect(categories(otherwise)['lost acknowledged write']).toBe(2);
    }
    const framework = clean();
    framework.writes.push(write('f', 1, undefined, { client: 'framework', producer: 'template', outcome: 'indeterminate', startedAt: 2000, endedAt: 2500 }));
    framework.writes.push(write('g', 1, 1, { client: 'framework', producer: 'template', startedAt: 2600, endedAt: 2700 }));
    for (const reader of framework.finalReaders) framework.reads.push(read(reader, 1, 1, 'f'));
    expect(categories(framework)).toEqual({ 'lost acknowledged write': 2 });
  });

  it("calls a kafkajs value at consecutive offsets of one partition kafkajs' retry duplicate; anything else a duplicate", () => {
    const retried = clean();
    retried.writes.push(write('r', 1, 1, { client: 'kafkajs', producer: 'kafkajs-1' }));
    for (const reader of retried.finalReaders) retried.reads.push(read(reader, 1, 1, 'r'), read(reader, 1, 2, 'r'), read(reader, 1, 3, 'r'));
    expect(categories(retried)).toEqual({ [KAFKAJS_RETRY_DUPLICATE]: 2 });
    expect(unexplained(check(retried))).toEqual([]);

    const apart = clean();
    apart.writes.push(write('r', 1, 1, { client: 'kafkajs', producer: 'kafkajs-1' }));
    for (const reader of apart.finalReaders) apart.reads.push(read(reader, 1, 1, 'r'), read(reader, 1, 3, 'r'));
    expect(categories(apart)).toEqual({ duplicate: 2 });

    const framework = clean();
    framework.writes.push(write('r', 1, 1, { client: 'framework', producer: 'template' }));
    for (const reader of framework.finalReaders) framework.reads.push(read(reader, 1, 1, 'r'), read(reader, 1, 2, 'r'));
    expect(categories(framework)).toEqual({ duplicate: 2 });
  });

  it('calls a lost kafkajs write the known client loss only when its partition changed leader during the send', () => {
    const during = clean();
    const lost = write('k', 1, undefined, { client: 'kafkajs', producer: 'kafkajs-1', startedAt: 2000, endedAt: 2600, acknowledgedPartition: false });
    during.writes.push(lost);
    during.leaderChanges.push({ topic: T, partition: 1, at: 2300, leader: 2, leaderEpoch: 3 });
    expect(categories(during)).toEqual({ [KAFKAJS_CLIENT_LOSS]: 2 });
    expect(check(during).anomalies[0]!.detail).toContain('no metadata for the partition');
    expect(unexplained(check(during))).toEqual([]);

    // A change observed just after the acknowledgement may have happened before it (sampling).
    const sampledLate = clean();
    sampledLate.writes.push({ ...lost });
    sampledLate.leaderChanges.push({ topic: T, partition: 1, at: 2640, leader: 2, leaderEpoch: 3 });
    expect(categories(sampledLate)).toEqual({ [KAFKAJS_CLIENT_LOSS]: 2 });

    // Another partition's leader moved, or this one's long after: a broker loss.
    for (const change of [{ partition: 0, at: 2300 }, { partition: 1, at: 5000 }, { partition: 1, at: 1500 }]) {
      const otherwise = clean();
      otherwise.writes.push({ ...lost });
      otherwise.leaderChanges.push({ topic: T, leader: 2, leaderEpoch: 3, ...change });
      expect(categories(otherwise)).toEqual({ 'lost acknowledged write': 2 });
    }

    // The same loss by another client is never excused.
    const rdkafka = clean();
    rdkafka.writes.push({ ...lost, client: 'librdkafka' });
    rdkafka.leaderChanges.push({ topic: T, partition: 1, at: 2300, leader: 2, leaderEpoch: 3 });
    expect(categories(rdkafka)).toEqual({ 'lost acknowledged write': 2 });
    expect(unexplained(check(rdkafka))).toHaveLength(2);
  });

  it('finds a duplicate', () => {
    const history = clean();
    history.reads.push(read('final-1', 1, 1, 'a'));
    expect(categories(history)).toEqual({ duplicate: 1 });
  });

  it('does not count a re-delivery of the same offset as a duplicate (it is non-monotonic instead)', () => {
    const history = clean();
    history.reads.push(read('final-1', 0, 1, 'b'));
    expect(categories(history)).toEqual({ 'non-monotonic offsets': 1 });
  });

  it('finds an aborted read by a live reader and by a final reader', () => {
    const history = clean();
    history.writes.push(write('aborted-1', 0, undefined, { outcome: 'aborted', client: 'framework' }));
    history.reads.push(read('live', 0, 2, 'aborted-1', { client: 'kafkajs' }));
    expect(categories(history)).toEqual({ 'aborted read': 1 });
    expect(check(history).anomalies[0]!.client).toBe('framework');
    history.reads.push(read('final-2', 0, 2, 'aborted-1'));
    expect(categories(history)).toEqual({ 'aborted read': 2 });
  });

  it('finds non-monotonic offsets within a session, and accepts a new session starting over', () => {
    const history = clean();
    history.reads.push(read('live', 0, 0, 'a'), read('live', 0, 1, 'b'), read('live', 0, 0, 'a', { session: 1 }), read('live', 1, 0, 'c', { session: 1 }));
    expect(check(history).anomalies).toEqual([]);
    history.reads.push(read('live', 0, 1, 'b', { session: 1 }), read('live', 0, 0, 'a', { session: 1 }));
    expect(categories(history)).toEqual({ 'non-monotonic offsets': 1 });
  });

  it('finds final readers that disagree on an offset', () => {
    const history = clean();
    for (const w of history.writes) delete w.offset;
    // final-2 read a and b the other way round.
    history.reads = history.reads.map((r) => (r.reader === 'final-2' && r.partition === 0 ? { ...r, value: r.value === 'a' ? 'b' : 'a' } : r));
    expect(categories(history)).toEqual({ 'divergent reads': 2 });
  });

  it('finds an acknowledged offset that differs from where the record is', () => {
    const history = clean();
    history.writes[2]!.offset = 7;
    expect(categories(history)).toEqual({ 'acknowledged offset differs': 2 });
  });

  it('finds a value nobody wrote', () => {
    const history = clean();
    history.reads.push(read('final-1', 1, 1, 'garbage'));
    expect(categories(history)).toEqual({ 'unexpected value': 1 });
  });

  describe('copier', () => {
    function copierHistory(output: Array<[number, number, string]>, client: ClientPath = 'framework'): History {
      const history = clean();
      history.copiers.push({ client, name: 'copier', input: T, output: 'out' });
      for (const reader of history.finalReaders) for (const [partition, offset, value] of output) history.reads.push(read(reader, partition, offset, value, { topic: 'out' }));
      return history;
    }

    it('accepts every input record exactly once, in any partition and order', () => {
      const history = copierHistory([[0, 0, 'c'], [1, 0, 'a'], [1, 1, 'b']]);
      expect(check(history).anomalies).toEqual([]);
      expect(check(history).copied).toEqual({ copier: 3 });
    });

    it('finds an input record missing from the output', () => {
      expect(categories(copierHistory([[0, 0, 'c'], [1, 0, 'a']]))).toEqual({ 'copier: input missing from output': 2 });
    });

    it('finds an input record copied twice', () => {
      expect(categories(copierHistory([[0, 0, 'c'], [1, 0, 'a'], [1, 1, 'b'], [0, 1, 'a']]))).toEqual({ 'copier: input copied more than once': 2 });
    });

    it('finds an output record that is no input record, and an aborted copy that was read', () => {
      const history = copierHistory([[0, 0, 'c'], [1, 0, 'a'], [1, 1, 'b'], [1, 2, 'zzz'], [1, 3, 'aborted:a']]);
      history.writes.push({ ...write('aborted:a', 1, undefined), topic: 'out', outcome: 'aborted', client: 'framework' });
      expect(categories(history)).toEqual({ 'unexpected value': 2, 'aborted read': 2 });
    });
  });
});
