import { readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Partitioners, type Producer } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { decodeRecordBatchSync, LOG_OVERHEAD, readBatchHeader, RECORD_BATCH_HEADER_SIZE } from '../../../src/protocol/records/index.js';
import { Cleanup, kafkajsClient, kcatReadAll, killBrokers, removeTempDirs, seededRandom, spawnBroker, tempDir } from '../../support/broker-harness.js';
import { killChildren } from '../../support/produced-batches.js';
import { waitFor } from '../../support/wait-for.js';

// kill -9 under produce load, then the active segment cut at a (seeded) random byte, as a
// torn write would leave it. On restart every complete batch before the cut is served, the
// torn one and everything after it are gone, and the next produce gets the recovered log end
// offset.

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  await killBrokers();
  killChildren();
});
afterAll(() => removeTempDirs());

interface FileBatch {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  values: string[];
}

/** The complete batches of a segment file, in file order (an incomplete tail is ignored). */
function fileBatches(file: string): FileBatch[] {
  const buf = readFileSync(file);
  const out: FileBatch[] = [];
  let at = 0;
  while (at + RECORD_BATCH_HEADER_SIZE <= buf.length) {
    const header = readBatchHeader(buf, at);
    const size = header.batchLength + LOG_OVERHEAD;
    if (at + size > buf.length) break;
    const batch = decodeRecordBatchSync(buf, at);
    const baseOffset = Number(header.baseOffset);
    out.push({ position: at, size, baseOffset, lastOffset: baseOffset + header.lastOffsetDelta, values: batch.records.map((r) => r.value!.toString()) });
    at += size;
  }
  return out;
}

interface Ack {
  baseOffset: number;
  values: string[];
}

/** Sends 5-record batches from `lanes` concurrent loops until told to stop, a send fails or `maxRecords` were sent. */
function produceContinuously(producer: Producer, topic: string, acks: number, lanes: number, prefix: string, maxRecords = Infinity) {
  const acked: Ack[] = [];
  let seq = 0;
  let stopped = false;
  const lane = async () => {
    while (!stopped && seq < maxRecords) {
      const values = Array.from({ length: 5 }, () => `${prefix}-record-${seq++}-${'payload'.repeat(8 + (seq % 11))}`);
      try {
        const result = await producer.send({ topic, acks, messages: values.map((value) => ({ partition: 0, value })) });
        acked.push({ baseOffset: Number(result[0]!.baseOffset), values });
      } catch {
        return; // the broker is gone
      }
    }
  };
  const running = Array.from({ length: lanes }, () => lane());
  return {
    acked,
    ackedRecords: () => acked.length * 5,
    stop() {
      // Sends in flight to the dead broker fail in their own time (kafkajs takes seconds);
      // nothing can be acknowledged any more, so do not wait for them.
      stopped = true;
      void Promise.allSettled(running);
    },
  };
}

// CRASH_SEEDS=4,5,6 runs other cut points (acks -1).
const CASES = process.env.CRASH_SEEDS
  ? process.env.CRASH_SEEDS.split(',').map((s) => ({ seed: Number(s), acks: -1 }))
  : [
      { seed: 1, acks: 1 },
      { seed: 2, acks: -1 },
      { seed: 3, acks: -1 },
    ];

