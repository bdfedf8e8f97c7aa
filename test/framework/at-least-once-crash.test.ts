/**
 * docs/ack-modes.md: "after a crash, the records since the last commit are delivered again
 * (at-least-once)". A container (compiled framework, child process) with AckMode COUNT
 * (ackCount 8) processes 20 records, so 16 are committed, and is killed with SIGKILL. The next
 * run gets exactly the 4 records after the last commit again: none is lost, none before the
 * commit is repeated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { BrokerProbe, kafkaConfig, startBroker, unique } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

const APP = join(import.meta.dirname, 'fixtures', 'at-least-once-app.mjs');

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

function startApp(args: string[]) {
  const child = spawn(process.execPath, [APP, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const processed: number[] = [];
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const match of chunk.toString().matchAll(/processed (\d+)/g)) processed.push(Number(match[1]));
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stopWith = async (signal: NodeJS.Signals) => {
    child.kill(signal);
    await exited;
    children.delete(child);
  };
  return { processed, output: () => output, kill9: () => stopWith('SIGKILL'), stop: () => stopWith('SIGTERM') };
}

test('a container killed with SIGKILL: the next run gets the records since the last commit again, and only those', { timeout: 60_000 }, async () => {
  const topic = unique('alo');
  const group = unique('alo-group');
  await probe.createTopic(topic, 1);
  const producer = new Kafka(kafkaConfig(kafka)).producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}` })) });
  await producer.disconnect();
  const args = [kafka.bootstrapServers.join(','), topic, group];

  const first = startApp(args);
  await waitFor(() => first.processed.length >= 20, { what: 'first run processed all 20 records', timeoutMs: 30_000 }).catch((error) => {
    throw new Error(`${String(error)}\n${first.output()}`);
  });
  await waitFor(async () => (await probe.committedAt(group, topic)) === 16, { what: 'two counts of 8 committed' });
  await first.kill9();
  expect(first.processed).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect(await probe.committedAt(group, topic)).toBe(16);

  const second = startApp(args);
  await waitFor(() => second.processed.length >= 4, { what: 'second run got the uncommitted records', timeoutMs: 30_000 }).catch((error) => {
    throw new Error(`${String(error)}\n${second.output()}`);
  });
  await second.stop();
  expect(second.processed).toEqual([16, 17, 18, 19]);
  expect(await probe.committedAt(group, topic)).toBe(20);
});
