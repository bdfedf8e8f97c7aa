/**
 * A Nest application with StreamwrightModule and app.enableShutdownHooks(), run as a child
 * process (fixtures/nest-graceful-app.mjs, on dist/): SIGTERM while the listener holds a
 * record lets it finish, commits its offset, leaves the group, and the process ends.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { BrokerProbe, kafkaConfig, startBroker } from '../framework/support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

const APP = join(import.meta.dirname, 'fixtures', 'nest-graceful-app.mjs');

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

test('SIGTERM mid-record: the record finishes, its offset is committed, the group is left, the process ends', async () => {
  const topic = 'nest-graceful';
  const group = 'nest-graceful-group';
  await probe.createTopic(topic, 1);
  const child = spawn(process.execPath, [APP, kafka.bootstrapServers.join(','), topic, group], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    // createApplicationContext resolves after onApplicationBootstrap: the container has its partition.
    await waitFor(() => output.includes('started'), { what: 'the Nest app to start', timeoutMs: 25_000 });
    const producer = new Kafka(kafkaConfig(kafka)).producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'r-0' }] });
    await producer.disconnect();
    await waitFor(() => output.includes('entered r-0'), { what: 'the listener to take the record' });
  } finally {
    child.kill('SIGTERM');
  }
  const { code, signal } = await exited;
  // Nest re-raises the signal after its shutdown hooks, so the process ends by SIGTERM.
  expect(code === 0 || signal === 'SIGTERM', `exit ${code} ${signal}: ${output}`).toBe(true);
  expect(output).toContain('finished r-0');
  expect(await probe.committedAt(group, topic)).toBe(1);
  const admin = new Kafka(kafkaConfig(kafka)).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    expect(groups[0]?.members).toEqual([]);
  } finally {
    await admin.disconnect();
  }
});
