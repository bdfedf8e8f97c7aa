/**
 * app.enableShutdownHooks(): a child process (fixtures/graceful-consumer.mjs, on dist/) is
 * sent SIGTERM while it consumes. It must exit 0 with every committed offset processed, and a
 * restarted app must continue from the committed offsets: nothing lost, duplicates only past
 * the committed offset (at-least-once).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { BrokerProbe, kafkaConfig, startBroker } from '../support/framework-harness.js';
import { waitFor } from '../../support/wait-for.js';

const APP = join(import.meta.dirname, 'fixtures', 'graceful-consumer.mjs');
const PARTITIONS = 2;
const PER_PARTITION = 300;

let kafka: EmbeddedKafka;
let probe: BrokerProbe;

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
});
afterAll(async () => {
  await probe.close();
  await kafka.stop();
});

function processedLines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

/** Runs the app until `until` holds, then sends SIGTERM; resolves with its exit code. */
async function runUntil(args: string[], until: () => boolean): Promise<number | null> {
  const child = spawn(process.execPath, [APP, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(() => output.includes('started') && until(), { what: 'the app to process records', timeoutMs: 25_000 });
  } finally {
    child.kill('SIGTERM');
  }
  const code = await exited;
  if (code !== 0) throw new Error(`exit ${code}: ${output}`);
  return code;
}

test('SIGTERM mid-stream: exit 0, every committed offset was processed, a restart continues from there', async () => {
  const topic = 'graceful-input';
  const group = 'graceful-group';
  await probe.createTopic(topic, PARTITIONS);
  const producer = new Kafka(kafkaConfig(kafka)).producer();
  await producer.connect();
  for (let partition = 0; partition < PARTITIONS; partition++) {
    await producer.send({ topic, messages: Array.from({ length: PER_PARTITION }, (_, offset) => ({ partition, value: `${partition}:${offset}` })) });
  }
  await producer.disconnect();
  const log = join(mkdtempSync(join(tmpdir(), 'graceful-')), 'processed.log');
  const args = [kafka.bootstrapServers.join(','), topic, group, log];

  expect(await runUntil(args, () => processedLines(log).length >= 100)).toBe(0);
  const firstRun = processedLines(log);
  const committed = await probe.committed(group, topic);
  expect(firstRun.length).toBeLessThan(PARTITIONS * PER_PARTITION);
  const processed = new Set(firstRun);
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const upTo = committed.get(partition) ?? -1;
    for (let offset = 0; offset < upTo; offset++) expect(processed.has(`${partition}:${offset}`), `${partition}:${offset} committed but not processed`).toBe(true);
  }
  expect([...committed.values()].reduce((a, b) => a + Math.max(0, b), 0)).toBeGreaterThan(0);

  expect(await runUntil(args, () => processedLines(log).length >= firstRun.length + 50 && new Set(processedLines(log)).size === PARTITIONS * PER_PARTITION)).toBe(0);
  const secondRun = processedLines(log).slice(firstRun.length);
  for (const value of secondRun) {
    const [partition, offset] = value.split(':').map(Number);
    // The restart starts at the committed offset: nothing before it comes again.
    expect(offset!, value).toBeGreaterThanOrEqual(Math.max(0, committed.get(partition!) ?? 0));
  }
  const after = await probe.committed(group, topic);
  for (let partition = 0; partition < PARTITIONS; partition++) expect(after.get(partition)).toBe(PER_PARTITION);
}, 90_000);