it.each(CASES)('recovers from kill -9 plus a segment cut at a random byte (seed $seed, acks $acks)', { timeout: 60_000 }, async ({ seed, acks }) => {
  const random = seededRandom(seed * 7919);
  const dataDir = tempDir('streamwright-crash-');
  const topic = 'crash-topic';
  const broker = await spawnBroker(dataDir);
  const client = kafkajsClient(broker.address, `crash-${seed}`);
  const admin = client.admin();
  await admin.connect();
  cleanup.add(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '16384' }] }], waitForLeaders: true });
  await admin.disconnect();

  // Produce under load and kill -9. The cut must hit the active segment, which holds what was
  // written after the last flush (the recovery point). A roll fsyncs the old segment on the
  // event loop, so under load the kill often lands right after a roll, with the new active
  // segment still empty (the older segments were flushed and are not re-checked on recovery,
  // as in Kafka). Then: recover, produce less than a segment, and crash again.
  const dir = join(dataDir, `${topic}-0`);
  const segmentFiles = () => readdirSync(dir).filter((n) => n.endsWith('.log')).sort().map((n) => join(dir, n));
  const acked: Ack[] = [];
  const rounds: string[] = [];
  let address = broker.address;
  let kill = () => broker.kill('SIGKILL');
  for (let round = 0; ; round++) {
    const producer = kafkajsClient(address, `crash-${seed}-${round}`).producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 0 }, allowAutoTopicCreation: false });
    await producer.connect();
    cleanup.add(() => producer.disconnect());
    // Round 0: enough for a dozen segments, plus a random amount so each seed crashes elsewhere.
    // Later rounds: a bounded amount that fits in the (empty) active segment.
    const target = round === 0 ? 1500 + Math.floor(random() * 500) : 20 + 5 * Math.floor(random() * 12);
    const load = produceContinuously(producer, topic, acks, 4, `r${round}`, round === 0 ? Infinity : target + 20);
    await waitFor(() => load.ackedRecords() >= target, { timeoutMs: 40_000, intervalMs: 5, what: `${target} acknowledged records` });
    const killed = await kill(); // while sends are still in flight
    expect(killed.signal).toBe('SIGKILL');
    load.stop();
    acked.push(...load.acked);
    const files = segmentFiles();
    rounds.push(`round ${round}: ${load.ackedRecords()} acknowledged, last segments ${files.slice(-2).map((f) => `${basename(f)} (${statSync(f).size} bytes)`).join(', ')}`);
    if (statSync(files.at(-1)!).size > 0) break;
    if (round === 4) throw new Error(`the active segment was empty after every crash:\n${rounds.join('\n')}`);
    const next = await spawnBroker(dataDir);
    address = next.address;
    kill = () => next.kill('SIGKILL');
  }

  // Cut the active (last) segment at a random byte.
  const segments = segmentFiles();
  expect(segments.length).toBeGreaterThan(5);
  const victim = segments.at(-1)!;
  const victimSize = statSync(victim).size;
  const cut = Math.floor(random() * victimSize);
  const before = segments.slice(0, -1).flatMap(fileBatches);
  const victimBatches = fileBatches(victim);
  truncateSync(victim, cut);

  const kept = [...before, ...victimBatches.filter((b) => b.position + b.size <= cut)];
  const expectedEnd = kept.length > 0 ? kept.at(-1)!.lastOffset + 1 : 0;
  const stored = new Map<number, string>();
  for (const b of kept) b.values.forEach((v, i) => stored.set(b.baseOffset + i, v));
  expect(stored.size).toBe(expectedEnd); // the file held every offset below the cut

  // What was acknowledged and lies before the cut is in the file as acknowledged; nothing
  // acknowledged straddles the cut.
  const ackedBefore = acked.filter((a) => a.baseOffset + a.values.length <= expectedEnd);
  expect(ackedBefore.length).toBeGreaterThan(0);
  for (const a of ackedBefore) a.values.forEach((v, i) => expect(stored.get(a.baseOffset + i)).toBe(v));
  for (const a of acked) if (a.baseOffset < expectedEnd) expect(a.baseOffset + a.values.length).toBeLessThanOrEqual(expectedEnd);

  // Restart on the same data dir.
  const restarted = await spawnBroker(dataDir);
  const lines = await kcatReadAll(restarted.address, topic, '%o %s\\n').catch((error: Error) => {
    throw new Error(`${error.message.slice(0, 500)}\ncut ${victim} (${victimSize} bytes) at ${cut}; expected log end ${expectedEnd}\nbroker stderr:\n${restarted.stderr()}`);
  });
  const expected = [...stored.entries()].sort((a, b) => a[0] - b[0]).map(([o, v]) => `${o} ${v}`);
  expect(lines.length).toBe(expected.length);
  expect(lines).toEqual(expected);

  // Producing continues at the recovered log end offset.
  const after = kafkajsClient(restarted.address, `crash-after-${seed}`);
  const afterAdmin = after.admin();
  await afterAdmin.connect();
  cleanup.add(() => afterAdmin.disconnect());
  expect((await afterAdmin.fetchTopicOffsets(topic))[0]).toMatchObject({ partition: 0, low: '0', high: String(expectedEnd) });
  const nextProducer = after.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await nextProducer.connect();
  cleanup.add(() => nextProducer.disconnect());
  const sent = await nextProducer.send({ topic, acks: -1, messages: [{ partition: 0, value: 'after the crash' }] });
  expect(sent[0]).toMatchObject({ errorCode: 0, baseOffset: String(expectedEnd) });
  const tail = await kcatReadAll(restarted.address, topic, '%o %s\\n', ['-p', '0', '-o', String(expectedEnd)]);
  expect(tail).toEqual([`${expectedEnd} after the crash`]);
});
