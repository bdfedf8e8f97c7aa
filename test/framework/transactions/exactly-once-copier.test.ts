/**
 * The framework's exactly-once copier (fixtures/eos-copier-app.mjs, compiled framework from
 * dist/) copies 10,000 records, 1% of which fail once, while it is killed with SIGKILL and
 * restarted twice. Read with read_committed, the output holds every input exactly once, in
 * input order per partition.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { BrokerProbe, kafkaConfig, startBroker, unique } from '../support/framework-harness.js';
import { readTopic, type ReadRecord } from './tx-harness.js';
import { waitFor } from '../../support/wait-for.js';

const APP = join(import.meta.dirname, 'fixtures', 'eos-copier-app.mjs');
const TOTAL = 10_000;
const PARTITIONS = 4;

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await probe?.close();
  await kafka?.stop();
});

/** Starts the copier; `progress()` is the number of records it reports as copied so far. */
function startCopier(args: string[]) {
  const child = spawn(process.execPath, [APP, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let progress = 0;
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const match of chunk.toString().matchAll(/progress (\d+)/g)) progress = Math.max(progress, Number(match[1]));
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    progress: () => progress,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
      children.delete(child);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      children.delete(child);
    },
  };
}

test('10,000 records copied exactly once across two SIGKILLs and a 1% failure rate', async () => {
  const input = unique('eos-in');
  const output = unique('eos-out');
  const group = unique('eos-group');
  await probe.createTopic(input, PARTITIONS);
  await probe.createTopic(output, PARTITIONS);

  // Keys spread over the partitions; the same key lands on the same partition number in both topics.
  const producer = new Kafka(kafkaConfig(kafka)).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let start = 0; start < TOTAL; start += 1000) {
    await producer.send({ topic: input, messages: Array.from({ length: 1000 }, (_, i) => ({ key: `key-${(start + i) % 53}`, value: String(start + i) })) });
  }
  await producer.disconnect();
  const inputRecords = await readTopic(kafkaConfig(kafka), input, { done: (r) => r.length >= TOTAL, timeoutMs: 60_000, settleMs: 0 });

  const args = [kafka.bootstrapServers.join(','), input, output, group, unique('eos-tx-')];
  // Two runs killed with SIGKILL after copying some records, then a run to the end.
  for (let run = 0; run < 2; run++) {
    const copier = startCopier(args);
    await waitFor(() => copier.progress() >= 2000, { what: `copier run ${run} to copy 2000 records (${copier.output().slice(-500)})`, timeoutMs: 90_000 });
    await copier.kill9();
  }
  const last = startCopier(args);
  try {
    await waitFor(async () => {
      const committed = await probe.committed(group, input);
      return [...Array(PARTITIONS).keys()].every((p) => committed.get(p) === inputRecords.filter((r) => r.partition === p).length);
    }, { what: `every input offset committed (${last.output().slice(-500)})`, timeoutMs: 150_000 });
  } finally {
    await last.stop();
  }

  const copied = await readTopic(kafkaConfig(kafka), output, { done: (r) => r.length >= TOTAL, timeoutMs: 60_000, settleMs: 1000 });
  expect(copied).toHaveLength(TOTAL);
  expect(new Set(copied.map((r) => r.value)).size).toBe(TOTAL);
  const byPartition = (records: readonly ReadRecord[], partition: number) =>
    records
      .filter((r) => r.partition === partition)
      .sort((a, b) => a.offset - b.offset)
      .map((r) => `${r.key}=${r.value}`);
  for (let partition = 0; partition < PARTITIONS; partition++) {
    expect(byPartition(copied, partition)).toEqual(byPartition(inputRecords, partition));
  }
  // The killed runs left aborted records behind: read_uncommitted sees more than read_committed.
  const everything = await readTopic(kafkaConfig(kafka), output, { readUncommitted: true, done: (r) => r.length > TOTAL, timeoutMs: 60_000, settleMs: 0 });
  expect(everything.length).toBeGreaterThan(TOTAL);
}, 300_000);
